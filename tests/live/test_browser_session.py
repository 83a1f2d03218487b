"""Acceptance: the session in the browser — the member's room page and the chair's console.

Real app (TestClient on a real port), real Chromium with a fake camera and microphone. A member
sits in the meeting room; the chair watches the console page. The secretary runs the session
over the API (as the console's buttons do): the member's room shows the current item and the
opened vote, votes, changes the vote, and sees the result once closed; the console follows every
step from its socket without reloading. Then the member asks for the floor from the room; when
the chair gives it, the room prompts "You have the floor — unmute?" and a click switches the
microphone's track on. (With ``ECABINET_SCREENSHOT_ROOM=path`` the room page is saved there at
that moment: that is docs/screenshot-room.png.)
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Page, expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD, api_login, bearer
from .conftest import Meeting

pytestmark = pytest.mark.browser


class Secretary:
    """The meeting's secretary driving the session over the JSON API."""

    def __init__(self, client: TestClient, meeting: Meeting, headers: dict[str, str]) -> None:
        self.client, self.meeting, self.headers = client, meeting, headers

    async def __call__(self, method: str, path: str, body: Any = None) -> Any:
        resp = await self.client.request(
            method,
            path if path.startswith("/api/") else f"/api/meetings/{self.meeting.id}{path}",
            json=body,
            headers=self.headers,
        )
        assert resp.status < 300, await resp.text()
        return await resp.json() if resp.status != 204 else None


async def no_csp_violations(page: Page) -> None:
    assert await page.evaluate("window.__csp") == []


async def test_member_votes_in_the_room_and_the_console_follows_live(
    client: TestClient, meeting: Meeting
) -> None:
    run = Secretary(client, meeting, bearer(await api_login(client, "thuky")))
    item = await run("POST", "/agenda", {"title": "Tờ trình về chuyển đổi số"})
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, console = await logged_in(browser, base, "botruong", PASSWORD)
        await console.goto(f"/meetings/{meeting.id}/session")
        await console.wait_for_function("() => window.ecabinetConsole.live")
        await console.evaluate("window.__notReloaded = true")

        _, room = await logged_in(browser, base, "daibieu", PASSWORD)
        await room.goto(f"/meetings/{meeting.id}/room")
        await expect(room.locator("#session-panel")).to_be_visible()
        await expect(room.locator("#session-status")).to_have_text("The session has not started.")

        await run(
            "POST",
            "/attendance/corrections",
            {"participant_id": meeting.participants["botruong"], "status": "present_in_person"},
        )
        await run("POST", "/session/start")
        await run("POST", "/session/current-item", {"agenda_item_id": item["id"]})
        await expect(room.locator("#session-item")).to_have_text("Tờ trình về chuyển đổi số")
        await expect(room.locator("#session-quorum")).to_contain_text("Quorum reached: 2/2")
        await expect(console.locator(".agenda-item.current")).to_contain_text("chuyển đổi số")

        motion = await run(
            "POST", "/motions", {"title": "Thông qua tờ trình", "agenda_item_id": item["id"]}
        )
        # The vote comes up as a dialog over the room (test_browser_vote_dialog.py); the member
        # votes there, and the panel's card says the same.
        dialog = room.locator("#vote-dialog")
        await dialog.locator("button[data-choice=agree]").click()
        await expect(dialog.locator(".voted")).to_have_text("You have voted: Agree")
        await dialog.locator("button[data-choice=disagree]").click()
        await expect(dialog.locator(".voted")).to_have_text("You have voted: Disagree")
        card = room.locator(f".motion[data-motion='{motion['id']}']")
        await expect(card.locator(".voted")).to_have_text("You have voted: Disagree")
        await expect(console.locator("#votes-h ~ article.motion")).to_contain_text(
            "Votes cast: 1/2"
        )

        await run("POST", f"/api/motions/{motion['id']}/close")
        closed = room.locator(f".motion[data-motion='{motion['id']}'][data-status=closed]")
        await expect(closed.locator(".tally")).to_have_text("Agree: 0 · Disagree: 1 · Abstain: 0")
        await expect(closed.locator(".outcome")).to_have_text("Not adopted")
        await expect(console.locator("#votes-h ~ article.motion")).to_contain_text("Voting closed")
        assert await console.evaluate("window.__notReloaded") is True
        assert await console.evaluate("window.ecabinetConsole.refreshes") >= 4

        # A secret vote: the room says so, and the member can still change their vote (the
        # receipt stays in the browser); nobody sees the choice, the result counts it once.
        secret = await run("POST", "/motions", {"title": "Bỏ phiếu kín nhân sự", "secret": True})
        card = room.locator("#vote-dialog")
        await expect(card).to_contain_text("Secret ballot: nobody can see how you voted.")
        await card.locator("button[data-choice=agree]").click()
        await expect(card.locator(".voted")).to_have_text("You have voted")
        await card.locator("button[data-choice=abstain]").click()
        await room.wait_for_function("() => window.ecabinetSession.votesSent === 4")
        await expect(room.locator("#session-error")).to_be_hidden()
        await run("POST", f"/api/motions/{secret['id']}/close")
        closed = room.locator(f".motion[data-motion='{secret['id']}'][data-status=closed]")
        await expect(closed.locator(".tally")).to_have_text("Agree: 0 · Disagree: 0 · Abstain: 1")

        # The member asks for the floor from the room (the raised hand), on the current item.
        await expect(card).to_be_hidden()
        await room.locator("#ask-floor").click()
        await expect(room.locator("#floor-queue")).to_contain_text("Daibieu")
        await expect(console.locator(".queue")).to_contain_text("Daibieu")
        assert await room.evaluate("window.ecabinetRoom.audioOn") is False
        floor = await run("GET", "/floor")
        request = floor["queue"][0]
        assert request["agenda_item_id"] == item["id"]
        await run("POST", f"/floor/requests/{request['id']}/grant", {"planned_seconds": 120})

        prompt = room.locator("#floor-prompt")
        await expect(prompt).to_be_visible()
        await expect(prompt).to_contain_text("You have the floor — unmute?")
        await expect(room.locator("#floor-speaker")).to_have_text("Daibieu")
        await expect(room.locator("#floor-timer")).to_contain_text("/ 2:00")
        if shot := os.environ.get("ECABINET_SCREENSHOT_ROOM"):  # docs/screenshot-room.png
            await room.screenshot(path=shot, full_page=True)
        await room.wait_for_function("() => window.ecabinetRoom.local !== null")
        assert await room.evaluate(
            "() => window.ecabinetRoom.local.getAudioTracks().every((t) => !t.enabled)"
        )
        await room.locator("#floor-unmute").click()
        await expect(prompt).to_be_hidden()
        assert await room.evaluate(
            "() => { const a = window.ecabinetRoom.local.getAudioTracks();"
            " return a.length > 0 && a.every((t) => t.enabled); }"
        )
        await expect(room.locator("#btn-mic")).to_have_text("Mute")
        await expect(console.locator("#floor-h ~ p")).to_contain_text("Daibieu")
        await no_csp_violations(room)
        await no_csp_violations(console)
