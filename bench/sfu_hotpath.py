"""Forwarding hot path only, in one thread: ``Source.forward`` → K ``SlotTrack.offer`` →
``RtpOutlet.send`` (header, SRTP protect, ``sendto``) for a fixed clip (not a test).

    python bench/sfu_hotpath.py [--subs 40] [--rounds 5]

No peer connection, no event loop: each outlet is assembled on a plain UDP socket (a fresh
SRTP session, the header template a negotiated video sender would get), the receiving socket
is drained between bursts. The measure is this thread's CPU time (``time.thread_time``) per
forwarded packet over 300 frames of the benchmark's 640x360 H.264 clip — a fixed workload,
so other processes on the machine change it little (repeat runs agree within ~5 %). It moves
when the per-packet code moves; it does not include what a real SFU also pays per peer
connection (RTCP, ICE consent, ingest) or the kernel's cost of waking a waiting receiver
(~1.5–2 µs per packet here), which ``bench/sfu_micro.py`` includes.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time
import types
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import av  # noqa: E402
from aiortc.codecs.h264 import H264Encoder  # noqa: E402
from aiortc.rtcdtlstransport import State  # noqa: E402
from aiortc.rtcrtpparameters import (  # noqa: E402
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from aiortc.rtp import RtpPacket  # noqa: E402
from pylibsrtp import Policy, Session  # noqa: E402
from sfuload import ensure_clips  # noqa: E402

from signaling.clientmedia import EncodedClip  # noqa: E402
from signaling.sfu import MeetingCodec  # noqa: E402
from signaling.sfu.forwarder import SlotTrack, Source  # noqa: E402
from signaling.sfu.outlet import RtpOutlet  # noqa: E402
from signaling.sfu.srtp import FastSrtp  # noqa: E402

FRAMES = 300


def clip_packets() -> list[RtpPacket]:
    clip = EncodedClip.load(ensure_clips()["full"])
    encoder, packets, seq = H264Encoder(), [], 1
    for index, unit in enumerate(clip.units[:FRAMES]):
        frame = av.Packet(unit.data)
        frame.pts, frame.time_base = index, Fraction(1, 30)
        payloads, timestamp = encoder.pack(frame)
        for i, payload in enumerate(payloads):
            packet = RtpPacket(payload_type=96, sequence_number=seq & 0xFFFF, timestamp=timestamp)
            packet.payload, packet.marker = payload, int(i == len(payloads) - 1)
            packets.append(packet)
            seq += 1
    return packets


def outlet_on(sock: socket.socket, addr: tuple[str, int]) -> RtpOutlet:
    """An RtpOutlet as a connected video sender would have it, sending on ``sock``."""
    sender = types.SimpleNamespace(_ssrc=int.from_bytes(os.urandom(4), "big"), kind="video")
    sender.send = sender._retransmit = sender.getStats = None
    sender.transport = types.SimpleNamespace(_state=State.CONNECTED)
    outlet = RtpOutlet(sender)  # type: ignore[arg-type]
    outlet.configure(
        RTCRtpSendParameters(
            codecs=[RTCRtpCodecParameters(mimeType="video/H264", clockRate=90000, payloadType=102)],
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
                RTCRtpHeaderExtensionParameters(
                    id=3, uri="http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
                ),
            ],
            muxId="1",
        )
    )
    policy = Policy(key=os.urandom(30), ssrc_type=Policy.SSRC_ANY_OUTBOUND)
    policy.allow_repeat_tx, policy.window_size = True, 1024
    outlet._dtls, outlet._srtp = sender.transport, FastSrtp(Session(policy))
    outlet._protect = outlet._srtp.protect
    outlet._sendto, outlet._addr, outlet._ready = sock.sendto, addr, True
    return outlet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    packets = clip_packets()
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.setblocking(False)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setblocking(False)
    source = Source("publisher", "video", MeetingCodec.H264, None)
    slots = [
        SlotTrack("video", f"s{i}", outlet=outlet_on(tx, rx.getsockname()))
        for i in range(args.subs)
    ]
    for slot in slots:
        slot.switch_to(source)
    results = []
    for _ in range(args.rounds):
        cpu = 0.0
        for start in range(0, len(packets), 10):
            began = time.thread_time()
            for packet in packets[start : start + 10]:
                source.forward(packet)
            cpu += time.thread_time() - began
            while True:  # drain outside the measured part
                try:
                    rx.recv(4096)
                except BlockingIOError:
                    break
        results.append(1e6 * cpu / (len(packets) * args.subs))
    sent = sum(slot.stats.packets for slot in slots)
    assert sent == len(packets) * args.subs * args.rounds, (sent, "packets were dropped")
    print(
        f"hot path, 1 -> {args.subs}: median {statistics.median(results):.2f} µs thread CPU per "
        f"forwarded packet (SRTP + sendto included; rounds: "
        f"{', '.join(f'{r:.2f}' for r in results)}; load {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
