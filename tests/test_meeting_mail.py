"""Invitations, updates, cancellations and reminders delivered to a real SMTP server (aiosmtpd),
and parsed back with ``icalendar`` and with an independent parser (``vobject``)."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy

import icalendar
import pytest
import vobject
from aiohttp import web
from aiosmtpd.controller import Controller

from ecabinet.app import create_app

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=default_policy)
        )
        return "250 OK"


class SmtpServer:
    """A real SMTP server on loopback that can be stopped and started on the same port."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(settings, clock, smtp) -> web.Application:
    mail_settings = replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from="lich-hop@chinhphu.vn",
        outbox_poll_seconds=0.02,
        public_url="https://ecabinet.chinhphu.vn",
    )
    return create_app(mail_settings, clock=clock)


async def settle(world, smtp: SmtpServer, clock) -> list[EmailMessage]:
    """Wait (bounded) until the sender has nothing due or in flight, then return the inbox."""
    await asyncio.sleep(0.25)  # several turns of the loop (it polls every 20 ms)
    for _ in range(400):
        mails = await outbox(world)
        busy = [
            m
            for m in mails
            if m.status == "pending"
            and (m.next_attempt_at <= clock.now() or (m.attempts and not m.last_error))
        ]
        if not busy and len(smtp.inbox.messages) >= sum(m.status == "sent" for m in mails):
            break
        await asyncio.sleep(0.025)
    return list(smtp.inbox.messages)


def calendar_part(message: EmailMessage) -> tuple[str, bytes]:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), part.get_payload(decode=True)
    raise AssertionError("no text/calendar part")


def check_both_parsers(raw: bytes, method: str) -> icalendar.Calendar:
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["METHOD"] == method
    tzids = {tz["TZID"] for tz in cal.walk("VTIMEZONE")}
    event = cal.walk("VEVENT")[0]
    assert event["DTSTART"].params["TZID"] in tzids, "every TZID has its VTIMEZONE"
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    independent = vobject.readOne(raw.decode())
    assert independent.method.value == method
    vevent = independent.vevent
    assert vevent.dtstart.value.astimezone(UTC) == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    # vobject builds the zone from our VTIMEZONE alone: the local time and offset must hold.
    assert vevent.dtstart.value.hour == 9
    assert vevent.dtstart.value.utcoffset() == timedelta(hours=7)
    assert vevent.uid.value == str(event["UID"])
    assert int(vevent.sequence.value) == int(event["SEQUENCE"])
    return cal


def attendees(cal: icalendar.Calendar) -> dict[str, dict[str, str]]:
    event = cal.walk("VEVENT")[0]
    found = event.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return {str(a): dict(a.params) for a in found}


async def test_invitation_update_and_cancellation_arrive_and_parse(client, world, smtp, clock):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=secretary)
    assert resp.status == 201
    meeting = await resp.json()

    invitations = await settle(world, smtp, clock)
    assert sorted(m["To"].addresses[0].addr_spec for m in invitations) == [
        "botruong@chinhphu.vn",
        "daibieu@chinhphu.vn",
    ]
    first = invitations[0]
    assert first.get_content_type() == "multipart/alternative"
    assert "Giấy mời họp / Invitation" in first["Subject"]
    html = first.get_body(("html",)).get_content()
    assert "Tham dự / Accept" in html and "https://ecabinet.chinhphu.vn/rsvp/" in html
    assert f"https://ecabinet.chinhphu.vn/meetings/{meeting['id']}" in html
    method, raw = calendar_part(first)
    assert method == "REQUEST"
    cal = check_both_parsers(raw, "REQUEST")
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == meeting["ical_uid"]
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:thuky@chinhphu.vn"
    people = attendees(cal)
    assert set(people) == {"mailto:botruong@chinhphu.vn", "mailto:daibieu@chinhphu.vn"}
    assert all(p["RSVP"] == "TRUE" and p["PARTSTAT"] == "NEEDS-ACTION" for p in people.values())
    assert people["mailto:botruong@chinhphu.vn"]["ROLE"] == "CHAIR"

    resp = await client.patch(
        f"/api/meetings/{meeting['id']}",
        json={"starts_at": "2026-12-03T14:00:00+07:00"},
        headers=secretary,
    )
    assert resp.status == 200
    updates = (await settle(world, smtp, clock))[2:]
    assert len(updates) == 2
    method, raw = calendar_part(updates[0])
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert method == "REQUEST"
    assert str(event["UID"]) == meeting["ical_uid"]
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert vobject.readOne(raw.decode()).vevent.dtstart.value.hour == 14

    assert (await client.delete(f"/api/meetings/{meeting['id']}", headers=secretary)).status == 200
    cancels = (await settle(world, smtp, clock))[4:]
    assert len(cancels) == 2
    method, raw = calendar_part(cancels[0])
    assert method == "CANCEL"
    cal = icalendar.Calendar.from_ical(raw)
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == meeting["ical_uid"]
    assert int(event["SEQUENCE"]) == 2
    assert vobject.readOne(raw.decode()).vevent.status.value == "CANCELLED"
    assert len(smtp.inbox.messages) == 6


async def test_every_invitation_arrives_once_after_the_smtp_server_comes_back(
    client, world, smtp, clock
):
    await prepare(world)
    smtp.stop()
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=secretary)
    assert resp.status == 201
    await settle(world, smtp, clock)
    mails = await outbox(world)
    assert all(m.status == "pending" and m.last_error for m in mails), "failed, kept for retry"
    smtp.start()
    clock.advance(seconds=31)  # past the first backoff
    received = await settle(world, smtp, clock)
    clock.advance(minutes=30)  # any further retry would now be due
    received = await settle(world, smtp, clock)
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == [
        "botruong@chinhphu.vn",
        "daibieu@chinhphu.vn",
    ]
    assert {m.status for m in await outbox(world)} == {"sent"}


async def test_reminders_a_day_and_a_quarter_hour_before(client, world, smtp, clock):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=secretary)
    assert resp.status == 201
    await settle(world, smtp, clock)
    # 2026-12-03 09:00 +07:00 is 02:00 UTC; the clock starts at 2026-11-23 02:00 UTC.
    clock.advance(days=9, minutes=-1)
    assert len(await settle(world, smtp, clock)) == 2, "nothing before the day-ahead reminder"
    clock.advance(minutes=1)
    reminders = (await settle(world, smtp, clock))[2:]
    assert len(reminders) == 2
    assert all("Nhắc lịch họp / Reminder" in m["Subject"] for m in reminders)
    clock.advance(hours=23, minutes=44)
    assert len(await settle(world, smtp, clock)) == 4, "each reminder once"
    clock.advance(minutes=1)
    assert len(await settle(world, smtp, clock)) == 6
    purposes = sorted(m.purpose for m in await outbox(world))
    assert purposes == ["invitation"] * 2 + ["reminder_15m"] * 2 + ["reminder_24h"] * 2
