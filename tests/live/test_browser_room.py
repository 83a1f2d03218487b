"""Acceptance: the browser meeting room in headless Chromium alongside an aiortc room client.

Debian's ``chromium`` (``ECABINET_TEST_CHROMIUM`` or on the PATH; never ``playwright install``),
with a fake camera and microphone. The chair joins from the page; a member joins with the Python
room client. The page's main <video> must play the member, and the member must decode the
browser's camera.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from signaling.client import decode_packets
from signaling.sfu import MeetingCodec
from signaling.sfu.ingest import REMB_CAP_BPS
from tests.signaling.helpers import until

from ..browser import launch
from .conftest import Meeting, green_clip, join_room, open_room

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator:
    async with launch(media=True) as chromium:
        yield chromium


async def test_browser_and_room_client_see_each_other(
    client: TestClient, meeting: Meeting, browser, tmp_path: Path
) -> None:
    joined = await join_room(client, meeting.id, "daibieu", green_clip(tmp_path), keep=60)
    signaling, member, ticket = joined.signaling, joined.media, joined.signaling.ticket

    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.on(
        "response", lambda r: console.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: console.append("<< " + str(f)[:300])),
    )
    try:
        await open_room(page, client, meeting.id, "botruong")
        chair = f"p{meeting.participants['botruong']}"

        # The page plays the member's video in its main slot.
        await page.wait_for_function(
            "() => { const v = document.getElementById('video-main');"
            " return v && v.videoWidth > 0 && v.currentTime > 0; }",
            timeout=30_000,
        )
        start = await page.evaluate("() => document.getElementById('video-main').currentTime")
        await page.wait_for_function(
            f"() => document.getElementById('video-main').currentTime > {start} + 0.5",
            timeout=30_000,
        )
        assert await page.text_content("#name-main") == "Daibieu"
        # The SFU's fixed REMB cap (signaling/sfu/ingest.py) is the browser's send budget: it
        # may send what the room asks (maxBitrate 1.5 Mbit/s), not an estimate still ramping up.
        await page.wait_for_function(
            """async (cap) => { const stats = await window.ecabinetRoom.pc.getStats();
              for (const s of stats.values()) {
                if (s.type === 'candidate-pair' && s.nominated)
                  return s.availableOutgoingBitrate >= 1500000
                    && s.availableOutgoingBitrate <= cap; }
              return false; }""",
            arg=REMB_CAP_BPS,
            timeout=15_000,
        )
        # The page shows the roster and knows it is the chair's console.
        await page.wait_for_selector(f"#roster li[data-participant='{ticket.participant}']")
        assert await page.is_visible("#btn-end")

        # The member decodes the browser's camera.
        main = member.receptions["main"]
        await until(lambda: main.by_source[chair] >= 30, "the member receives the browser")
        packets = [p for who, p in main.kept if who == chair]
        frames = decode_packets(MeetingCodec.H264, packets)
        assert len(frames) >= 10
        assert frames[0].width > 0

        # A chair control from the page reaches the member.
        await signaling.send("media_state", audio=True, video=True)
        button = f"#roster li[data-participant='{ticket.participant}'] button"
        await page.wait_for_selector(button)
        await page.click(f"{button}:text('Tắt micrô'), {button}:text('Mute')")
        await signaling.wait_for(lambda: any(m["type"] == "muted" for m in signaling.messages))
        assert errors == []
    except Exception:
        state = await page.evaluate(
            "() => ({status: document.getElementById('status').textContent,"
            " notice: document.getElementById('notice').textContent,"
            " slots: window.ecabinetRoom.slots, pc: window.ecabinetRoom.pc &&"
            " window.ecabinetRoom.pc.connectionState,"
            " mids: [...window.ecabinetRoom.midToSlot.entries()]})"
        )
        raise AssertionError(f"page: {state} console: {console} errors: {errors}") from None
    finally:
        await page.close()
        await member.close()
        await signaling.close()
        await asyncio.sleep(0)
