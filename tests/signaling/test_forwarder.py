"""Fan-out rules on real Source/SlotTrack objects fed with a real clip's RTP packets."""

from __future__ import annotations

import asyncio
import itertools
from fractions import Fraction

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.rtp import RtpPacket

from signaling.clientmedia import EncodedClip
from signaling.sfu import MeetingCodec
from signaling.sfu.forwarder import SlotTrack, Source
from signaling.sfu.keyframes import KeyframeRequester
from signaling.sfu.rtprewrite import keyframe_start


class PliLog:
    """The upstream side of a KeyframeRequester: records when a PLI would leave the SFU."""

    def __init__(self) -> None:
        self.sent_at: list[float] = []

    async def __call__(self) -> bool:
        self.sent_at.append(asyncio.get_running_loop().time())
        return True


def rtp_packets(clip: EncodedClip, count: int, *, seq: int = 1000) -> list[RtpPacket]:
    """``count`` frames of ``clip`` as its publisher would send them (aiortc's packetizer)."""
    encoder = H264Encoder()
    packets = []
    for index in range(count):
        frame = av.Packet(clip.units[index % len(clip.units)].data)
        frame.pts, frame.time_base = index, Fraction(1, 30)
        payloads, timestamp = encoder.pack(frame)
        for i, payload in enumerate(payloads):
            packet = RtpPacket(payload_type=96, sequence_number=seq & 0xFFFF, timestamp=timestamp)
            packet.payload, packet.marker = payload, int(i == len(payloads) - 1)
            packets.append(packet)
            seq += 1
    return packets


class Wire:
    """Stands in for the subscriber's sender + UDP socket (RtpOutlet's contract): records what
    would leave, or refuses like a socket whose buffer is full."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, int, bytes]] = []
        self.backed_up = False
        self.ready = True  # False: ICE/DTLS still connecting
        self.dropped = 0

    def send(self, marker, seq, timestamp, payload, dynamic, ntp) -> bool:
        if not self.ready:
            return False
        if self.backed_up:
            self.dropped += 1
            return False
        self.sent.append((seq, timestamp, payload))
        return True


async def test_a_backed_up_subscriber_costs_nothing_and_restarts_on_a_keyframe(clips) -> None:
    plis = PliLog()
    source = Source("a", "video", MeetingCodec.H264, KeyframeRequester(plis, min_interval=0.0))
    stalled, healthy = Wire(), Wire()
    slots = [SlotTrack("video", "main", outlet=stalled), SlotTrack("video", "main", outlet=healthy)]
    for slot in slots:
        slot.switch_to(source)
    packets = rtp_packets(clips["red"], 200)  # the 90-frame clip loops: keyframes at 0, 90, 180
    starts = [i for i, p in enumerate(packets) if keyframe_start(MeetingCodec.H264, p.payload)]
    stalled.backed_up = True
    for packet in packets[: starts[-1] - 5]:
        source.forward(packet)
    stalled.backed_up = False  # its socket drains; the next keyframe restarts it
    for packet in packets[starts[-1] - 5 :]:
        source.forward(packet)
    await asyncio.sleep(0)

    assert len(healthy.sent) == len(packets)  # the other subscriber never noticed
    assert stalled.dropped == 2  # the keyframes at 0 and 90 could not leave; P-frames are gated
    assert slots[0].stats.keyframes_gated > 100
    assert keyframe_start(MeetingCodec.H264, stalled.sent[0][2])
    assert len(stalled.sent) == len(packets) - starts[-1]  # resumed at the next keyframe (180)
    assert len(plis.sent_at) >= 2  # one on subscribe, more while it could not take packets


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


async def test_padding_only_packets_leave_no_gap_in_the_subscribers_sequence(clips) -> None:
    """Browsers probe bandwidth with padding-only packets on the media SSRC; the SFU drops them,
    and a gap would make the subscriber wait for (and NACK) packets that never come."""
    source = Source("a", "video", MeetingCodec.H264, None)
    wire = Wire()
    SlotTrack("video", "main", outlet=wire).switch_to(source)
    packets = rtp_packets(clips["red"], 30, seq=65530)
    for index, packet in enumerate(packets):
        source.forward(packet)
        if index % 7 == 3:  # a probe burst after some frames: seqs shift for the rest
            for _ in range(5):
                for later in packets[index + 1 :]:
                    later.sequence_number = (later.sequence_number + 1) & 0xFFFF
                probe = RtpPacket(payload_type=96, sequence_number=0, timestamp=0)
                source.forward(probe)  # empty payload: padding only
    seqs = [seq for seq, _, _ in wire.sent]
    assert len(seqs) == len(packets) and source.packets == len(packets) + 5 * 4
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))


async def test_a_subscriber_still_connecting_gets_the_keyframe_it_missed_once_connected(
    clips,
) -> None:
    plis = PliLog()
    source = Source("a", "video", MeetingCodec.H264, KeyframeRequester(plis, min_interval=0.0))
    wire = Wire()
    wire.ready = False
    SlotTrack("video", "main", outlet=wire).switch_to(source)
    await asyncio.sleep(0)
    packets = rtp_packets(clips["red"], 20)
    for packet in packets[:10]:
        source.forward(packet)
    assert wire.sent == []
    wire.ready = True  # DTLS is up
    for packet in packets[10:]:
        source.forward(packet)
    await asyncio.sleep(0)
    assert [payload for _, _, payload in wire.sent] == [p.payload for p in packets]
    assert keyframe_start(MeetingCodec.H264, wire.sent[0][2])
    assert len(plis.sent_at) == 1  # the subscribe; no second request for the missed keyframe
