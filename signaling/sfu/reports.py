"""RTCP sender reports for one subscriber's peer connection: one compound packet, not one per slot.

Stock aiortc runs an RTCP task per ``RTCRtpSender`` that sends an SR + SDES every 0.5–1.5 s,
each SRTCP-protected and sent on its own (for a console with 4 video and 3 audio slots: 7
packets/s, even for slots that never sent anything). :class:`SenderReports` replaces those
tasks for the :class:`~signaling.sfu.outlet.RtpOutlet`\\ s of one peer connection: every
0.5–1.5 s (RFC 3550's randomisation of aiortc's 1 s interval) it sends **one** compound RTCP
packet (RFC 3550 §6.1, several reporting SSRCs in one compound as RFC 8108 §5.3 allows) with an
SR for every slot that has sent media and an SDES CNAME chunk for each. Slots that have sent
nothing report nothing (RFC 3550 §6.4: only active senders send SRs). A stopped sender still
sends its RTCP BYE as aiortc's would.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import TYPE_CHECKING

from aiortc.rtp import (
    RTCP_PSFB_APP,
    RtcpByePacket,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpSdesPacket,
    RtcpSenderInfo,
    RtcpSourceInfo,
    RtcpSrPacket,
    unpack_remb_fci,
)

if TYPE_CHECKING:
    from signaling.sfu.outlet import RtpOutlet

MAX_PER_PACKET = 16  # SRs per compound packet: 16 × (28 + ~24 SDES) bytes stays well under the MTU
_S = "_RTCRtpSender__"  # aiortc's name-mangled sender attributes


class SenderReports:
    """The RTCP sender-report loop of one peer connection's outlets."""

    def __init__(self) -> None:
        self.outlets: list[RtpOutlet] = []
        self.sent = 0  # compound packets sent (tests, stats)
        self._task: asyncio.Task[None] | None = None

    def add(self, outlet: RtpOutlet) -> None:
        """Report for ``outlet`` from now on (called when its sender starts). Idempotent."""
        if outlet not in self.outlets:
            self.outlets.append(outlet)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while any(not outlet.stopped for outlet in self.outlets):
            await asyncio.sleep(0.5 + random.random())  # noqa: S311 (RTCP jitter, not security)
            self.send_now()

    def send_now(self) -> None:
        """Send the reports of every active outlet (that is connected) now."""
        active = [o for o in self.outlets if o.packets and not o.stopped and o.ready]
        for start in range(0, len(active), MAX_PER_PACKET):
            group = active[start : start + MAX_PER_PACKET]
            compound = b"".join(bytes(packet) for packet in _reports(group))
            if group[0].send_rtcp(compound):
                self.sent += 1


def _reports(outlets: list[RtpOutlet]) -> list[RtcpSrPacket | RtcpSdesPacket]:
    now = time.time()
    packets: list[RtcpSrPacket | RtcpSdesPacket] = []
    chunks = []
    for outlet in outlets:
        outlet.sync_sender()
        sender = outlet.sender
        ntp = outlet.ntp_timestamp
        packets.append(
            RtcpSrPacket(
                ssrc=sender._ssrc,
                sender_info=RtcpSenderInfo(
                    ntp_timestamp=ntp,
                    rtp_timestamp=outlet.rtp_timestamp,
                    packet_count=outlet.packets & 0xFFFFFFFF,
                    octet_count=outlet.octets & 0xFFFFFFFF,
                ),
            )
        )
        # what the sender's own loop records, for its round-trip time from receiver reports
        setattr(sender, _S + "lsr", (ntp >> 16) & 0xFFFFFFFF)
        setattr(sender, _S + "lsr_time", now)
        cname = getattr(sender, _S + "cname")
        if cname is not None:
            chunks.append(RtcpSourceInfo(ssrc=sender._ssrc, items=[(1, cname.encode("utf8"))]))
    if chunks:
        packets.append(RtcpSdesPacket(chunks=chunks))
    return packets


def read_feedback(
    sender: object, packet: object
) -> tuple[float | None, list[tuple[int, float | None]]]:
    """What a subscriber's RTCP packet to ``sender`` says of its link: a REMB (bits/s) and,
    for each report block about this sender's stream, ``(fraction_lost 0–255, rtt seconds)``;
    the round-trip time is the one aiortc's sender has just computed from it (from the LSR that
    :class:`SenderReports` records)."""
    remb: float | None = None
    blocks: list[tuple[int, float | None]] = []
    if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
        try:
            remb = float(unpack_remb_fci(packet.fci)[0])
        except ValueError:
            remb = None
    elif isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
        ssrc = getattr(sender, "_ssrc", None)
        rtt = getattr(sender, _S + "rtt", None)
        for report in packet.reports:
            if report.ssrc == ssrc:
                blocks.append((report.fraction_lost, rtt))
    return remb, blocks


async def quiet_rtcp(outlet: RtpOutlet) -> None:
    """Stands in for ``RTCRtpSender._run_rtcp`` of a sender whose reports :class:`SenderReports`
    sends: waits until ``sender.stop()`` cancels it, then sends the BYE."""
    sender = outlet.sender
    getattr(sender, _S + "rtcp_started").set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()
    outlet.stopped = True
    await sender._send_rtcp([RtcpByePacket(sources=[sender._ssrc])])
    getattr(sender, _S + "rtcp_exited").set()


def check_report_hooks() -> tuple[str, ...]:
    """Problems that would break :class:`SenderReports` (empty if none)."""
    from aiortc import RTCRtpSender

    problems = []
    init_names = RTCRtpSender.__init__.__code__.co_names
    for name in ("cname", "lsr", "lsr_time", "rtcp_started", "rtcp_exited", "rtt"):
        if f"{_S}{name}" not in init_names:
            problems.append(f"RTCRtpSender no longer has __{name}")
    if "_run_rtcp" not in RTCRtpSender.send.__code__.co_names:
        problems.append("RTCRtpSender.send no longer starts self._run_rtcp()")
    if "_send_rtcp" not in RTCRtpSender._run_rtcp.__code__.co_names:
        problems.append("RTCRtpSender._run_rtcp no longer sends through _send_rtcp")
    return tuple(problems)
