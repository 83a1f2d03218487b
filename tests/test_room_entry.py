"""Issue 19 item 1 / issue 21 item 1: the way into the live room from the meeting page, the home
page's upcoming list and the calendar, from the moment the join window opens (the one rule in
services/room_door.py, the one the join token obeys), with the reason when the door is shut."""

from __future__ import annotations

import re

from sqlalchemy import update

from ecabinet.models import Language, User
from ecabinet.web.appkeys import services_key

from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare
from .test_meeting_pages import browser_login

# The clock stands at 09:00 in Hà Nội (02:00 UTC); the room opens 30 minutes before 10:00.
STARTS, ENDS = "2026-11-23T10:00:00+07:00", "2026-11-23T11:30:00+07:00"
ENTER = "Vào phòng họp"
RUN = "Điều hành phiên họp"


async def _meeting(client) -> int:
    headers = bearer(await api_login(client, "thuky"))
    body = meeting_body(starts_at=STARTS, ends_at=ENDS)
    resp = await client.post("/api/meetings", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    return int((await resp.json())["id"])


def _entry(html: str) -> str:
    door = r'<div class="room-entry[^"]*" data-room-door="(\w+)">(.*?)</div>'
    match = re.search(door, html, re.S)
    assert match, "the page shows the room's door"
    return f"{match.group(1)}: {match.group(2)}"


async def _join(client, username: str, meeting_id: int) -> int:
    """Ask for a join token through the API (outside the page's cookie session)."""
    client.session.cookie_jar.clear()
    headers = bearer(await api_login(client, username))
    resp = await client.post(f"/api/meetings/{meeting_id}/join", json={}, headers=headers)
    await browser_login(client, username)
    return resp.status


async def test_the_meeting_page_opens_the_door_with_the_join_window(client, world, clock):
    await prepare(world)
    meeting_id = await _meeting(client)
    await browser_login(client, "daibieu")

    entry = _entry(await (await client.get(f"/meetings/{meeting_id}")).text())
    assert entry.startswith("not_yet:")
    assert "Phòng họp mở lúc" in entry and ">09:30 23/11/2026<" in entry, "local time of opening"
    assert ENTER not in entry
    assert await _join(client, "daibieu", meeting_id) == 409, "the same rule refuses the token"

    clock.advance(minutes=30)  # 09:30: the window opens
    entry = _entry(await (await client.get(f"/meetings/{meeting_id}")).text())
    assert entry.startswith("open:")
    assert f'href="/meetings/{meeting_id}/room"' in entry and ENTER in entry
    assert RUN not in entry, "a member does not run the session"
    assert await _join(client, "daibieu", meeting_id) == 200

    clock.advance(hours=3)  # 12:30: an hour after the scheduled end the door shuts
    entry = _entry(await (await client.get(f"/meetings/{meeting_id}")).text())
    assert entry.startswith("ended:") and "Cuộc họp đã kết thúc" in entry
    assert ENTER not in entry
    assert await _join(client, "daibieu", meeting_id) == 409


async def test_the_chair_and_the_secretary_also_get_the_console(client, world, clock):
    await prepare(world)
    meeting_id = await _meeting(client)
    clock.advance(minutes=45)
    for username in ("botruong", "thuky"):
        client.session.cookie_jar.clear()
        await browser_login(client, username)
        entry = _entry(await (await client.get(f"/meetings/{meeting_id}")).text())
        assert ENTER in entry, username
        assert f'href="/meetings/{meeting_id}/session"' in entry and RUN in entry, username
        console = await client.get(f"/meetings/{meeting_id}/session")
        assert console.status == 200, "the link leads to a console the user may open"


async def test_nobody_outside_the_meeting_sees_a_door(client, world, clock):
    await prepare(world)
    meeting_id = await _meeting(client)
    clock.advance(minutes=45)
    await browser_login(client, "vanhanh")
    page = await client.get(f"/meetings/{meeting_id}")
    assert page.status == 404
    home = await (await client.get("/")).text()
    assert f"/meetings/{meeting_id}/room" not in home


async def test_home_and_calendar_carry_the_door(client, world, clock):
    await prepare(world)
    meeting_id = await _meeting(client)
    await browser_login(client, "botruong")
    home = await (await client.get("/")).text()
    assert _entry(home).startswith("not_yet:") and ">09:30<" in _entry(home)
    listing = await (await client.get("/meetings?view=list&date=2026-11-23")).text()
    assert "Phòng họp mở lúc" in listing
    grid = await (await client.get("/meetings?view=week&date=2026-11-23")).text()
    assert "room-entry" not in grid, "a shut door is not drawn in the grid"

    clock.advance(minutes=30)
    room, console = f'href="/meetings/{meeting_id}/room"', f'href="/meetings/{meeting_id}/session"'
    for path in ("/", "/meetings?view=list&date=2026-11-23", "/meetings?view=week&date=2026-11-23"):
        html = await (await client.get(path)).text()
        assert room in html and ENTER in html, path
        assert console in html and RUN in html, path


async def test_the_door_speaks_english(client, world, clock):
    await prepare(world)
    meeting_id = await _meeting(client)
    clock.advance(minutes=30)
    await browser_login(client, "daibieu")
    async with client.app[services_key].db.transaction() as session:
        await session.execute(
            update(User).where(User.username == "daibieu").values(language=Language.EN)
        )
    html = await (await client.get(f"/meetings/{meeting_id}")).text()
    assert "Enter the meeting room" in _entry(html)
