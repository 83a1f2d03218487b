"""The browser room reconnects by itself when the server says ``reconnect`` (close 1012): a new
socket, the raised hand re-sent, media renegotiated (the main video plays again). Real Chromium
with a fake camera; a member joined with the Python room client."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from signaling import protocol as p
from signaling.client import RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
from signaling.sfu import MeetingCodec
from signaling.ws import hub_key
from signaling.wsclient import SignalingSession, Ticket
from tests.signaling.helpers import until

from ..conftest import PASSWORD
from .conftest import Meeting, join_token
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
    clip = EncodedClip.load(write_test_clip(tmp_path / "green.h264", rgb=(30, 200, 30), gop=30))
    body = await join_token(client, "daibieu", meeting.id)
    ticket = Ticket(
        body["token"], body["ws_url"], body["ice_servers"], body["participant"], body["lobby"]
    )
    signaling = SignalingSession(client.session, ticket)
    await signaling.open()
    member = RoomClient(ticket.participant, video=ClipTrack(clip), codec=MeetingCodec.H264)
    await member.connect(signaling)
    page = await browser.new_page()
    chair = f"p{meeting.participants['botruong']}"
    try:
        await page.goto(
            f"http://{client.host}:{client.port}/login?next=/meetings/{meeting.id}/room"
        )
        await page.fill("input[name=username]", "botruong")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button.primary")
        await page.wait_for_url(f"**/meetings/{meeting.id}/room")
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
