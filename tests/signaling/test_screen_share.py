"""Screen share as a second video source: real aiortc peers on loopback through a MediaRoom.

A shares a screen (a clip) on the second video m-line it negotiated at join while its camera
keeps going; everyone else gets the screen in ``main`` and the speaker's camera in ``second``
without renegotiating; stopping restores the layout; one share at a time.
"""

from __future__ import annotations

import av
import pytest

from signaling.client import RoomClient, SlotReception, decode_packets, shown_key
from signaling.clientmedia import ClipTrack
from signaling.sfu import OfferRejected, Quality, ScreenShareChanged, ScreenShareRefused
from signaling.sfu.forwarder import is_keyframe
from tests.signaling.helpers import colour_of, until


class ByShown:
    """Every packet of every slot, tagged with what the server said the slot shows."""

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

    def colours(self, slot: str, shown: str, codec) -> list[str]:
        """Decoded colours of what ``slot`` delivered while showing ``shown`` (from a keyframe)."""
        packets = self.packets.get((slot, shown), [])
        start = next(i for i, p in enumerate(packets) if is_keyframe(codec, bytes(p)))
        return [colour_of(f) for f in decode_packets(codec, packets[start:])]


async def join(meeting, pid: str, clip: str, *, share_line: bool = False, record=None):
    client = RoomClient(
        pid,
        video=ClipTrack(meeting.clips[clip]),
        codec=meeting.room.codec,
        share_line=share_line,
        on_packet=record,
    )
    if record is not None:
        record.client = client
    meeting.clients.append(client)
    await client.connect(meeting.hub)
    return client


async def test_a_shared_screen_takes_main_while_the_camera_moves_to_second(meeting) -> None:
    codec = meeting.room.codec
    a = await join(meeting, "a", "red", share_line=True)
    record = ByShown()
    b = await join(meeting, "b", "green", record=record)
    await until(lambda: b.receptions["main"].by_source["a"] >= 10, "b sees a's camera in main")
    before = dict(b.slot_map)
    assert before["main"] == "a" and before["second"] is None
    assert a.answer is not None and a.answer.publishes == ("screen", "video")

    await a.share(ClipTrack(meeting.clips["blue"]))
    assert meeting.room.screen_sharer == "a"
    assert ScreenShareChanged("a", None) in meeting.hub.events
    await until(lambda: b.slot_sources.get("main") == "screen", "b is told main shows a screen")
    assert b.slot_map == {**before, "second": "a"}
    assert b.slot_sources["second"] == "video"
    await until(
        lambda: (
            b.receptions["main"].by_source["a:screen"] >= 30
            and b.receptions["second"].by_source["a"] >= 30
        ),
        "b receives a's screen in main and a's camera in second",
    )
    # Both are decodable and are what they claim: the screen clip is blue, the camera red.
    assert record.colours("main", "a:screen", codec)[-20:] == ["blue"] * 20
    assert record.colours("second", "a", codec)[-20:] == ["red"] * 20
    assert meeting.room.quality_of("a") is Quality.FULL  # its camera is shown in second
    # a itself keeps its normal view (never its own screen), and nobody renegotiated.
    assert a.slot_map["main"] == "b" and a.slot_sources["main"] == "video"
    assert a.negotiations == 1 and b.negotiations == 1

    await a.stop_sharing()
    assert meeting.room.screen_sharer is None
    await until(lambda: b.slot_map == before, "b's layout returns")
    assert b.slot_sources["main"] == "video"
    camera_frames = b.receptions["main"].by_source["a"]
    await until(
        lambda: b.receptions["main"].by_source["a"] >= camera_frames + 30,
        "b's main plays a's camera again",
    )
    assert record.colours("main", "a", codec)[-20:] == ["red"] * 20
    assert b.negotiations == 1


async def test_one_share_at_a_time_the_chair_may_take_over(meeting) -> None:
    a = await join(meeting, "a", "red", share_line=True)
    c = await join(meeting, "c", "blue", share_line=True)
    b = await join(meeting, "b", "green")
    await a.share(ClipTrack(meeting.clips["red"]))

    with pytest.raises(ScreenShareRefused) as refused:
        await c.share(ClipTrack(meeting.clips["blue"]))
    assert refused.value.code == "screen_busy"
    assert meeting.room.screen_sharer == "a"

    # Taking over (the hub allows it to the chair) stops a's share and shows c's.
    assert meeting.room.share_screen("c", take_over=True) == "a"
    assert ScreenShareChanged("c", "a") in meeting.hub.events
    await until(
        lambda: b.slot_map["main"] == "c" and b.slot_sources["main"] == "screen",
        "b sees c's screen",
    )
    await until(lambda: b.receptions["main"].by_source["c:screen"] >= 20, "c's screen arrives")
    # a sees c's screen too now; c sees the normal layout.
    assert a.slot_map["main"] == "c" and a.slot_sources["main"] == "screen"
    assert c.slot_sources["main"] == "video"

    # The sharer leaving ends its share: the layout returns for everyone.
    await c.close()
    meeting.clients.remove(c)
    assert meeting.room.screen_sharer is None
    assert ScreenShareChanged(None, "c") in meeting.hub.events
    await until(lambda: b.slot_sources.get("main") == "video", "b's main shows a camera again")


async def test_sharing_needs_the_screen_line_and_a_third_video_publication_is_refused(
    meeting,
) -> None:
    b = await join(meeting, "b", "green")
    with pytest.raises(ScreenShareRefused) as refused:
        meeting.room.share_screen("b")
    assert refused.value.code == "screen_not_negotiated"
    assert b.answer is not None and b.answer.publishes == ("video",)

    offer = b.pc.localDescription.sdp.replace("a=recvonly", "a=sendrecv")  # every m-line sends
    with pytest.raises(OfferRejected) as rejected:
        await meeting.room.add_participant("x", offer, kind="endpoint")
    assert rejected.value.code == "too_many_publications"
