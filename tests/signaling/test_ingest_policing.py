"""A publisher sending 10x its ingest budget (issue 22 item 2), real aiortc peers on loopback:
the SFU caps it (REMB), drops its excess whole frames, then disconnects its media with
``media_flood``; meanwhile a subscriber keeps receiving the other publisher at its normal rate.
"""

from __future__ import annotations

import asyncio

from signaling.client import LocalHub, RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip
from signaling.sfu import MediaRoom, MeetingCodec, OfferRejected
from signaling.sfu.events import MediaFlooded
from signaling.sfu.policer import AUDIO_BUDGET, IngestBudget, IngestPolicy
from tests.signaling.helpers import until

# The test clips (320x180, 30 fps, ~300 kbit/s) send ~35 packets/s: within this budget. The
# flooder plays the same clip 15 times too fast: ~10x the budget.
BUDGET = IngestBudget(packets=55, bitrate=600_000)
POLICY = IngestPolicy(video=BUDGET, audio=AUDIO_BUDGET, abuse_factor=3.0, abuse_after=4)
FLOOD = 15


async def frames_in(seconds: float, count) -> int:
    before = count()
    await asyncio.sleep(seconds)
    return count() - before


async def test_a_flooding_publisher_is_capped_dropped_then_disconnected_others_unharmed(
    clips: dict[str, EncodedClip],
) -> None:
    hub = LocalHub()
    room = MediaRoom("meeting-1", on_event=hub.dispatch, policy=POLICY)
    hub.attach(room)
    clients: list[RoomClient] = []

    async def join(pid: str, clip: EncodedClip) -> RoomClient:
        client = RoomClient(pid, video=ClipTrack(clip), codec=MeetingCodec.H264)
        clients.append(client)
        await client.connect(hub)
        return client

    def events() -> list[object]:
        return list(hub.events)

    try:
        await join("a", clips["red"])
        c = await join("c", clips["green"])
        room.set_chair("a")
        await until(lambda: c.receptions["main"].by_source["a"] >= 30, "c receives a", 30)
        normal = await frames_in(3.0, lambda: c.receptions["main"].by_source["a"])

        blue = clips["blue"]
        fast = EncodedClip(blue.units, blue.fps * FLOOD, blue.codec)
        flooder = await join("f", fast)
        room.set_floor("f")  # everyone's main shows the flooder, a moves to c's second
        await until(lambda: c.slot_map.get("second") == "a", "a in c's second slot")
        source = room._participants["f"].sources["video"]
        capped = False

        def count() -> int:
            nonlocal capped
            policer = source.policer
            capped = capped or bool(policer is not None and policer.capped)
            return c.receptions["second"].by_source["a"]

        during = 0
        for _ in range(6):
            during += await frames_in(0.5, count)
        # The other publisher's frames kept their normal rate at the subscriber.
        assert during >= 0.6 * normal, (during, normal)
        assert capped  # the first step: the flooder's REMB was lowered
        forwarded = c.receptions["main"].by_source["f"]
        assert source.packets > 5 * forwarded  # most of the flood never reached anyone
        assert source.policer is not None and source.policer.dropped > 0

        await until(
            lambda: any(
                isinstance(e, MediaFlooded) and e.participant_id == "f" for e in hub.events
            ),
            "the flooder is disconnected",
            30,
        )
        await until(lambda: "f" not in room.participant_ids, "its media is gone", 10)
        # And it may not come straight back.
        try:
            await flooder.reconnect()
        except OfferRejected as exc:
            assert exc.code == "media_flood"
        else:
            raise AssertionError("the flooder's new offer was accepted")
        # c still receives a.
        await until(lambda: c.slot_map.get("main") == "a", "a back in c's main")
        before = c.receptions["main"].by_source["a"]
        await until(lambda: c.receptions["main"].by_source["a"] > before + 20, "a flows on")
    finally:
        for client in clients:
            await client.close()
        await room.close()
