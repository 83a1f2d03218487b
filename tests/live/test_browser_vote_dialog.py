"""Acceptance (issue 21, item 5): an opened vote comes up as a dialog over the room and the
reader for every voter — keyboard reachable (the focus moves onto the first choice), announced
(a modal dialog named by the motion, a polite live region), postponed with Escape and brought
back by a "Vote now" button that stays in view — with one wording for its state everywhere
(room, dialog, console: "Voting open" / "Voting closed").

Real app, real Chromium at 1366×768 (where the session panel's vote sat below the fold).
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Page, expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD, api_login, bearer
from .conftest import Meeting, upload_document
from .test_browser_session import Secretary, no_csp_violations

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}


async def focused_choice(page: Page) -> str | None:
    return await page.evaluate(
        "() => document.activeElement && document.activeElement.closest('#vote-dialog')"
        " ? document.activeElement.dataset.choice : null"
    )


async def test_an_opened_vote_is_a_dialog_over_the_room_and_the_reader(
    client: TestClient, meeting: Meeting
) -> None:
    run = Secretary(client, meeting, bearer(await api_login(client, "thuky")))
    document_id = await upload_document(client, meeting.id)
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, room = await logged_in(browser, base, "daibieu", PASSWORD)
        await room.set_viewport_size(DESKTOP)
        await room.goto(f"/meetings/{meeting.id}/room")
        await expect(room.locator("#session-panel")).to_be_visible()
        _, console = await logged_in(browser, base, "botruong", PASSWORD)
        await console.goto(f"/meetings/{meeting.id}/session")
        await console.wait_for_function("() => window.ecabinetConsole.live")
        await run(
            "POST",
            "/attendance/corrections",
            {"participant_id": meeting.participants["botruong"], "status": "present_in_person"},
        )
        await run("POST", "/session/start")
        assert not await room.locator("#vote-dialog").is_visible()

        motion = await run("POST", "/motions", {"title": "Thông qua tờ trình"})
        dialog = room.get_by_role("dialog", name="Thông qua tờ trình")
        await expect(dialog).to_be_visible()
        await expect(dialog).to_contain_text("Voting open")
        await expect(room.locator("#vote-announce")).to_have_text("Voting open: Thông qua tờ trình")
        await room.wait_for_function(
            "() => document.activeElement && document.activeElement.dataset.choice === 'agree'"
        )
        # Escape postpones; the way back stays in view.
        await room.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        reopen = room.locator("#vote-reopen")
        await expect(reopen).to_be_visible()
        await expect(reopen).to_contain_text("Vote now")
        assert await reopen.evaluate(
            "b => { const r = b.getBoundingClientRect();"
            " return r.bottom <= innerHeight && r.top >= 0; }"
        )
        await reopen.focus()
        await room.keyboard.press("Enter")
        await expect(dialog).to_be_visible()
        assert await focused_choice(room) == "agree"
        await room.keyboard.press("Tab")  # to "Disagree"
        assert await focused_choice(room) == "disagree"
        await room.keyboard.press("Enter")
        await expect(dialog.locator(".voted")).to_have_text("You have voted: Disagree")
        await expect(room.locator(f".motion[data-motion='{motion['id']}'] .badge")).to_have_text(
            "Voting open"
        )
        await expect(console.locator("#votes-h ~ article.motion .badge").first).to_have_text(
            "Voting open"
        )
        await dialog.get_by_role("button", name="Close").click()
        await expect(dialog).to_be_hidden()
        await run("POST", f"/api/motions/{motion['id']}/close")
        await expect(reopen).to_be_hidden()
        await expect(room.locator(f".motion[data-motion='{motion['id']}'] .badge")).to_have_text(
            "Voting closed"
        )
        await expect(console.locator("#votes-h ~ article.motion .badge").first).to_have_text(
            "Voting closed"
        )

        # The reader of a meeting document (no room page needed) gets the same dialog.
        _, reader = await logged_in(browser, base, "daibieu", PASSWORD)
        await reader.set_viewport_size(DESKTOP)
        await reader.goto(f"/documents/{document_id}/read")
        await reader.wait_for_function("() => window.ecabinetReaderVote.loads > 0")
        second = await run("POST", "/motions", {"title": "Bỏ phiếu kín nhân sự", "secret": True})
        over_reader = reader.get_by_role("dialog", name="Bỏ phiếu kín nhân sự")
        await expect(over_reader).to_be_visible()
        await expect(over_reader).to_contain_text("Secret ballot: nobody can see how you voted.")
        await reader.wait_for_function(
            "() => document.activeElement && document.activeElement.dataset.choice === 'agree'"
        )
        await reader.keyboard.press("Enter")
        await expect(over_reader.locator(".voted")).to_have_text("You have voted")
        motions = (await run("GET", "/session"))["motions"]
        assert [m["votes_cast"] for m in motions if m["id"] == second["id"]] == [1]
        await run("POST", f"/api/motions/{second['id']}/close")
        await expect(over_reader).to_be_hidden()
        await expect(reader.locator("#vote-announce")).to_contain_text("The vote has closed.")
        await no_csp_violations(room)
        await no_csp_violations(reader)
