"""A presenter's dropped session socket (issue 19, item 8), in real Chromium.

The chair presents from a reader opened without the room page, so her page turns travel on the
session socket. That socket drops (the route closes it, and refuses it for a moment, as a flaky
network would); she turns pages meanwhile, and those turns are lost with the socket. Once it is
back, her reader sends the page she is on: the member's reader, and a reader opened afterwards,
show that page — not the one from before the drop, which the server still held.
"""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import WebSocketRoute, expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD
from .conftest import Meeting
from .test_browser_presenting import READY, on_page, upload

pytestmark = pytest.mark.browser
SESSION_SOCKET = re.compile(r"/ws/meetings/\d+/session$")


async def test_a_presenter_resends_her_page_after_her_session_socket_reconnects(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload(client, meeting)
    base = f"http://{client.host}:{client.port}"
    line = {"up": True, "open": []}  # the chair's network, as far as her session socket goes

    async def network(ws: WebSocketRoute) -> None:
        if not line["up"]:
            await ws.close(code=1012, reason="network down")
            return
        server = ws.connect_to_server()
        line["open"].append((ws, server))

    async with launch(media=True) as browser:
        _, chair = await logged_in(browser, base, "botruong", PASSWORD)
        await chair.route_web_socket(SESSION_SOCKET, network)
        await chair.goto(f"/documents/{doc}/read")
        await chair.wait_for_function(READY)
        member_context, member = await logged_in(browser, base, "daibieu", PASSWORD)
        await member.goto(f"/documents/{doc}/read")
        await member.wait_for_function(READY)
        await member.wait_for_function("() => window.__follow.feedSeen")

        await chair.locator("#present-start").click()
        await expect(member.locator("#follow-status")).to_have_text(
            "Following the presenter: Botruong"
        )
        await chair.locator("#page-number").fill("2")
        await chair.locator("#page-number").press("Enter")
        await member.wait_for_function(on_page(2))

        # The line drops; the turns to pages 3 and 4 go nowhere.
        line["up"] = False
        for ws, server in line["open"]:
            await server.close()
            await ws.close(code=1012, reason="network down")
        line["open"].clear()
        await chair.wait_for_function("() => !window.__follow.feedOpen")
        await chair.locator("#next").click()
        await chair.wait_for_function(on_page(3))
        await chair.locator("#next").click()
        await chair.wait_for_function(on_page(4))
        await chair.wait_for_timeout(300)  # past the reader's 120 ms debounce: the turn is lost
        assert await member.evaluate("window.__reader.state.pdfViewer.currentPageNumber") == 2

        # The line is back: the reader reconnects by itself and says where the chair is.
        line["up"] = True
        await chair.wait_for_function("() => window.__follow.feedOpen", timeout=30_000)
        await member.wait_for_function(on_page(4))
        await expect(member.locator("#follow-status")).to_have_text(
            "Following the presenter: Botruong"
        )
        await expect(chair.locator("#follow-status")).to_contain_text("You are presenting")
        late = await member_context.new_page()  # a reader opened now starts on the current page
        await late.goto(f"/documents/{doc}/read")
        await late.wait_for_function(READY)
        await late.wait_for_function(on_page(4))
        for page in (chair, member, late):
            assert await page.evaluate("window.__csp") == []
