"""Replies from calendar clients come back in (issue 20, item 3): REPLY and COUNTER mails written
the way Outlook and Google write them are sent over a real socket to our own SMTP receiver
(``ECABINET_INBOUND_MAIL_PORT``); the answer lands on the roster and in the audit log, and a
mail whose sender is not the attendee (or fails DKIM at the relay) is refused with a 550."""

from __future__ import annotations

import asyncio
import re
import smtplib
import socket
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import icalendar
import pytest
from sqlalchemy import select

from ecabinet.app import create_app
from ecabinet.models import AuditEvent, OutboxMail, Role

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare
from .test_meeting_pages import _csrf, browser_login

REPLY_TO = "lich-hop+tra-loi@chinhphu.vn"
FROM = "lich-hop@chinhphu.vn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbound_port() -> int:
    return _free_port()


@pytest.fixture
def protocol() -> str:
    return "smtp"  # a test parametrized with protocol="lmtp" runs the LMTP receiver


@pytest.fixture
def app(settings, clock, inbound_port, protocol):
    return create_app(
        replace(
            settings,
            mail_from=FROM,
            itip_reply_address=REPLY_TO,
            inbound_mail_port=inbound_port,
            inbound_mail_protocol=protocol,
        ),
        clock=clock,
    )


def outlook_reply(uid: str, attendee: str, partstat: str, *, delegated_to: str = "") -> bytes:
    """What Outlook (Exchange) writes when the attendee clicks Accept/Decline/Tentative."""
    delegation = f';DELEGATED-TO="mailto:{delegated_to}"' if delegated_to else ""
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "METHOD:REPLY",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VTIMEZONE",
            "TZID:SE Asia Standard Time",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0700",
            "TZOFFSETTO:+0700",
            "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            f"ATTENDEE;PARTSTAT={partstat}{delegation};CN=Bo Truong:mailto:{attendee}",
            "COMMENT;LANGUAGE=vi-VN:\\n",
            "SUMMARY;LANGUAGE=vi-VN:Accepted: Phiên họp Chính phủ thường kỳ tháng 12",
            "DTSTART;TZID=SE Asia Standard Time:20261203T090000",
            "DTEND;TZID=SE Asia Standard Time:20261203T113000",
            f"UID:{uid}",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            "DTSTAMP:20261123T030000Z",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            "SEQUENCE:0",
            "X-MICROSOFT-CDO-APPT-SEQUENCE:0",
            "X-MICROSOFT-CDO-REPLYTIME:20261123T030000Z",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    ).encode()


def google_reply(uid: str, attendee: str, partstat: str) -> bytes:
    """What Google Calendar writes for "Yes / No / Maybe" on an invitation it did not create."""
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            "DTSTART:20261203T020000Z",
            "DTEND:20261203T043000Z",
            "DTSTAMP:20261123T030000Z",
            f"ORGANIZER;CN=Thuky:mailto:{REPLY_TO}",
            f"UID:{uid}",
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT="
            f"{partstat};CN=Dai Bieu;X-NUM-GUESTS=0:mailto:{attendee}",
            "CREATED:20261123T020000Z",
            "LAST-MODIFIED:20261123T030000Z",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            "SUMMARY:Phiên họp Chính phủ thường kỳ tháng 12",
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    ).encode()


def outlook_counter(uid: str, attendee: str, start: str, end: str) -> bytes:
    """Outlook's "Propose New Time": METHOD:COUNTER with the proposed DTSTART/DTEND."""
    text = outlook_reply(uid, attendee, "TENTATIVE").decode()
    text = text.replace("METHOD:REPLY", "METHOD:COUNTER")
    text = text.replace("DTSTART;TZID=SE Asia Standard Time:20261203T090000", f"DTSTART:{start}")
    text = text.replace("DTEND;TZID=SE Asia Standard Time:20261203T113000", f"DTEND:{end}")
    text = text.replace("COMMENT;LANGUAGE=vi-VN:\\n", "COMMENT:Xin lùi sang buổi chiều")
    return text.encode()


def mail(sender: str, ics: bytes, *, google: bool = False, auth_results: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = f"Người trả lời <{sender}>"
    message["To"] = REPLY_TO
    message["Subject"] = "Accepted: Phiên họp Chính phủ thường kỳ tháng 12"
    if auth_results:
        message["Authentication-Results"] = auth_results
    method = "COUNTER" if b"METHOD:COUNTER" in ics else "REPLY"
    message.set_content("Đồng ý tham dự.")
    message.add_alternative("<p>Đồng ý tham dự.</p>", subtype="html")
    message.add_alternative(ics, maintype="text", subtype="calendar", params={"method": method})
    if google:
        message.make_mixed()
        message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_bytes(policy=SMTP_POLICY)  # CRLF, as on the wire


async def send(
    port: int, sender: str, raw: bytes, rcpt: str = REPLY_TO, *, lmtp: bool = False
) -> None:
    """Deliver over SMTP (or LMTP) to our receiver (in a thread: it runs on this event loop)."""

    def deliver() -> None:
        client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
        with client as smtp:
            smtp.sendmail(sender, [rcpt], raw)

    await asyncio.to_thread(deliver)


async def refused(port: int, sender: str, raw: bytes, rcpt: str = REPLY_TO) -> str:
    with pytest.raises(smtplib.SMTPResponseException) as caught:
        await send(port, sender, raw, rcpt)
    assert caught.value.smtp_code == 550
    return caught.value.smtp_error.decode()


async def _meeting(client, world) -> tuple[dict, dict[str, str]]:
    await world.add_user("thuthuong", Role.DELEGATE, world.ministry)
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=secretary)
    assert resp.status == 201
    return await resp.json(), secretary


async def _answers(client, headers, meeting_id: int) -> dict[str, str]:
    resp = await client.get(f"/api/meetings/{meeting_id}/participants", headers=headers)
    return {p["username"]: p["rsvp"] for p in await resp.json()}


async def test_invitations_name_the_reply_address_as_organizer_sent_by_our_sender(client, world):
    await _meeting(client, world)
    invitation = (await outbox(world))[0]
    event = icalendar.Calendar.from_ical(invitation.ics).walk("VEVENT")[0]
    organizer = event["ORGANIZER"]
    assert str(organizer) == f"mailto:{REPLY_TO}"
    assert organizer.params["SENT-BY"] == f"mailto:{FROM}"
    assert organizer.params["CN"] == "Thuky"


async def test_outlook_and_google_replies_update_the_roster_and_are_audited(
    client, world, inbound_port
):
    meeting, secretary = await _meeting(client, world)
    uid = meeting["ical_uid"]
    await send(
        inbound_port,
        "botruong@chinhphu.vn",
        mail("botruong@chinhphu.vn", outlook_reply(uid, "botruong@chinhphu.vn", "ACCEPTED")),
    )
    dkim = "mx.chinhphu.vn; dkim=pass header.i=@chinhphu.vn header.s=google; spf=pass"
    raw = mail(
        "daibieu@chinhphu.vn",
        google_reply(uid, "daibieu@chinhphu.vn", "DECLINED"),
        google=True,
        auth_results=dkim,
    )
    await send(inbound_port, "daibieu@chinhphu.vn", raw)
    assert await _answers(client, secretary, meeting["id"]) == {
        "botruong": "accepted",
        "daibieu": "declined",
    }
    await send(
        inbound_port,
        "daibieu@chinhphu.vn",
        mail("daibieu@chinhphu.vn", google_reply(uid, "DaiBieu@ChinhPhu.vn", "TENTATIVE")),
    )
    assert (await _answers(client, secretary, meeting["id"]))["daibieu"] == "tentative"
    async with world.svc.db.reading() as session:
        entries = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "meeting.rsvp_mail")
            )
        )
    assert [(e.data["answer"], e.data["address"], e.data["dkim"]) for e in entries] == [
        ("accepted", "botruong@chinhphu.vn", "none"),
        ("declined", "daibieu@chinhphu.vn", "pass"),
        ("tentative", "daibieu@chinhphu.vn", "none"),
    ]
    assert all(e.meeting_id == meeting["id"] and e.data["via"] == "itip" for e in entries)


async def test_a_delegated_reply_adds_the_deputy_and_invites_them(client, world, inbound_port):
    meeting, secretary = await _meeting(client, world)
    ics = outlook_reply(
        meeting["ical_uid"],
        "botruong@chinhphu.vn",
        "DELEGATED",
        delegated_to="thuthuong@chinhphu.vn",
    )
    await send(inbound_port, "botruong@chinhphu.vn", mail("botruong@chinhphu.vn", ics))
    answers = await _answers(client, secretary, meeting["id"])
    assert answers["botruong"] == "delegated"
    assert answers["thuthuong"] == "needs_action"
    invited = [m for m in await outbox(world) if m.to_address == "thuthuong@chinhphu.vn"]
    assert [m.purpose for m in invited] == ["invitation"]
    assert "DELEGATED-FROM" in invited[0].ics.replace("\r\n ", "")


async def test_a_reply_from_someone_else_or_failing_dkim_is_refused(client, world, inbound_port):
    meeting, secretary = await _meeting(client, world)
    uid = meeting["ical_uid"]
    forged = mail("daibieu@chinhphu.vn", outlook_reply(uid, "botruong@chinhphu.vn", "DECLINED"))
    assert "not_attendee" in await refused(inbound_port, "daibieu@chinhphu.vn", forged)
    bad_dkim = mail(
        "botruong@chinhphu.vn",
        outlook_reply(uid, "botruong@chinhphu.vn", "DECLINED"),
        auth_results="mx.chinhphu.vn; dkim=fail header.d=chinhphu.vn; spf=softfail",
    )
    assert "dkim_failed" in await refused(inbound_port, "botruong@chinhphu.vn", bad_dkim)
    other_domain = mail(
        "botruong@chinhphu.vn",
        outlook_reply(uid, "botruong@chinhphu.vn", "DECLINED"),
        auth_results="mx.chinhphu.vn; dkim=pass header.d=attacker.example",
    )
    assert "dkim_failed" in await refused(inbound_port, "botruong@chinhphu.vn", other_domain)
    unknown = mail(
        "botruong@chinhphu.vn", outlook_reply("nope@x", "botruong@chinhphu.vn", "ACCEPTED")
    )
    assert "unknown_event" in await refused(inbound_port, "botruong@chinhphu.vn", unknown)
    outsider = mail("admin@chinhphu.vn", outlook_reply(uid, "admin@chinhphu.vn", "ACCEPTED"))
    assert "not_a_participant" in await refused(inbound_port, "admin@chinhphu.vn", outsider)
    plain = EmailMessage()
    plain["From"] = "botruong@chinhphu.vn"
    plain.set_content("no calendar")
    assert "no_calendar" in await refused(
        inbound_port, "botruong@chinhphu.vn", plain.as_bytes(policy=SMTP_POLICY)
    )
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(inbound_port, "botruong@chinhphu.vn", forged, rcpt="someone@chinhphu.vn")
    assert await _answers(client, secretary, meeting["id"]) == {
        "botruong": "needs_action",
        "daibieu": "needs_action",
    }


async def test_a_counter_is_a_proposal_the_secretary_accepts_or_declines(
    client, world, inbound_port
):
    meeting, secretary = await _meeting(client, world)
    uid = meeting["ical_uid"]
    path = f"/api/meetings/{meeting['id']}/counters"
    counter = outlook_counter(uid, "botruong@chinhphu.vn", "20261203T070000Z", "20261203T093000Z")
    await send(inbound_port, "botruong@chinhphu.vn", mail("botruong@chinhphu.vn", counter))
    later = outlook_counter(uid, "daibieu@chinhphu.vn", "20261204T020000Z", "20261204T043000Z")
    await send(inbound_port, "daibieu@chinhphu.vn", mail("daibieu@chinhphu.vn", later))
    listed = await (await client.get(path, headers=secretary)).json()
    assert [(c["address"], c["status"], c["comment"]) for c in listed] == [
        ("botruong@chinhphu.vn", "pending", "Xin lùi sang buổi chiều"),
        ("daibieu@chinhphu.vn", "pending", "Xin lùi sang buổi chiều"),
    ]
    told = [m for m in await outbox(world) if m.purpose == "counter_received"]
    assert [m.to_address for m in told] == ["thuky@chinhphu.vn"] * 2
    assert "14:00–16:30 03/12/2026" in told[0].text_body
    member = bearer(await api_login(client, "daibieu"))
    assert (await client.get(path, headers=member)).status in (403, 404)
    assert (
        await client.post(f"{path}/{listed[0]['id']}/accept", json={}, headers=member)
    ).status in (403, 404)

    sent_before = len(await outbox(world))
    resp = await client.post(f"{path}/{listed[0]['id']}/accept", json={}, headers=secretary)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "accepted"
    moved = await (await client.get(f"/api/meetings/{meeting['id']}", headers=secretary)).json()
    assert datetime.fromisoformat(moved["starts_at"]) == datetime(2026, 12, 3, 7, tzinfo=UTC)
    assert moved["sequence"] == 1
    updates = (await outbox(world))[sent_before:]
    assert sorted((m.purpose, m.to_address) for m in updates) == [
        ("update", "botruong@chinhphu.vn"),
        ("update", "daibieu@chinhphu.vn"),
    ]
    again = await client.post(f"{path}/{listed[0]['id']}/accept", json={}, headers=secretary)
    assert again.status == 409

    resp = await client.post(f"{path}/{listed[1]['id']}/decline", headers=secretary)
    assert resp.status == 200
    async with world.svc.db.reading() as session:
        declined = (
            await session.scalars(
                select(OutboxMail).where(OutboxMail.purpose == "counter_declined")
            )
        ).one()
    assert declined.to_address == "daibieu@chinhphu.vn"
    cal = icalendar.Calendar.from_ical(declined.ics)
    assert cal["METHOD"] == "DECLINECOUNTER"
    assert str(cal.walk("VEVENT")[0]["UID"]) == uid


@pytest.mark.parametrize("protocol", ["lmtp"])
async def test_the_receiver_speaks_lmtp_when_configured(client, world, inbound_port, protocol):
    meeting, secretary = await _meeting(client, world)
    ics = google_reply(meeting["ical_uid"], "daibieu@chinhphu.vn", "ACCEPTED")
    raw = mail("daibieu@chinhphu.vn", ics, google=True)
    with pytest.raises(smtplib.SMTPHeloError):  # an SMTP client's EHLO/HELO is refused
        await send(inbound_port, "daibieu@chinhphu.vn", raw)
    await send(inbound_port, "daibieu@chinhphu.vn", raw, lmtp=True)
    assert (await _answers(client, secretary, meeting["id"]))["daibieu"] == "accepted"


async def test_the_secretary_sees_a_proposal_on_the_meeting_page_and_declines_it(
    client, world, inbound_port
):
    meeting, _ = await _meeting(client, world)
    counter = outlook_counter(
        meeting["ical_uid"], "botruong@chinhphu.vn", "20261203T070000Z", "20261203T093000Z"
    )
    await send(inbound_port, "botruong@chinhphu.vn", mail("botruong@chinhphu.vn", counter))
    await browser_login(client, "thuky")
    page = await (await client.get(f"/meetings/{meeting['id']}")).text()
    assert "Đề xuất đổi giờ" in page and "botruong@chinhphu.vn" in page
    assert "03/12/2026 14:00–16:30" in page and "Xin lùi sang buổi chiều" in page
    action = re.search(r'action="(/meetings/\d+/counters/\d+/decline)"', page)
    assert action
    resp = await client.post(
        action.group(1), data={"csrf_token": _csrf(page)}, allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"].endswith("notice=counter_declined")
    page = await (await client.get(resp.headers["Location"])).text()
    assert "Không có đề xuất nào đang chờ." in page
    assert "Đề xuất đã bị từ chối" in page
