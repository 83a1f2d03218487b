"""Acceptance: in the browser room, the participant given the floor becomes the featured video.

A member watches from Chromium; the chair and the Nghệ An room join with the Python room client,
each sending its own colour. Whoever is *not* on the member's main video is given the floor: the
page's main slot switches to them, names them, plays their video, and the session panel shows
them speaking.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD, api_login, bearer
from .conftest import Meeting

pytestmark = pytest.mark.browser


async def test_the_floor_holder_becomes_the_main_video_in_the_page(
    client: TestClient,
    meeting: Meeting,
    joiner,
) -> None:
    chair = await joiner("botruong", "red")
    room = await joiner("vanhanh", "blue")
    names = {chair.participant: "Botruong", room.participant: "Điểm cầu UBND tỉnh Nghệ An"}
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, page = await logged_in(browser, base, "daibieu", PASSWORD)
        await page.goto(f"/meetings/{meeting.id}/room")
        await page.wait_for_function(
            "() => window.ecabinetRoom.slots.main && document.getElementById('video-main')"
            ".videoWidth > 0",
            timeout=40_000,
        )
        shown = await page.evaluate("window.ecabinetRoom.slots.main")
        target = room if shown == chair.participant else chair
        assert target.participant != shown

        api = f"/api/meetings/{meeting.id}"
        chair_api = bearer(await api_login(client, "botruong"))
        resp = await client.post(f"{api}/session/start", headers=chair_api)
        assert resp.status == 200, await resp.text()
        if target is room:
            asker = bearer(await api_login(client, "vanhanh"))
            body = {"endpoint_participant_id": meeting.participants["endpoint"]}
        else:
            asker, body = chair_api, {}
        resp = await client.post(f"{api}/floor/requests", json=body, headers=asker)
        assert resp.status == 201, await resp.text()
        request_id = (await resp.json())["queue"][0]["id"]
        resp = await client.post(
            f"{api}/floor/requests/{request_id}/grant", json={}, headers=chair_api
        )
        assert resp.status == 200, await resp.text()

        await page.wait_for_function(
            f"() => window.ecabinetRoom.slots.main === '{target.participant}'", timeout=30_000
        )
        await expect(page.locator("#name-main")).to_have_text(names[target.participant])
        await expect(page.locator("#floor-speaker")).to_have_text(names[target.participant])
        start = await page.evaluate("document.getElementById('video-main').currentTime")
        await page.wait_for_function(
            f"() => document.getElementById('video-main').currentTime > {start} + 0.5",
            timeout=30_000,
        )
