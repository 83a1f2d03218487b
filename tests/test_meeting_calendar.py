"""Calendar downloads: a meeting's .ics (METHOD:PUBLISH) and each user's rotatable webcal feed."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
import vobject

from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare


async def _meeting(client, headers, **overrides):
    resp = await client.post("/api/meetings", json=meeting_body(**overrides), headers=headers)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_meeting_download_is_a_publish_calendar_with_its_time_zone(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    meeting = await _meeting(client, secretary)
    member = bearer(await api_login(client, "botruong"))
    resp = await client.get(f"/api/meetings/{meeting['id']}/invitation.ics", headers=member)
    assert resp.status == 200
    assert resp.content_type == "text/calendar"
    raw = await resp.read()
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["METHOD"] == "PUBLISH"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == meeting["ical_uid"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    parsed = vobject.readOne(raw.decode())
    assert parsed.vevent.summary.value == meeting["title"]
    assert parsed.vevent.dtstart.value.hour == 9


async def test_feed_lists_my_meetings_with_refresh_hints_and_can_be_rotated(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    mine = await _meeting(client, secretary)
    await _meeting(
        client,
        secretary,
        title="Not mine",
        participants=[{"username": "admin"}],
        starts_at="2026-12-10T09:00:00+07:00",
        ends_at="2026-12-10T10:00:00+07:00",
    )
    member = bearer(await api_login(client, "daibieu"))
    feed = await (await client.get("/api/calendar/feed", headers=member)).json()
    assert feed["webcal_url"].startswith("webcal://")
    path = urlsplit(feed["url"]).path
    resp = await client.get(path)
    assert resp.status == 200
    raw = await resp.read()
    cal = icalendar.Calendar.from_ical(raw)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in raw
    assert b"X-PUBLISHED-TTL:PT1H" in raw
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [mine["ical_uid"]]
    assert vobject.readOne(raw.decode()).vevent.uid.value == mine["ical_uid"]

    rotated = await client.post("/api/calendar/feed/rotate", headers=member)
    assert rotated.status == 200
    new_path = urlsplit((await rotated.json())["url"]).path
    assert new_path != path
    assert (await client.get(path)).status == 404
    assert (await client.get(new_path)).status == 200
    tampered = new_path[:-8] + ("0" if new_path[-8] != "0" else "1") + new_path[-7:]
    assert (await client.get(tampered)).status == 404


async def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    meeting = await _meeting(client, secretary)
    await client.delete(f"/api/meetings/{meeting['id']}", headers=secretary)
    member = bearer(await api_login(client, "botruong"))
    feed = await (await client.get("/api/calendar/feed", headers=member)).json()
    raw = await (await client.get(urlsplit(feed["url"]).path)).read()
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
