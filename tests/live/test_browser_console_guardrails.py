"""Acceptance (issue 21, item 4): the chair's guardrails on the console, in the page.

Real app, real Chromium; the chair botruong on the console page (/meetings/{id}/session), the
member daibieu having answered one of two agenda items before the session. Starting the session
below quorum asks first (an in-page dialog; "Cancel" leaves it unstarted), ending it asks too;
opening a vote without quorum is refused with the reason in the page, in English and then in
Vietnamese after the chair switches language; the consent column ticks only the item a member
answered without objection (not the one nobody answered). No browser alert()/confirm() at all;
the room's "End meeting" asks in the page as well.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Dialog, Page, expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD, api_login, bearer
from .conftest import Meeting
from .test_browser_session import Secretary, no_csp_violations

pytestmark = pytest.mark.browser


def no_browser_dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    async def refuse(dialog: Dialog) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", refuse)
    return seen


async def test_the_chair_confirms_in_the_page_and_is_told_why_in_her_language(
    client: TestClient, meeting: Meeting
) -> None:
    run = Secretary(client, meeting, bearer(await api_login(client, "thuky")))
    answered = await run("POST", "/agenda", {"title": "Tờ trình đã có ý kiến"})
    silent = await run("POST", "/agenda", {"title": "Tờ trình chưa ai cho ý kiến"})
    member = bearer(await api_login(client, "daibieu"))
    resp = await client.put(
        f"/api/meetings/{meeting.id}/positions/{answered['id']}",
        json={"position": "no_objection"},
        headers=member,
    )
    assert resp.status == 200, await resp.text()
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, console = await logged_in(browser, base, "botruong", PASSWORD)
        alerts = no_browser_dialogs(console)
        await console.goto(f"/meetings/{meeting.id}/session")
        await console.wait_for_function("() => window.ecabinetConsole.live")

        rows = console.locator("#positions-h ~ table tbody tr")
        await expect(rows.filter(has_text=answered["title"]).locator("td").last).to_have_text("✓")
        await expect(rows.filter(has_text=silent["title"]).locator("td").last).to_have_text("")

        # Below quorum, starting asks first; Cancel leaves the session unstarted.
        confirm = console.locator("#confirm-dialog")
        await console.locator("#session-start").click()
        await expect(confirm).to_be_visible()
        await expect(confirm).to_contain_text("Start the session without a quorum?")
        await expect(confirm).to_contain_text("0/2")
        await console.locator("#confirm-dialog-cancel").click()
        await expect(confirm).to_be_hidden()
        assert (await run("GET", "/session"))["started"] is False
        await console.locator("#session-start").click()
        await console.locator("#confirm-dialog-ok").click()
        await expect(console.locator("#session-end")).to_be_visible()
        assert (await run("GET", "/session"))["started"] is True

        # Opening a vote without quorum: the reason, in the page.
        await expect(console.locator("#vote-no-quorum")).to_be_visible()
        await console.locator("input[name=title]").last.fill("Thông qua tờ trình")
        await console.get_by_role("button", name="Open a vote").click()
        error = console.locator("#console-error")
        await expect(error).to_have_text("There is no quorum.")
        # ... and in Vietnamese once the chair switches language.
        await console.locator("button[name=language][value=vi]").click()
        await console.wait_for_url(f"**/meetings/{meeting.id}/session")
        await console.wait_for_function("() => window.ecabinetConsole.live")
        await console.locator("input[name=title]").last.fill("Thông qua tờ trình")
        await console.get_by_role("button", name="Mở biểu quyết").click()
        await expect(error).to_contain_text("Chưa đủ số thành viên tham dự")
        assert "quorum" not in (await error.text_content() or "")

        # Ending the session asks too (in Vietnamese now).
        await console.locator("#session-end").click()
        await expect(confirm).to_contain_text("Kết thúc phiên họp cho tất cả mọi người?")
        await console.keyboard.press("Escape")
        await expect(confirm).to_be_hidden()
        assert (await run("GET", "/session"))["status"] == "in_progress"
        await console.locator("#session-end").click()
        await console.locator("#confirm-dialog-ok").click()
        await expect(console.locator("#session-end")).to_be_hidden()
        assert (await run("GET", "/session"))["status"] == "ended"
        assert alerts == []
        await no_csp_violations(console)


async def test_ending_the_meeting_from_the_room_asks_in_the_page(
    client: TestClient, meeting: Meeting
) -> None:
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, room = await logged_in(browser, base, "botruong", PASSWORD)
        alerts = no_browser_dialogs(room)
        await room.goto(f"/meetings/{meeting.id}/room")
        await expect(room.locator("#btn-end")).to_be_visible()
        await room.locator("#btn-end").click()
        confirm = room.locator("#confirm-dialog")
        await expect(confirm).to_contain_text("End the meeting for everyone?")
        await room.locator("#confirm-dialog-cancel").click()
        await expect(confirm).to_be_hidden()
        await room.locator("#btn-end").click()
        await room.locator("#confirm-dialog-ok").click()
        await expect(room.locator("#notice")).to_have_text("The meeting has ended.")
        assert alerts == []
