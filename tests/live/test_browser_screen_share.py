"""Acceptance: the browser room shares its screen as a second video source; connection quality
and the media watchdog are real.

Debian's headless ``chromium`` with ``--use-fake-device-for-media-stream`` and
``--use-fake-ui-for-media-stream``: ``getDisplayMedia`` then returns Chromium's fake screen
(``screen:-3:0``, 1280×720) without a picker, so the page's real share path runs (button →
``getDisplayMedia`` → ``contentHint = "detail"`` → ``replaceTrack`` on the screen m-line →
``screen_share``); no canvas stand-in is needed. ``--auto-select-desktop-capture-source`` is not
needed either (checked: same result with and without it).

A member on the aiortc room client shares first (the page labels its main slot and marks the
sharer in the roster); the chair then shares from the page, taking over (a moderator may); the
member decodes the chair's screen in its ``main`` slot and the chair's camera in ``second`` —
both H.264 from Chromium's encoder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest
from aiohttp.test_utils import TestClient

from signaling.client import RoomClient, SlotReception, decode_packets, shown_key
from signaling.clientmedia import ClipTrack
from signaling.sfu import MeetingCodec
from signaling.sfu.forwarder import is_keyframe
from signaling.ws import hub_key
from signaling.wsclient import SignalingSession, Ticket
from tests.browser import HEADLESS_ARGS, chromium_path
from tests.signaling.helpers import until

from .conftest import Meeting, green_clip, join_room, join_token, open_room

pytestmark = pytest.mark.browser

MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


@pytest.fixture
async def browser() -> AsyncIterator:
    path = chromium_path()
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path, args=HEADLESS_ARGS + MEDIA_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class ByShown:
    """Every packet a room client receives, by slot and by what the server said it shows."""

    def __init__(self) -> None:
        self.client: RoomClient | None = None
        self.packets: dict[tuple[str, str | None], list[av.Packet]] = {}

    def __call__(self, reception: SlotReception, packet: av.Packet) -> None:
        assert self.client is not None
        key = shown_key(
            self.client.slot_map.get(reception.name),
            self.client.slot_sources.get(reception.name),
        )
        self.packets.setdefault((reception.name, key), []).append(packet)

    def decode(self, slot: str, shown: str) -> list[av.VideoFrame]:
        packets = self.packets.get((slot, shown), [])
        start = next(i for i, p in enumerate(packets) if is_keyframe(MeetingCodec.H264, bytes(p)))
        return decode_packets(MeetingCodec.H264, packets[start:])


async def page_state(page) -> dict:
    return await page.evaluate(
        "() => { const r = window.ecabinetRoom; return {"
        " status: document.getElementById('status').textContent,"
        " notice: document.getElementById('notice').textContent,"
        " slots: r.slots, sources: r.sources, sharer: r.sharer, quality: r.quality,"
        " pc: r.pc && r.pc.connectionState}; }"
    )


async def test_the_browser_shares_its_screen_beside_its_camera(
    client: TestClient, meeting: Meeting, browser, tmp_path: Path
) -> None:
    clip = green_clip(tmp_path)
    body = await join_token(client, "daibieu", meeting.id)
    ticket = Ticket(
        body["token"], body["ws_url"], body["ice_servers"], body["participant"], body["lobby"]
    )
    signaling = SignalingSession(client.session, ticket)
    await signaling.open()
    record = ByShown()
    member = RoomClient(
        ticket.participant,
        video=ClipTrack(clip),
        codec=MeetingCodec.H264,
        on_packet=record,
        share_line=True,
    )
    record.client = member
    await member.connect(signaling)

    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    chair = f"p{meeting.participants['botruong']}"
    main, second = member.receptions["main"], member.receptions["second"]
    try:
        await open_room(page, client, meeting.id, "botruong")
        await until(lambda: main.by_source[chair] >= 30, "the member sees the chair's camera", 60)

        # The connection-quality indicator is computed from getStats: a measured round trip
        # and the frame rate of the main slot (the member's clip plays at 30 fps).
        await page.wait_for_function(
            "() => { const q = window.ecabinetRoom.quality;"
            " return q && q.rtt !== null && q.fpsIn > 5; }",
            timeout=30_000,
        )
        text = await page.text_content("#quality-text")
        assert text is not None and " ms" in text and "fps" in text

        # The member shares first: the page shows its screen in main, labelled, and marks the
        # sharer in the roster.
        await member.share(ClipTrack(clip))
        await page.wait_for_function(
            f"() => window.ecabinetRoom.sharer === '{ticket.participant}'"
            " && window.ecabinetRoom.sources.main === 'screen'",
            timeout=20_000,
        )
        label = await page.text_content("#name-main")
        assert label is not None and ("Màn hình chia sẻ" in label or "Shared screen" in label)
        badge = f"#roster li[data-participant='{ticket.participant}'] .badge.screen"
        await page.wait_for_selector(badge)

        # The chair shares anyway (page button, Chromium's fake screen): a moderator takes over.
        await page.click("#btn-share")
        await signaling.wait_for(
            lambda: any(
                m["type"] == "screen"
                and m["participant"] == chair
                and m["previous"] == ticket.participant
                for m in signaling.messages
            )
        )
        await page.wait_for_function(
            f"() => window.ecabinetRoom.sharer === '{chair}'", timeout=20_000
        )
        hint = await page.evaluate(
            "() => window.ecabinetRoom.screen.getVideoTracks()[0].contentHint"
        )
        assert hint == "detail"
        await until(
            lambda: main.by_source[f"{chair}:screen"] >= 30 and second.by_source[chair] >= 30,
            "the member receives the chair's screen in main and its camera in second",
            60,
        )
        assert member.slot_sources["main"] == "screen" and member.slot_sources["second"] == "video"
        screen_frames = record.decode("main", f"{chair}:screen")
        camera_frames = record.decode("second", chair)
        assert len(screen_frames) >= 10 and len(camera_frames) >= 10
        assert (screen_frames[-1].width, screen_frames[-1].height) == (1280, 720)
        assert camera_frames[-1].width > 0
        assert member.negotiations == 1

        # Stop: the member's layout returns to the chair's camera in main.
        await page.click("#btn-share")
        await until(
            lambda: member.slot_sources.get("main") == "video" and member.slot_map["main"] == chair,
            "the member's main shows the chair's camera again",
        )
        assert signaling.screen_sharer is None
        assert errors == []
    except Exception:
        raise AssertionError(f"page: {await page_state(page)} errors: {errors}") from None
    finally:
        await page.close()
        await member.close()
        await signaling.close()
        await asyncio.sleep(0)


def blackhole(pc) -> None:
    """Drop every datagram of ``pc``'s ICE connection, both ways (a network that went silent:
    no close, no error). Reaches into aiortc/aioice internals: test only."""
    connection = pc.getTransceivers()[0].sender.transport.transport._connection
    for protocol in connection._protocols:
        protocol.datagram_received = lambda data, addr: None
        protocol.transport.sendto = lambda *args, **kwargs: None


@pytest.mark.parametrize("how", ["server_closed", "network_silent"])
async def test_the_page_renegotiates_when_its_media_path_breaks(
    client: TestClient, meeting: Meeting, browser, tmp_path: Path, how: str
) -> None:
    """``server_closed``: the server closes the page's peer connection (an SFU restart, a media
    process taking over): Chromium sees DTLS ``closed`` at once while ``connectionState`` stays
    ``connected`` — so the watchdog watches DTLS too. ``network_silent``: nothing arrives either
    way any more: ICE goes ``disconnected`` and, after the 5 s grace, the watchdog acts. Either
    way the page builds a new peer connection and offers again (``restart``) on the same socket,
    asks to share its screen again (the new offer ended the share on the server), and the
    member sees the chair's screen and camera again."""
    joined = await join_room(client, meeting.id, "daibieu", green_clip(tmp_path))
    signaling, member = joined.signaling, joined.media
    page = await browser.new_page()
    chair = f"p{meeting.participants['botruong']}"
    main = member.receptions["main"]
    try:
        await open_room(page, client, meeting.id, "botruong")
        await until(lambda: main.by_source[chair] >= 30, "the member sees the chair", 60)
        await page.click("#btn-share")
        screen = f"{chair}:screen"
        await until(lambda: main.by_source[screen] >= 10, "the member sees the chair's screen")
        await page.evaluate("() => { window.firstPc = window.ecabinetRoom.pc; }")

        plane = client.app[hub_key].media.local
        room = plane.room(meeting.id)
        if how == "server_closed":
            await room.remove_participant(chair)
            await until(lambda: chair not in room.participant_ids, "the chair's media is dropped")
        else:
            blackhole(room._participants[chair].pc)  # the server side of the chair's media
        await page.wait_for_function(
            "() => window.ecabinetRoom.pc !== window.firstPc"
            " && window.ecabinetRoom.pc.connectionState === 'connected'",
            timeout=45_000,
        )
        seen = main.by_source[screen]
        second = member.receptions["second"]
        seen_camera = second.by_source[chair]
        await until(
            lambda: (
                room.screen_sharer == chair
                and main.by_source[screen] >= seen + 30
                and second.by_source[chair] >= seen_camera + 30
            ),
            "the member sees the chair again after the page renegotiated",
            60,
        )
    except Exception:
        raise AssertionError(f"page: {await page_state(page)}") from None
    finally:
        await page.close()
        await member.close()
        await signaling.close()
        await asyncio.sleep(0)
