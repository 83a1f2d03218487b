"""When the people of a meeting change, everyone hears of it (RFC 5546 §2.1.4): the update with
a higher SEQUENCE and the new attendee list goes to ALL who stay, the new person gets the
invitation, the removed one a CANCEL; delivered through a real SMTP server (aiosmtpd) and read
back with icalendar and vobject (issue 20, item 4)."""

from __future__ import annotations

import icalendar
import vobject

from . import test_meeting_mail as meeting_mail
from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare
from .test_meeting_mail import attendees, calendar_part, settle

# The real SMTP server and the app that sends to it, as in test_meeting_mail.py.
smtp = meeting_mail.smtp
app = meeting_mail.app

PEOPLE = ("botruong", "daibieu", "admin")


def _mailto(username: str) -> str:
    return f"mailto:{username}@chinhphu.vn"


async def test_removing_one_and_adding_another_updates_everyone_who_stays(
    client, world, smtp, clock
):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    body = meeting_body(
        participants=[{"username": "botruong", "role": "chair"}]
        + [{"username": u, "role": "member"} for u in PEOPLE[1:]]
    )
    resp = await client.post("/api/meetings", json=body, headers=secretary)
    assert resp.status == 201
    meeting = await resp.json()
    assert len(await settle(world, smtp, clock)) == 3

    new_people = [
        {"username": "botruong", "role": "chair"},
        {"username": "admin", "role": "member"},
        {"username": "vanhanh", "role": "member"},
    ]
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"participants": new_people}, headers=secretary
    )
    assert resp.status == 200
    assert (await resp.json())["sequence"] == 1
    received = (await settle(world, smtp, clock))[3:]
    by_address = {m["To"].addresses[0].addr_spec.split("@")[0]: m for m in received}
    assert sorted(by_address) == ["admin", "botruong", "daibieu", "vanhanh"]
    assert len(received) == 4, "one mail each"

    now_listed = {_mailto(u) for u in ("botruong", "admin", "vanhanh")}
    for username in ("botruong", "admin", "vanhanh"):
        method, raw = calendar_part(by_address[username])
        assert method == "REQUEST", username
        cal = icalendar.Calendar.from_ical(raw)
        event = cal.walk("VEVENT")[0]
        assert str(event["UID"]) == meeting["ical_uid"]
        assert int(event["SEQUENCE"]) == 1, username
        assert set(attendees(cal)) == now_listed, username
        parsed = vobject.readOne(raw.decode())
        assert {a.value for a in parsed.vevent.attendee_list} == now_listed
    assert "Thay đổi lịch họp / Updated" in str(by_address["botruong"]["Subject"])
    assert "Thay đổi lịch họp / Updated" in str(by_address["admin"]["Subject"])
    assert "Giấy mời họp / Invitation" in str(by_address["vanhanh"]["Subject"])

    method, raw = calendar_part(by_address["daibieu"])
    assert method == "CANCEL"
    cal = icalendar.Calendar.from_ical(raw)
    event = cal.walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    assert set(attendees(cal)) == {_mailto("daibieu")}, "a CANCEL names only its addressee"


async def test_adding_people_alone_also_updates_everyone(client, world, smtp, clock):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=secretary)
    meeting = await resp.json()
    await settle(world, smtp, clock)
    participants = meeting_body()["participants"] + [{"username": "admin", "role": "invitee"}]
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"participants": participants}, headers=secretary
    )
    assert resp.status == 200
    received = (await settle(world, smtp, clock))[2:]
    got = {}
    for message in received:
        method, raw = calendar_part(message)
        event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
        got[message["To"].addresses[0].addr_spec] = (method, int(event["SEQUENCE"]))
    assert got == {
        "botruong@chinhphu.vn": ("REQUEST", 1),
        "daibieu@chinhphu.vn": ("REQUEST", 1),
        "admin@chinhphu.vn": ("REQUEST", 1),
    }
