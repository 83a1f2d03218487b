"""The scheduling pages in a browser session: calendar, form with participant picker, meeting
page with answers and conflicts, and the home page's next meetings."""

from __future__ import annotations

import re

from sqlalchemy import update

from ecabinet.models import Language, User
from ecabinet.web.appkeys import services_key

from .conftest import PASSWORD
from .scheduling import prepare


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a CSRF field"
    return match.group(1)


async def browser_login(client, username: str) -> None:
    """Log in through the form; the pages then speak the user's language, Vietnamese here."""
    svc = client.app[services_key]
    async with svc.db.transaction() as session:
        await session.execute(
            update(User).where(User.username == username).values(language=Language.VI)
        )
    page = await client.get("/login")
    token = _csrf(await page.text())
    resp = await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()


FORM = {
    "title": "Họp trực tuyến với các địa phương về phòng chống bão",
    "starts_at": "2026-12-03T14:00",
    "ends_at": "2026-12-03T16:00",
    "time_zone": "Asia/Ho_Chi_Minh",
    "kind": "online_localities",
    "mode": "hybrid",
    "confidentiality": "normal",
    "room": "Phòng họp số 1",
    "description": "",
    "user:botruong": "chair",
    "user:daibieu": "member",
    "user:admin": "",
}


async def _schedule(client, **extra) -> tuple[int, str, str]:
    page = await client.get("/meetings/new")
    assert page.status == 200
    form = {**FORM, **extra, "csrf_token": _csrf(await page.text())}
    resp = await client.post("/meetings/new", data=form, allow_redirects=False)
    return resp.status, resp.headers.get("Location", ""), await resp.text()


async def test_secretary_schedules_from_the_form_with_the_participant_picker(client, world):
    sched = await prepare(world)
    await browser_login(client, "thuky")
    page = await client.get("/meetings/new")
    html = await page.text()
    assert "Lên lịch họp" in html, "in the user's language"
    assert "Bộ Y tế" in html and "Tỉnh Nghệ An" in html, "grouped by organization"
    assert f'name="endpoint:{sched.endpoint_id}"' in html
    assert 'name="user:botruong"' in html
    status, location, _ = await _schedule(client, **{f"endpoint:{sched.endpoint_id}": "member"})
    assert status == 303
    meeting_page = await client.get(location)
    html = await meeting_page.text()
    assert FORM["title"] in html
    assert "14:00–16:00, 03/12/2026" in html
    assert "Điểm cầu UBND tỉnh Nghệ An" in html
    assert html.count("Chưa trả lời") == 3
    assert "Không ai trong cuộc họp này bị trùng lịch" in html


async def test_a_conflict_in_the_form_can_be_confirmed(client, world):
    await prepare(world)
    await browser_login(client, "thuky")
    assert (await _schedule(client))[0] == 303
    status, _, html = await _schedule(client, title="Second")
    assert status == 409
    assert "Vẫn lên lịch" in html
    listed = html.split("<ul data-conflicts>", 1)[1].split("</ul>", 1)[0]
    # Issue 21 item 9: names and the meeting's local time, not "user:botruong … UTC".
    assert "14:00–16:00 03/12/2026: Botruong, Daibieu" in listed, listed
    assert "user:" not in listed and "UTC" not in listed
    assert '<option value="Asia/Ho_Chi_Minh" selected>' in html, "a time-zone select"
    status, location, _ = await _schedule(client, title="Second", confirm_conflicts="1")
    assert status == 303
    html = await (await client.get(location)).text()
    assert FORM["title"] in html, "the meeting page lists the conflict"
    card = html.split("<h2>Trùng lịch</h2>", 1)[1] if "<h2>Trùng lịch</h2>" in html else html
    assert "03/12 14:00–16:00: Botruong, Daibieu" in card and "user:botruong" not in card


async def test_invalid_form_input_is_shown_not_crashed(client, world):
    await prepare(world)
    await browser_login(client, "thuky")
    status, _, html = await _schedule(client, ends_at="2026-12-03T13:00")
    assert status == 422
    assert "ends_at must be after starts_at" in html
    assert FORM["title"] in html, "what was typed is kept"


async def test_member_sees_the_meeting_in_calendar_and_home_and_answers(client, world):
    await prepare(world)
    await browser_login(client, "thuky")
    _, location, _ = await _schedule(client)
    await client.post("/logout", data={"csrf_token": _csrf(await (await client.get("/")).text())})
    await browser_login(client, "botruong")
    home = await (await client.get("/")).text()
    assert FORM["title"] in home and "03/12 14:00" in home
    for view in ("month", "week", "list"):
        resp = await client.get(f"/meetings?view={view}&date=2026-12-03")
        assert resp.status == 200, view
        assert FORM["title"] in await resp.text(), view
    other_month = await (await client.get("/meetings?view=month&date=2027-02-01")).text()
    assert FORM["title"] not in other_month
    assert "webcal://" in other_month
    path = location.split("?", 1)[0]
    page = await client.get(path)
    html = await page.text()
    resp = await client.post(
        f"{path}/rsvp",
        data={"answer": "accepted", "csrf_token": _csrf(html)},
        allow_redirects=False,
    )
    assert resp.status == 303
    html = await (await client.get(resp.headers["Location"])).text()
    assert "Đã ghi nhận trả lời." in html
    assert 'class="rsvp-accepted">Tham dự' in html


async def test_a_delegate_not_invited_gets_not_found(client, world):
    await prepare(world)
    await browser_login(client, "thuky")
    _, location, _ = await _schedule(client, **{"user:daibieu": ""})
    await client.post("/logout", data={"csrf_token": _csrf(await (await client.get("/")).text())})
    await browser_login(client, "daibieu")
    path = location.split("?", 1)[0]
    assert (await client.get(path)).status == 404
    assert (await client.get(f"{path}/edit")).status == 404
    assert (await client.get("/meetings/new")).status == 403


async def test_editing_from_the_form_moves_the_meeting(client, world):
    await prepare(world)
    await browser_login(client, "thuky")
    _, location, _ = await _schedule(client)
    path = location.split("?", 1)[0]
    page = await client.get(f"{path}/edit")
    html = await page.text()
    assert 'value="03/12/2026"' in html and 'value="14:00"' in html  # dd/mm/yyyy and HH:MM
    assert re.search(r'name="user:botruong">.*?value="chair" selected', html, re.S)
    form = {**FORM, "starts_at": "2026-12-04T08:00", "ends_at": "2026-12-04T09:30"}
    resp = await client.post(
        f"{path}/edit", data={**form, "csrf_token": _csrf(html)}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    html = await (await client.get(path)).text()
    assert "08:00–09:30, 04/12/2026" in html
