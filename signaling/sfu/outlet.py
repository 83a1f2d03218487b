"""The SFU's send path: RTP out on an aiortc ``RTCRtpSender``'s stream, without its own loop.

:class:`RtpOutlet` builds the RTP header with ``struct`` from a template made once per sender
(SSRC, payload type, header-extension ids from the negotiated parameters), SRTP-protects it and
calls the UDP socket's ``sendto`` itself, without aiortc's ``RtpPacket`` objects, ``datetime``
clock or four coroutine layers. It keeps the sender's RTCP sender-report counters and answers
NACKs from its own history (RTX when negotiated). It relies on aiortc's private names, checked
by :func:`check_outlet_hooks` (part of ``passthrough.check_passthrough``).
"""

from __future__ import annotations

import contextlib
import random
import struct
from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpSender
from aiortc.codecs import is_rtx
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import pack_header_extensions

from signaling.sfu.reports import SenderReports, quiet_rtcp
from signaling.sfu.srtp import FastSrtp

_SENDER_REPORT_FIELDS = (
    "_RTCRtpSender__ntp_timestamp",
    "_RTCRtpSender__rtp_timestamp",
    "_RTCRtpSender__packet_count",
    "_RTCRtpSender__octet_count",
)

_NTP_EPOCH = 2208988800  # seconds from 1900 (NTP) to 1970 (Unix)
_RTP_HEAD = struct.Struct("!BHI")  # marker|payload type, sequence number, timestamp
_HISTORY = 128  # packets kept per stream for NACKs (aiortc's RTP_HISTORY_SIZE)
_MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
_ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
_AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


def ntp_time(now: float) -> int:
    """64-bit NTP timestamp of a ``time.time()`` value (aiortc derives it from a ``datetime``)."""
    return int((now + _NTP_EPOCH) * 4294967296.0)


def abs_send_time(now: float) -> bytes:
    """The 3-byte abs-send-time header extension value (6.18 fixed-point seconds)."""
    return (int((now + _NTP_EPOCH) * 262144.0) & 0xFFFFFF).to_bytes(3, "big")


class RtpOutlet:
    """Sends RTP on one ``RTCRtpSender``'s stream without going through the sender's own loop.

    The sender keeps everything else: SDP/SSRC, its RTCP task (sender reports read the counters
    kept here), PLI/FIR handling (see :func:`hook_keyframe_requests`). Its media task waits on a
    track that never yields. ``send`` is synchronous: protect + ``sendto`` on the spot.

    The sender's own RTCP task is replaced by ``reports`` (one
    :class:`~signaling.sfu.reports.SenderReports` per peer connection: its slots report in one
    compound packet; without it, the outlet reports alone).
    """

    def __init__(self, sender: RTCRtpSender, reports: SenderReports | None = None) -> None:
        self._sender = sender
        self.sender = sender
        self.stopped = False  # the sender was stopped (set by reports.quiet_rtcp)
        self._dtls: RTCDtlsTransport = sender.transport
        self._sendto: Callable[[bytes, Any], Any] | None = None
        self._addr: Any = None
        self._srtp: Any = None
        self._protect: Callable[[bytes], bytes] = bytes
        self._ready = False
        self._configured = False
        self._marker_pt = (0, 0x80)
        self._first = b"\x80"
        self._static = b""  # SSRC + header extensions before the dynamic value
        self._tail = b""  # padding after it
        self._dynamic = ""  # "abs" (video), "level" (audio) or ""
        self._rtx_pt: int | None = None
        self._rtx_seq = 0
        self._history: list[tuple[int, bytes] | None] = [None] * _HISTORY
        self.packets = 0
        self.octets = 0
        self.ntp_timestamp = 0
        self.rtp_timestamp = 0
        self.dropped = 0
        original_send = sender.send

        async def send_and_configure(parameters: RTCRtpSendParameters) -> None:
            self.configure(parameters)
            await original_send(parameters)
            reports.add(self)

        sender.send = send_and_configure  # type: ignore[method-assign]
        if reports is None:
            reports = SenderReports()  # this outlet alone
        sender._run_rtcp = lambda: quiet_rtcp(self)  # type: ignore[method-assign]
        original_stats = sender.getStats

        async def synced_stats() -> Any:
            self.sync_sender()
            return await original_stats()

        sender.getStats = synced_stats  # type: ignore[method-assign]
        sender._retransmit = self._retransmit  # type: ignore[method-assign]
        # The subscriber's feedback (REMB, receiver reports), after aiortc handled it
        self.on_rtcp: Callable[[Any], None] | None = None
        original_rtcp = sender._handle_rtcp_packet

        async def handle_rtcp(packet: Any) -> None:
            await original_rtcp(packet)
            if self.on_rtcp is not None:
                self.on_rtcp(packet)

        sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]

    def configure(self, parameters: RTCRtpSendParameters) -> None:
        """Build the header template from the negotiated parameters (called by ``sender.send``)."""
        codec = parameters.codecs[0]
        self._configured = True
        self._marker_pt = (codec.payloadType, codec.payloadType | 0x80)
        self._rtx_pt = next(
            (
                c.payloadType
                for c in parameters.codecs
                if is_rtx(c) and c.parameters.get("apt") == codec.payloadType
            ),
            None,
        )
        self._rtx_seq = random.getrandbits(15)
        ids = {ext.uri: ext.id for ext in parameters.headerExtensions}
        static: list[tuple[int, bytes]] = []
        if parameters.muxId and _MID in ids:
            static.append((ids[_MID], parameters.muxId.encode("utf8")))
        kind = self._sender.kind
        dynamic_id, placeholder = None, b""
        if kind == "video" and _ABS_SEND_TIME in ids:
            dynamic_id, placeholder, self._dynamic = ids[_ABS_SEND_TIME], b"\0\0\0", "abs"
        elif kind == "audio" and _AUDIO_LEVEL in ids:
            dynamic_id, placeholder, self._dynamic = ids[_AUDIO_LEVEL], b"\x7f", "level"
        elements = static + ([(dynamic_id, placeholder)] if dynamic_id else [])
        profile, value = pack_header_extensions(elements)
        ssrc = struct.pack("!I", self._sender._ssrc)
        if not elements:
            self._first, self._static, self._tail, self._dynamic = b"\x80", ssrc, b"", ""
            return
        extension = struct.pack("!HH", profile, len(value) // 4) + value
        head = 4 + sum(1 + len(v) for _, v in static) + (1 if dynamic_id else 0)
        self._first = b"\x90"  # version 2, X: header extension present
        self._static = ssrc + extension[:head]
        self._tail = extension[head + len(placeholder) :]

    @property
    def ready(self) -> bool:
        """Connected: ``send`` can put packets on the wire (tries to connect if not yet)."""
        if self._ready and self._dtls._state is _DtlsState.CONNECTED:
            return True
        self._ready = False
        return self._connect()

    def _connect(self) -> bool:
        self._dtls = self._sender.transport
        if self._dtls._state is not _DtlsState.CONNECTED or not self._configured:
            return False
        pair = self._dtls.transport._connection._nominated.get(1)
        if pair is None or pair.protocol.transport is None:
            return False
        transport = pair.protocol.transport
        # The socket itself: a full socket buffer then raises (we drop) instead of asyncio
        # queueing datagrams without bound, and one layer less per packet.
        sock = getattr(transport, "_sock", None)
        self._sendto = sock.sendto if sock is not None else transport.sendto
        self._addr = pair.remote_addr
        self._srtp = FastSrtp(self._dtls._tx_srtp)
        self._protect = self._srtp.protect
        self._ready = True
        return True

    def send(
        self, marker: int, seq: int, timestamp: int, payload: bytes, dynamic: bytes, ntp: int
    ) -> bool:
        """Send one RTP packet; ``dynamic`` is the abs-send-time (video) or audio-level (audio)
        value. False if it could not leave (not connected yet, or the socket buffer is full)."""
        if not self._ready and not self._connect():
            return False
        if self._dtls._state is not _DtlsState.CONNECTED:
            self._ready = False
            return False
        data = b"".join(
            (
                self._first,
                _RTP_HEAD.pack(self._marker_pt[marker], seq, timestamp),
                self._static,
                dynamic if self._dynamic else b"",
                self._tail,
                payload,
            )
        )
        self._history[seq % _HISTORY] = (seq, data)
        try:
            self._sendto(self._protect(data), self._addr)
        except OSError:  # BlockingIOError: the peer's socket buffer is full
            self.dropped += 1
            return False
        self.ntp_timestamp = ntp
        self.rtp_timestamp = timestamp
        self.packets += 1
        self.octets += len(payload)
        return True

    def sync_sender(self) -> None:
        """Copy the counters into the sender's own fields (read by its ``getStats`` and RTCP
        code); done when those are read, not per packet."""
        sender = self._sender
        sender._RTCRtpSender__ntp_timestamp = self.ntp_timestamp  # type: ignore[attr-defined]
        sender._RTCRtpSender__rtp_timestamp = self.rtp_timestamp  # type: ignore[attr-defined]
        sender._RTCRtpSender__packet_count = self.packets  # type: ignore[attr-defined]
        sender._RTCRtpSender__octet_count = self.octets  # type: ignore[attr-defined]

    def send_rtcp(self, compound: bytes) -> bool:
        """SRTCP-protect and send one compound RTCP packet on this outlet's transport."""
        if not self.ready:
            return False
        try:
            self._sendto(self._dtls._tx_srtp.protect_rtcp(compound), self._addr)
        except OSError:
            return False
        return True

    async def _retransmit(self, seq: int) -> None:
        """Answer a subscriber's NACK from the history (replaces ``RTCRtpSender._retransmit``)."""
        entry = self._history[seq % _HISTORY]
        if entry is None or entry[0] != seq or not self._ready:
            return
        data = entry[1]
        if self._rtx_pt is not None:
            header_length = 12
            if data[0] & 0x10:  # header extension: 4 bytes + its length in 32-bit words
                header_length += 4 + 4 * int.from_bytes(data[14:16], "big")
            data = b"".join(
                (
                    bytes((data[0], (data[1] & 0x80) | self._rtx_pt)),
                    struct.pack("!H", self._rtx_seq),
                    data[4:8],
                    struct.pack("!I", self._sender._rtx_ssrc),
                    data[12:header_length],
                    struct.pack("!H", seq),
                    data[header_length:],
                )
            )
            self._rtx_seq = (self._rtx_seq + 1) & 0xFFFF
        with contextlib.suppress(OSError):
            self._sendto(self._srtp.protect(data), self._addr)


def _connect_names() -> tuple[str, ...]:
    connect = getattr(RTCPeerConnection, "_RTCPeerConnection__connect", None)
    return connect.__code__.co_names if connect is not None else ()


def check_outlet_hooks() -> list[str]:
    """What of aiortc's sender internals the outlet relies on is missing (empty: all there)."""
    problems: list[str] = []
    sender_init = RTCRtpSender.__init__.__code__.co_names
    for name in (*_SENDER_REPORT_FIELDS, "_ssrc", "_rtx_ssrc"):
        if name not in sender_init:
            problems.append(f"RTCRtpSender no longer has {name} (sender reports, RTX)")
    rtcp_names = RTCRtpSender._run_rtcp.__code__.co_names
    if not all(name in rtcp_names for name in _SENDER_REPORT_FIELDS):
        problems.append("RTCRtpSender sender reports no longer read the counters RtpOutlet keeps")
    if "_handle_rtcp_packet" not in RTCDtlsTransport._handle_rtcp_data.__code__.co_names:
        problems.append("RTCDtlsTransport no longer hands RTCP to sender._handle_rtcp_packet")
    if "_retransmit" not in RTCRtpSender._handle_rtcp_packet.__code__.co_names:
        problems.append("RTCRtpSender no longer answers NACKs through self._retransmit")
    if "send" not in _connect_names():
        problems.append("RTCPeerConnection no longer starts senders with sender.send(parameters)")
    dtls_names = RTCDtlsTransport._setup_srtp.__code__.co_names
    if "_tx_srtp" not in dtls_names or not hasattr(_DtlsState, "CONNECTED"):
        problems.append("RTCDtlsTransport no longer keeps _tx_srtp / State.CONNECTED")
    return problems
