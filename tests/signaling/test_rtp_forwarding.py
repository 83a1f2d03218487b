"""RTP-level forwarding: keyframe starts found in RTP payloads, one continuous stream per slot
across source switches, byte-identical payloads, decodable video for H.264 and VP8."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import pytest
from aiortc.codecs import is_rtx
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder

from signaling.client import LocalHub, RoomClient, decode_packets
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
from signaling.sfu import MediaRoom, MeetingCodec
from signaling.sfu.forwarder import is_keyframe
from signaling.sfu.rtprewrite import StreamRewriter, keyframe_start, vp8_descriptor
from tests.rtc import BLUE, GREEN
from tests.signaling.helpers import colour_of, until

CODECS = [MeetingCodec.H264, MeetingCodec.VP8]


@pytest.fixture(scope="module")
def coloured(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[MeetingCodec, dict[str, EncodedClip]]:
    """Green and blue clips per codec (90 frames, one keyframe each: the clip loops every 3 s;
    noise makes every frame's payload unique, so a received packet tells its source)."""
    folder: Path = tmp_path_factory.mktemp("rtpclips")
    result: dict[MeetingCodec, dict[str, EncodedClip]] = {}
    for codec in CODECS:
        suffix = "h264" if codec is MeetingCodec.H264 else "ivf"
        result[codec] = {
            name: EncodedClip.load(
                write_test_clip(
                    folder / f"{name}.{suffix}", codec=codec, rgb=rgb, gop=600, noise=True
                )
            )
            for name, rgb in (("green", GREEN), ("blue", BLUE))
        }
    return result


def rtp_payloads(codec: MeetingCodec, data: bytes) -> list[bytes]:
    """What aiortc's own packetizer (the publishers') makes of one encoded frame."""
    packet = av.Packet(data)
    packet.pts = 0
    packet.time_base = Fraction(1, 90000)
    encoder = H264Encoder() if codec is MeetingCodec.H264 else Vp8Encoder()
    payloads, _ = encoder.pack(packet)
    return payloads


def body(codec: MeetingCodec, payload: bytes) -> bytes:
    """The payload without what the SFU may rewrite (the VP8 descriptor's picture ID)."""
    return payload if codec is MeetingCodec.H264 else payload[vp8_descriptor(payload)[0] :]


@pytest.mark.parametrize("codec", CODECS)
def test_keyframe_starts_are_found_in_rtp_payloads_without_reassembly(codec, coloured) -> None:
    clip = coloured[codec]["green"]
    per_unit = [rtp_payloads(codec, unit.data) for unit in clip.units]
    flagged = {
        i for i, payloads in enumerate(per_unit) for p in payloads if keyframe_start(codec, p)
    }
    keyframes = {i for i, unit in enumerate(clip.units) if unit.keyframe}
    assert keyframes == {0}  # gop 600 > 90 frames
    assert flagged == keyframes
    assert keyframe_start(codec, per_unit[0][0])  # the very first packet of the keyframe
    assert not keyframe_start(codec, b"")


def test_stream_rewriter_continues_sequence_and_time_across_a_source_change() -> None:
    rewriter = StreamRewriter("video", MeetingCodec.H264, initial_seq=65534, initial_ts=1000)
    rewriter.restart(100, 50_000, now=10.0)
    first = [rewriter.sequence(s) for s in range(100, 104)]
    stamps = [rewriter.timestamp(50_000 + 3000 * i, 10.0 + i / 30) for i in range(4)]
    assert first == [65534, 65535, 0, 1]  # wraps like any RTP stream
    assert stamps == [1000, 4000, 7000, 10000]
    assert rewriter.sequence(99) == 65533  # a late packet keeps its place, moves nothing
    rewriter.restart(40_000, 7, now=11.0)  # another source, far away in both clocks
    assert rewriter.sequence(40_000) == 2
    # the step is the wall time since the last packet sent (0.9 s), never less than a frame
    assert rewriter.timestamp(7, 11.0) == 10000 + int((11.0 - (10.0 + 3 / 30)) * 90_000)


def one_stream(numbers: list[int], mask: int) -> None:
    """Each number follows the one before (modulo ``mask + 1``): never a repeat, a step back or
    a jump. A packet lost on a loaded machine leaves a small gap (one in twenty at most)."""
    steps = [(b - a) & mask for a, b in itertools.pairwise(numbers)]
    assert all(1 <= step <= 8 for step in steps), steps
    assert sum(step - 1 for step in steps) <= len(numbers) // 20, steps


class RtpLog:
    """Every RTP packet one of a client's receivers accepted (seq, timestamp, payload)."""

    def __init__(self, client: RoomClient, slot: str) -> None:
        mid = next(b.mid for b in client.answer.slots if b.slot == slot)
        transceiver = next(t for t in client.pc.getTransceivers() if t.mid == mid)
        receiver = transceiver.receiver
        self.packets: list[tuple[int, int, bytes]] = []
        handle = receiver._handle_rtp_packet
        rtx = {c.payloadType for c in transceiver._codecs if is_rtx(c)}

        async def logged(packet, arrival_time_ms: int) -> None:
            if packet.payload_type not in rtx:  # repairs of losses are not the stream itself
                self.packets.append((packet.sequence_number, packet.timestamp, packet.payload))
            await handle(packet, arrival_time_ms=arrival_time_ms)

        receiver._handle_rtp_packet = logged


@pytest.mark.parametrize("codec", CODECS)
async def test_after_a_switch_the_subscriber_sees_one_stream_that_restarts_on_a_keyframe(
    codec, coloured
) -> None:
    clips = coloured[codec]
    hub = LocalHub()
    room = MediaRoom("rtp", codec=codec, on_event=hub.dispatch)
    hub.attach(room)
    frames: list[av.Packet] = []
    viewer = RoomClient(
        "a",
        codec=codec,
        audio_slots=0,
        on_packet=lambda reception, packet: reception.name == "main" and frames.append(packet),
    )
    green = RoomClient("b", codec=codec, video=ClipTrack(clips["green"]), audio_slots=0)
    blue = RoomClient("c", codec=codec, video=ClipTrack(clips["blue"]), audio_slots=0)
    clients = [viewer, green, blue]
    try:
        await viewer.connect(hub)
        log = RtpLog(viewer, "main")  # before any media: ICE/DTLS are still running
        await green.connect(hub)
        await blue.connect(hub)
        await until(lambda: len(log.packets) >= 30 and viewer.slot_map["main"] == "b", "b shown")
        main = room.slot_track("a", "main")
        room.set_floor("c")
        await until(
            lambda: main.source is room.source("c", "video") and main.pending is None,
            "the SFU cut a's main slot over to c",
        )
        cut_over, shown = len(log.packets), len(frames)
        await until(
            lambda: len(log.packets) >= cut_over + 40 and len(frames) >= shown + 20,
            "a keeps receiving c (40 more RTP packets, 20 more frames)",
        )
    finally:
        for client in clients:
            await client.close()
        await room.close()

    sent = {
        name: {body(codec, p) for unit in clip.units for p in rtp_payloads(codec, unit.data)}
        for name, clip in clips.items()
    }
    labels = [
        "+".join(name for name, bodies in sent.items() if body(codec, p) in bodies) or "?"
        for _, _, p in log.packets
    ]
    # Byte-identical payloads (the SPS/PPS of both clips are the same bytes: "green+blue");
    # green until the cut, blue from it, never interleaved.
    assert "?" not in labels
    cut = max(i for i, label in enumerate(labels) if label == "green") + 1
    assert "blue" not in labels[:cut] and labels[:cut].count("green") > 10
    assert "green" not in labels[cut:] and labels[cut:].count("blue") >= 30
    # The decoder starts on a keyframe, both at join and at the switch.
    assert keyframe_start(codec, log.packets[0][2])
    assert keyframe_start(codec, log.packets[cut][2])
    # One stream: sequence numbers without a repeat or a jump, timestamps moving forward.
    one_stream([seq for seq, _, _ in log.packets], 0xFFFF)
    stamps = [ts for _, ts, _ in log.packets]
    steps = [(b - a) & 0xFFFFFFFF for a, b in itertools.pairwise(stamps)]
    assert all(step < 0x80000000 for step in steps)
    assert 0 < steps[cut - 1] < 5 * 90_000
    if codec is MeetingCodec.VP8:  # picture IDs continue across the switch too
        ids = []
        for _, _, payload in log.packets:
            _, at, width = vp8_descriptor(payload)
            if payload[0] & 0x10 and at >= 0 and width == 2:  # first packet of a frame
                ids.append(((payload[at] & 0x7F) << 8) | payload[at + 1])
        one_stream(ids, 0x7FFF)
    # What aiortc reassembles from that stream decodes: the new source's picture.
    assert is_keyframe(codec, bytes(frames[0]))
    colours = [colour_of(f) for f in decode_packets(codec, frames)]
    assert colours[0] == "green" and colours[-10:] == ["blue"] * 10
