"""Issue 19 item 1 / issue 21 item 1 in real Chromium: a member gets into the live room from the
home page's upcoming list, the chair opens the console from the meeting page, and before the
join window opens the meeting page says when it will (in the meeting's local time)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from ecabinet.clock import FrozenClock

from .browser import launch, logged_in
from .conftest import PASSWORD, World
from .test_room_entry import _meeting

pytestmark = pytest.mark.browser


async def test_members_enter_the_room_and_the_chair_runs_the_session_from_the_pages(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    meeting_id = await _meeting(client)  # 10:00 in Hà Nội; the clock says 09:00
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, member = await logged_in(browser, base, "daibieu", PASSWORD)
        await member.goto(f"/meetings/{meeting_id}")
        door = member.locator(".room-entry")
        await expect(door).to_contain_text("The meeting room opens at 09:30")
        await expect(door.get_by_role("link")).to_have_count(0)

        clock.advance(minutes=30)
        await member.goto("/")
        upcoming = member.locator("ul.meetings li", has_text="Phiên họp Chính phủ")
        await upcoming.get_by_role("link", name="Enter the meeting room").click()
        await member.wait_for_url(f"**/meetings/{meeting_id}/room")
        assert await member.evaluate("window.__csp") == []
        await expect(member.get_by_role("link", name="Run the session")).to_have_count(0)

        _, chair = await logged_in(browser, base, "botruong", PASSWORD)
        await chair.goto("/meetings?view=list&date=2026-11-23")
        await expect(chair.get_by_role("link", name="Enter the meeting room")).to_have_count(1)
        await chair.goto(f"/meetings/{meeting_id}")
        await chair.locator(".room-entry").get_by_role("link", name="Run the session").click()
        await chair.wait_for_url(f"**/meetings/{meeting_id}/session")
        assert await chair.evaluate("window.__csp") == []
