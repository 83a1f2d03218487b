"""Acceptance (issue 22, item 3): the floor inside the room, where the raised hand IS the
request to speak.

Real app, real Chromium (fake camera and microphone): the member daibieu and the chair botruong
both sit in the meeting room; the chair also has the console page open. Before the session
starts, the member raises the hand: that enters the speaking queue (kept when the session
starts), the console lists the raised hand, and the chair's roster offers "Give the floor". The
chair gives it from the roster: the member's hand goes down and the unmute prompt comes up; the
roster then offers "Take the floor back". Raising and lowering again withdraws the request.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD, api_login, bearer
from .conftest import Meeting
from .test_browser_session import Secretary, no_csp_violations

pytestmark = pytest.mark.browser


async def test_the_hand_is_the_request_to_speak_and_the_chair_gives_the_floor_in_the_room(
    client: TestClient, meeting: Meeting
) -> None:
    run = Secretary(client, meeting, bearer(await api_login(client, "thuky")))
    base = f"http://{client.host}:{client.port}"
    member_pid = f"p{meeting.participants['daibieu']}"
    async with launch(media=True) as browser:
        _, chair = await logged_in(browser, base, "botruong", PASSWORD)
        await chair.goto(f"/meetings/{meeting.id}/room")
        _, console = await logged_in(browser, base, "botruong", PASSWORD)
        await console.goto(f"/meetings/{meeting.id}/session")
        await console.wait_for_function("() => window.ecabinetConsole.live")
        _, room = await logged_in(browser, base, "daibieu", PASSWORD)
        await room.goto(f"/meetings/{meeting.id}/room")
        await expect(room.locator("#session-status")).to_have_text("The session has not started.")
        entry = chair.locator(f"#roster li[data-participant='{member_pid}']")
        await expect(entry).to_be_visible()

        # Before the session: the hand enters the queue.
        await room.locator("#btn-hand").click()
        await expect(room.locator("#floor-queue")).to_contain_text("Daibieu")
        await expect(room.locator("#btn-hand")).to_have_attribute("aria-pressed", "true")
        await expect(console.locator(".queue")).to_contain_text("Daibieu")
        await expect(entry.locator(".badge.hand")).to_contain_text("hand raised")
        floor = await run("GET", "/floor")
        assert [r["participant_id"] for r in floor["queue"]] == [meeting.participants["daibieu"]]

        # The session starts: the request is still there.
        await run(
            "POST",
            "/attendance/corrections",
            {"participant_id": meeting.participants["botruong"], "status": "present_in_person"},
        )
        await run("POST", "/session/start")
        await expect(room.locator("#session-status")).to_have_text("The session is in progress.")
        await expect(room.locator("#floor-queue")).to_contain_text("Daibieu")

        # The chair gives the floor from the room's roster.
        await entry.locator("button.floor-give").click()
        await expect(room.locator("#floor-prompt")).to_be_visible()
        await expect(room.locator("#floor-speaker")).to_have_text("Daibieu")
        await expect(room.locator("#btn-hand")).to_have_attribute("aria-pressed", "false")
        await expect(entry.locator(".badge.hand")).to_have_count(0)
        await expect(console.locator("#floor-h ~ p")).to_contain_text("Daibieu")
        await entry.locator("button.floor-take").click()
        await expect(room.locator("#floor-speaker")).to_have_text("Nobody has the floor.")
        await expect(entry.locator("button.floor-take")).to_have_count(0)

        # The panel's "Ask for the floor" is the same hand; lowering it withdraws.
        await room.locator("#ask-floor").click()
        await expect(room.locator("#btn-hand")).to_have_attribute("aria-pressed", "true")
        await expect(entry.locator("button.floor-give")).to_be_visible()
        await room.locator("#btn-hand").click()
        nobody = "Nobody has asked for the floor."
        await expect(room.locator("#floor-queue")).to_contain_text(nobody)
        await expect(entry.locator(".badge.hand")).to_have_count(0)
        assert (await run("GET", "/floor"))["queue"] == []
        await no_csp_violations(room)
        await no_csp_violations(chair)
