"""The browser room keeps its media through a signaling blip (issue 22 item 1): the page's
socket goes through a TCP proxy that the test cuts for 8 s while the media (UDP) flows straight
to the SFU. The page resumes its session with the resumption token: the same peer connection,
video arriving on both sides during the cut, nobody sees the chair leave."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.cutnet import CuttableProxy
from tests.signaling.helpers import until

from ..conftest import PASSWORD
from .conftest import Meeting, green_clip, join_room
from .test_browser_room import browser  # noqa: F401 (fixture)
from .test_resume import CUT, kept_flowing

pytestmark = pytest.mark.browser
FRAMES = "() => document.getElementById('video-main').getVideoPlaybackQuality().totalVideoFrames"


async def test_the_page_keeps_its_media_through_an_8_second_socket_cut(
    client: TestClient,
    meeting: Meeting,
    browser,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    joined = await join_room(client, meeting.id, "daibieu", green_clip(tmp_path))
    signaling, member = joined.signaling, joined.media
    chair = f"p{meeting.participants['botruong']}"
    proxy = await CuttableProxy(str(client.host), int(client.port)).start()
    page = await browser.new_page()
    try:
        await page.goto(f"{proxy.base}/login?next=/meetings/{meeting.id}/room")
        await page.fill("input[name=username]", "botruong")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button.primary")
        await page.wait_for_url(f"**/meetings/{meeting.id}/room")
        await page.wait_for_function(f"() => ({FRAMES})() > 10", timeout=30_000)
        await until(lambda: member.receptions["main"].by_source[chair] >= 10, "chair's camera", 30)
        await page.evaluate("() => { window.__pc = window.ecabinetRoom.pc; }")
        seen = len(signaling.messages)

        proxy.cut(CUT)
        page_frames: list[int] = []
        member_frames: list[int] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + CUT
        while loop.time() < end:
            page_frames.append(await page.evaluate(FRAMES))
            member_frames.append(member.receptions["main"].by_source[chair])
            await asyncio.sleep(0.25)
        # During the cut the page kept showing the member's video, and the member kept
        # receiving the chair's camera: no frame gap on either side.
        assert kept_flowing(page_frames), page_frames
        assert kept_flowing(member_frames), member_frames

        await page.wait_for_function(
            "() => { const r = window.ecabinetRoom; return r.resumes === 1"
            " && r.ws.readyState === 1 && r.retry === 0; }",
            timeout=30_000,
        )
        room = await page.evaluate(
            "() => { const r = window.ecabinetRoom; return {same: r.pc === window.__pc,"
            " state: r.pc.connectionState, media: r.mediaWs === r.ws}; }"
        )
        assert room == {"same": True, "state": "connected", "media": True}
        # Nobody saw the chair leave or come back.
        later = signaling.messages[seen:]
        assert not [m for m in later if m["type"] == "participant_left"]
        assert chair in signaling.roster
        # The page's main video plays on (it never stopped).
        await page.wait_for_function(f"() => ({FRAMES})() > {page_frames[-1] + 10}")
    finally:
        await page.close()
        await joined.close()
        await proxy.close()
