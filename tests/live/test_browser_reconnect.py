"""The browser room reconnects by itself when the server says ``reconnect`` (close 1012): a new
socket, the raised hand re-sent, media renegotiated (the main video plays again). Real Chromium
with a fake camera; a member joined with the Python room client."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from signaling import protocol as p
from signaling.ws import hub_key
from tests.signaling.helpers import until

from .conftest import Meeting, green_clip, join_room, open_room
from .test_browser_room import browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
PLAYS = (
    "() => { const v = document.getElementById('video-main');"
    " return v && v.videoWidth > 0 && v.currentTime > (window.__playedTo || 0) + 0.5; }"
)


async def test_the_page_comes_back_after_a_reconnect_message(
    client: TestClient,
    meeting: Meeting,
    browser,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    joined = await join_room(client, meeting.id, "daibieu", green_clip(tmp_path))
    signaling, member, ticket = joined.signaling, joined.media, joined.signaling.ticket
    page = await browser.new_page()
    chair = f"p{meeting.participants['botruong']}"
    try:
        await open_room(page, client, meeting.id, "botruong")
        await page.wait_for_function(PLAYS, timeout=30_000)
        await page.click("#btn-hand")
        await until(lambda: signaling.roster.get(chair, {}).get("hand") is True, "hand up", 30)

        # The server is restarting: it tells the page to reconnect and closes with 1012.
        await page.evaluate(
            "() => { window.__oldWs = window.ecabinetRoom.ws;"
            " window.__playedTo = document.getElementById('video-main').currentTime; }"
        )
        hub = client.app[hub_key]
        conn = hub.rooms[meeting.id].members[chair].conn
        conn.send(p.reconnect_message(retry_after=0.2))
        conn.close(p.CloseCode.SERVICE_RESTART, "restart")

        await page.wait_for_function(
            "() => { const r = window.ecabinetRoom; return r.ws !== window.__oldWs"
            " && r.ws.readyState === 1 && r.you && r.retry === 0; }",
            timeout=30_000,
        )
        # Media renegotiated on the new socket: the main video plays on.
        await page.wait_for_function(PLAYS, timeout=30_000)
        assert await page.evaluate("() => window.ecabinetRoom.mediaWs === window.ecabinetRoom.ws")
        # The member saw the chair come back with the hand still raised.
        await until(lambda: signaling.roster.get(chair, {}).get("hand") is True, "hand again", 30)
        assert await page.is_visible(f"#roster li[data-participant='{ticket.participant}']")
    finally:
        await page.close()
        await member.close()
        await signaling.close()
