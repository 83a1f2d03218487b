"""Fan-out rules on real Source/SlotTrack objects fed with a real encoded clip."""

from __future__ import annotations

import asyncio

import av

from signaling.clientmedia import EncodedClip
from signaling.sfu import MeetingCodec
from signaling.sfu.forwarder import SlotTrack, Source, is_keyframe
from signaling.sfu.keyframes import KeyframeRequester


class PliLog:
    """The upstream side of a KeyframeRequester: records when a PLI would leave the SFU."""

    def __init__(self) -> None:
        self.sent_at: list[float] = []

    async def __call__(self) -> bool:
        self.sent_at.append(asyncio.get_running_loop().time())
        return True


def packets_of(clip: EncodedClip, count: int) -> list[av.Packet]:
    result = []
    for index in range(count):
        packet = av.Packet(clip.units[index % len(clip.units)].data)
        packet.pts = index * 3000
        result.append(packet)
    return result


async def test_stalled_subscriber_queue_stays_bounded_and_restarts_on_a_keyframe(clips) -> None:
    clip = clips["red"]
    plis = PliLog()
    source = Source("a", "video", MeetingCodec.H264, KeyframeRequester(plis, min_interval=0.0))
    stalled = SlotTrack("video", "main", max_queue=10)
    healthy = SlotTrack("video", "main", max_queue=10)
    stalled.switch_to(source)
    healthy.switch_to(source)

    longest = 0
    for packet in packets_of(clip, 200):  # starts with the clip's keyframe, then P-frames
        source.dispatch(packet)
        longest = max(longest, stalled.queue_length)
        while healthy.queue_length:
            await healthy.recv()
    await asyncio.sleep(0)

    assert longest <= stalled.max_queue
    keyframes = sum(1 for p in packets_of(clip, 200) if is_keyframe(MeetingCodec.H264, bytes(p)))
    assert keyframes == 3  # the 90-frame clip loops: keyframes at 0, 90, 180
    # each overflow flushes the queue; it then waits for the next keyframe: one overflow per GOP
    assert stalled.stats.overflows == keyframes
    assert stalled.queue_length == 0 and stalled.stats.keyframes_gated > 100
    assert healthy.stats.frames == 200 and healthy.stats.overflows == 0
    assert len(plis.sent_at) >= 2  # one on subscribe, one on overflow

    source.dispatch(packets_of(clip, 1)[0])  # the keyframe the PLI asked for
    first = await stalled.recv()
    assert is_keyframe(MeetingCodec.H264, bytes(first))


async def test_keyframe_requests_are_coalesced_but_never_dropped() -> None:
    plis = PliLog()
    requester = KeyframeRequester(plis, min_interval=0.3)
    for _ in range(10):
        requester.request()
    await asyncio.sleep(0)
    assert len(plis.sent_at) == 1  # the first goes out at once

    requester.request()  # inside the interval: scheduled, not dropped
    await asyncio.sleep(0.45)
    assert len(plis.sent_at) == 2
    assert plis.sent_at[1] - plis.sent_at[0] >= 0.3 - 1e-3

    requester.request()
    requester.keyframe_seen()  # a keyframe arrived anyway: the pending PLI is not needed
    await asyncio.sleep(0.45)
    assert len(plis.sent_at) == 2
    assert requester.requested == 12
    requester.close()


async def test_switching_rewrites_timestamps_into_one_continuous_stream(clips) -> None:
    clip = clips["red"]
    first = Source("a", "video", MeetingCodec.H264, None)
    second = Source("b", "video", MeetingCodec.H264, None)
    slot = SlotTrack("video", "main")
    slot.switch_to(first)
    for packet in packets_of(clip, 5):
        first.dispatch(packet)
    slot.switch_to(second)
    late = packets_of(clip, 40)[30:]  # b's clock is far ahead; starts on a P-frame
    late.insert(1, packets_of(clip, 1)[0])
    late[1].pts = late[0].pts + 1500
    first.dispatch(packets_of(clip, 6)[5])  # a still shows until b's keyframe
    for packet in late:
        second.dispatch(packet)
    out = [await slot.recv() for _ in range(slot.queue_length)]
    pts = [p.pts for p in out]
    assert pts == sorted(pts) and pts[6] - pts[5] == 3000  # continuous across the switch
    assert slot.source is second and first.subscribers == set()
    assert is_keyframe(MeetingCodec.H264, bytes(out[6]))
