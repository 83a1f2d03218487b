"""Issue 21 item 9 in real Chromium: the secretary finds people by typing (without diacritics),
invites a whole ministry with one click, and sees the conflicts while filling in the form, as
names and times in the meeting's time zone (POST /api/meetings/conflicts, the rule saving uses)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from .browser import launch, logged_in
from .conftest import PASSWORD, World, api_login, bearer
from .scheduling import meeting_body, prepare

pytestmark = pytest.mark.browser


async def test_the_picker_searches_invites_a_ministry_and_shows_conflicts_live(
    client: TestClient, world: World
) -> None:
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    body = meeting_body(
        title="Họp Ban Chỉ đạo",
        starts_at="2026-12-03T14:00:00+07:00",
        ends_at="2026-12-03T16:00:00+07:00",
        participants=[{"username": "botruong", "role": "member"}],
    )
    assert (await client.post("/api/meetings", json=body, headers=headers)).status == 201
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.goto("/meetings/new")
        form = page.locator("#meeting-form")
        await form.locator("input[name=title]").fill("Họp về dự án luật")
        await form.locator("input[name=starts_at_date]").fill("03/12/2026")
        await form.locator("input[name=starts_at_time]").fill("15:00")
        await form.locator("input[name=ends_at_date]").fill("03/12/2026")
        await form.locator("input[name=ends_at_time]").fill("16:30")
        live = page.locator("#live-conflicts")
        await expect(live).to_contain_text("Nobody in this meeting is booked elsewhere")

        await page.locator("#picker-search").fill("bo y te")
        ministry = form.locator("details", has_text="Bộ Y tế")
        await expect(ministry).to_be_visible()
        await expect(form.locator("details", has_text="Tỉnh Nghệ An")).to_be_hidden()
        await ministry.get_by_role("button", name="Invite the whole organization").click()
        assert await form.locator("select[name='user:botruong']").input_value() == "member"
        assert await form.locator("select[name='user:daibieu']").input_value() == "member"
        await expect(live).to_contain_text("Họp Ban Chỉ đạo, 14:00–16:00 03/12/2026: Botruong")

        # The same wall-clock times in Tokyo are 13:00–14:30 in Hà Nội: still a conflict,
        # now shown in Tokyo time.
        await form.locator("select[name=time_zone]").select_option("Asia/Tokyo")
        await expect(live).to_contain_text("Họp Ban Chỉ đạo, 16:00–18:00 03/12/2026: Botruong")
        await form.locator("input[name=starts_at_date]").fill("03/12/2026")
        await form.locator("input[name=starts_at_time]").fill("19:00")
        await form.locator("input[name=ends_at_date]").fill("03/12/2026")
        await form.locator("input[name=ends_at_time]").fill("20:00")
        await expect(live).to_contain_text("Nobody in this meeting is booked elsewhere")
        assert await page.evaluate("window.__csp") == []


async def test_the_conflict_check_is_for_schedulers_and_validates(client: TestClient, world: World):
    await prepare(world)
    body = {
        "starts_at": "2026-12-03T15:00:00+07:00",
        "ends_at": "2026-12-03T14:00:00+07:00",
        "participants": [],
    }
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings/conflicts", json=body, headers=secretary)
    assert resp.status == 422
    member = bearer(await api_login(client, "daibieu"))
    body["ends_at"] = "2026-12-03T16:00:00+07:00"
    resp = await client.post("/api/meetings/conflicts", json=body, headers=member)
    assert resp.status == 403
    resp = await client.post("/api/meetings/conflicts", json=body, headers=secretary)
    assert resp.status == 200 and await resp.json() == []
