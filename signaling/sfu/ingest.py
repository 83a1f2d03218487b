"""The SFU's receive path for RTP: synchronous, from the UDP datagram to ``Source.forward``.

Stock aiortc 1.16 receives every datagram through an ``asyncio.Queue`` and a coroutine chain
(ICE connection → ``RTCDtlsTransport._recv_next`` → ``_handle_rtp_data`` →
``RTCRtpReceiver._handle_rtp_packet``), runs a receive-side bandwidth estimator on every video
packet (``aiortc/rate.py``), stamps each packet with a ``datetime``, and depacketizes it for a
jitter buffer. At 4 publishers × 8 subscribers that was ~40 % of the SFU's CPU per forwarded
packet. An SFU needs none of it beyond SRTP, receive statistics, RTX unwrapping and NACKs.

:func:`fast_ingest` hooks one peer connection's ICE connection(s) (``Connection.data_received``,
called by aioice for every non-STUN datagram) so that an **SRTP RTP** datagram is, on the spot:
unprotected (libsrtp through pylibsrtp's cffi ``lib``, no per-call allocation, see srtp.py),
parsed (``RtpPacket.parse``), routed (aiortc's ``RtpRouter``) and handed to the receiver's
synchronous handler that :func:`attach_receiver` installs. Everything else (STUN, DTLS, SRTCP,
RTP before the DTLS handshake finished) takes aiortc's normal queue.

:class:`ReceiveHandler` keeps what aiortc's receiver did that an SFU needs — receive statistics
(RTCP receiver reports and ``getStats``), the active-SSRC table (``getSynchronizationSources``,
which keyframe requests use), RTX unwrapping, NACKs to the publisher — and replaces the
bandwidth estimator with a **fixed REMB cap** (:data:`REMB_CAP_BPS`, once per second while video
flows), as Janus VideoRoom does with its ``bitrate`` setting: a browser then sends
min(its loss-based estimate, the cap, the ``maxBitrate`` the room asked for).

These are aiortc/aioice internals: :func:`check_ingest_hooks` lists what they rely on and
``tests/signaling/test_passthrough.py`` fails if an upgrade moves them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import struct
import time
from collections.abc import Callable
from typing import Any

import aioice.ice
import pylibsrtp
from aiortc import RTCPeerConnection, RTCRtpReceiver, clock
from aiortc.codecs import is_rtx
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState
from aiortc.rtcrtpreceiver import StreamStatistics
from aiortc.rtp import (
    RTCP_PSFB_APP,
    HeaderExtensions,
    RtcpPsfbPacket,
    RtpPacket,
    pack_remb_fci,
    unwrap_rtx,
)

from signaling.sfu.consent import note_authenticated
from signaling.sfu.srtp import FastSrtp

logger = logging.getLogger(__name__)

REMB_CAP_BPS = 4_000_000
"""The receiver estimate the SFU sends every publisher for its video (camera + screen share of
one peer connection together: a browser treats REMB as its total video budget). The room's
quality requests (``maxBitrate`` 1.5 Mbit/s full, 150 kbit/s thumbnail) stay below it."""
REMB_INTERVAL = 1.0  # seconds between REMBs while video flows
_ACTIVE_REFRESH = 1.0  # seconds between updates of aiortc's active-SSRC timestamps

_HANDLER = "_ecabinet_rtp_handler"
_FAST = "_ecabinet_fast_ingest"
_R = "_RTCRtpReceiver__"  # aiortc's name-mangled receiver attributes
_RECEIVER_FIELDS = ("active_ssrc", "codecs", "remote_streams", "rtx_ssrc", "nack_generator", "kind")
_RX_BYTES = "_RTCDtlsTransport__rx_bytes"
_RX_PACKETS = "_RTCDtlsTransport__rx_packets"
_CONNECTED = _DtlsState.CONNECTED

RtpCallback = Callable[[RtpPacket], None]


class ReceiveHandler:
    """Synchronous stand-in for ``RTCRtpReceiver._handle_rtp_packet`` on the SFU's receivers."""

    __slots__ = (
        "_active",
        "_codecs",
        "_is_rtx",
        "_last_active",
        "_last_remb",
        "_nack",
        "_on_packet",
        "_receiver",
        "_rtx",
        "_streams",
        "_video",
        "audio",
        "packets",
        "remb_cap",
    )

    def __init__(self, receiver: RTCRtpReceiver, on_packet: RtpCallback) -> None:
        self._receiver = receiver
        self._on_packet = on_packet
        self._active: dict[int, Any] = getattr(receiver, _R + "active_ssrc")
        self._codecs: dict[int, Any] = getattr(receiver, _R + "codecs")
        self._streams: dict[int, StreamStatistics] = getattr(receiver, _R + "remote_streams")
        self._rtx: dict[int, int] = getattr(receiver, _R + "rtx_ssrc")
        self._nack = getattr(receiver, _R + "nack_generator")
        self._video = getattr(receiver, _R + "kind") == "video"
        self.audio = not self._video  # its packets need their header extensions (audio level)
        self._last_active: dict[int, float] = {}
        self._is_rtx: dict[int, bool] = {}  # payload type: an RTX codec (aiortc's is_rtx, cached)
        self._last_remb = 0.0
        self.remb_cap = REMB_CAP_BPS  # lowered by the ingest policer (policer.py) while over
        self.packets = 0  # RTP packets handled here (tests: the synchronous path is in use)

    def __call__(self, packet: RtpPacket) -> None:
        receiver = self._receiver
        if not receiver._enabled:
            return
        self.packets += 1
        ssrc = packet.ssrc
        now = time.monotonic()
        if now - self._last_active.get(ssrc, -10.0) >= _ACTIVE_REFRESH:
            self._last_active[ssrc] = now
            self._active[ssrc] = clock.current_datetime()
        codec = self._codecs.get(packet.payload_type)
        if codec is None:
            return
        stream = self._streams.get(ssrc)
        if stream is None:
            stream = self._streams[ssrc] = StreamStatistics(codec.clockRate)
        stream.add(packet)
        rtx = self._is_rtx.get(codec.payloadType)
        if rtx is None:
            rtx = self._is_rtx[codec.payloadType] = is_rtx(codec)
        if rtx:
            original_ssrc = self._rtx.get(ssrc)
            apt = codec.parameters.get("apt")
            if (
                original_ssrc is None
                or len(packet.payload) < 2
                or not isinstance(apt, int)
                or apt not in self._codecs
            ):
                return
            packet = unwrap_rtx(packet, payload_type=apt, ssrc=original_ssrc)
        nack = self._nack
        if nack is not None and nack.add(packet):
            _spawn(receiver._send_rtcp_nack(packet.ssrc, sorted(nack.missing)))
        if self._video and now - self._last_remb >= REMB_INTERVAL:
            self._send_remb(packet.ssrc, now)
        self._on_packet(packet)

    def _send_remb(self, media_ssrc: int, now: float) -> None:
        rtcp_ssrc = getattr(self._receiver, _R + "rtcp_ssrc")
        if rtcp_ssrc is None:
            return
        self._last_remb = now
        remb = RtcpPsfbPacket(
            fmt=RTCP_PSFB_APP,
            ssrc=rtcp_ssrc,
            media_ssrc=0,
            fci=pack_remb_fci(int(self.remb_cap), [media_ssrc]),
        )
        _spawn(self._receiver._send_rtcp(remb))


_tasks: set[asyncio.Future[Any]] = set()


def _spawn(coroutine: Any) -> None:
    task = asyncio.ensure_future(coroutine)
    _tasks.add(task)  # keep a reference until done (asyncio holds only weak ones)
    task.add_done_callback(_tasks.discard)


def attach_receiver(receiver: RTCRtpReceiver, on_packet: RtpCallback) -> None:
    """Make ``on_packet`` the end of ``receiver``'s synchronous receive path (see module doc).
    Without :func:`fast_ingest` on its peer connection, aiortc's own path still reaches the tap
    that passthrough.tap_rtp installs."""
    setattr(receiver, _HANDLER, ReceiveHandler(receiver, on_packet))


def set_remb_cap(receiver: RTCRtpReceiver, bps: float) -> None:
    """The REMB sent to this receiver's publisher from now on (sent with its next packet)."""
    handler = getattr(receiver, _HANDLER, None)
    if isinstance(handler, ReceiveHandler):
        handler.remb_cap = bps
        handler._last_remb = 0.0


def fast_ingest(pc: RTCPeerConnection) -> None:
    """Receive ``pc``'s SRTP RTP synchronously (see module doc). Call after
    ``setLocalDescription`` (the transports exist, candidates gathered), before ICE connects.
    Idempotent."""
    seen: set[int] = set()
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        if dtls is None or id(dtls) in seen:
            continue
        seen.add(id(dtls))
        connection = dtls.transport._connection
        if getattr(connection, _FAST, False):
            continue
        ingest = _Ingest(dtls)
        connection.data_received = _before(ingest.take, connection.data_received)
        for protocol in connection._protocols:  # skips aioice's STUN parse for RTP
            protocol.datagram_received = _before(ingest.take, protocol.datagram_received)
        setattr(connection, _FAST, True)


def _before(take: Callable[[bytes], bool], otherwise: Callable[..., None]) -> Callable[..., None]:
    def datagram(data: bytes, where: Any) -> None:
        if not take(data):
            otherwise(data, where)

    return datagram


_HEADER = struct.Struct("!BBHLL")
_EXTENSION = struct.Struct("!HH")
_NO_EXTENSIONS = HeaderExtensions()  # shared, never modified


class _Ingest:
    """The synchronous receive path of one DTLS transport (see module doc)."""

    __slots__ = ("_dtls", "_fast", "_session")

    def __init__(self, dtls: RTCDtlsTransport) -> None:
        self._dtls = dtls
        self._session: Any = None  # the transport's rx pylibsrtp Session ...
        self._fast: FastSrtp | None = None  # ... and our view of it

    def take(self, data: bytes) -> bool:
        """Handle ``data`` if it is SRTP RTP on the connected transport; False: not ours."""
        dtls = self._dtls
        # RTP (not RTCP: second byte 192-208) on a connected DTLS-SRTP transport; else aiortc's path
        if (
            len(data) < 12
            or not 127 < data[0] < 192
            or 191 < data[1] < 209
            or dtls._state is not _CONNECTED
            or dtls._rx_srtp is None
        ):
            return False
        setattr(dtls, _RX_BYTES, getattr(dtls, _RX_BYTES) + len(data))
        setattr(dtls, _RX_PACKETS, getattr(dtls, _RX_PACKETS) + 1)
        session = dtls._rx_srtp
        if self._session is not session:
            self._session, self._fast = session, FastSrtp(session)
        try:
            data = self._fast.unprotect(data)  # type: ignore[union-attr]
        except pylibsrtp.Error:
            return True  # not authentic (or a replay): dropped, as aiortc does
        note_authenticated(dtls)
        try:
            packet, extension = parse_rtp(data)
        except ValueError:
            return True
        receiver = dtls._rtp_router.route_rtp(packet)
        if receiver is None:
            return True
        handler = getattr(receiver, _HANDLER, None)
        try:
            if handler is None:  # not a tapped receiver: aiortc's own handling, full parse
                packet = RtpPacket.parse(data, dtls._rtp_header_extensions_map)
                _spawn(receiver._handle_rtp_packet(packet, arrival_time_ms=clock.current_ms()))
                return True
            if extension is not None and handler.audio:  # the audio level (active speaker)
                packet.extensions = dtls._rtp_header_extensions_map.get(*extension)
            handler(packet)
        except Exception:  # one bad packet must not end the publisher's connection
            logger.exception("receiving RTP on %s failed", receiver)
        return True


def parse_rtp(data: bytes) -> tuple[RtpPacket, tuple[int, bytes] | None]:
    """An ``RtpPacket`` as ``RtpPacket.parse`` builds it, but with its header extensions left
    unparsed: returned as (profile, value) for the caller to parse when it needs them; the
    packet's ``extensions`` are empty until then. Same checks (ValueError)."""
    if len(data) < 12:
        raise ValueError("RTP packet length is less than 12 bytes")
    v_p_x_cc, m_pt, sequence_number, timestamp, ssrc = _HEADER.unpack_from(data)
    if v_p_x_cc >> 6 != 2:
        raise ValueError("RTP packet has invalid version")
    cc = v_p_x_cc & 0x0F
    pos = 12 + 4 * cc
    if len(data) < pos:
        raise ValueError("RTP packet has truncated CSRC")
    packet = RtpPacket.__new__(RtpPacket)
    packet.version = 2
    packet.marker = m_pt >> 7
    packet.payload_type = m_pt & 0x7F
    packet.sequence_number = sequence_number
    packet.timestamp = timestamp
    packet.ssrc = ssrc
    packet.csrc = list(struct.unpack_from(f"!{cc}L", data, 12)) if cc else []
    packet.extensions = _NO_EXTENSIONS
    packet.padding_size = 0
    extension = None
    if v_p_x_cc & 0x10:
        if len(data) < pos + 4:
            raise ValueError("RTP packet has truncated extension profile / length")
        profile, length = _EXTENSION.unpack_from(data, pos)
        pos += 4
        end = pos + 4 * length
        if len(data) < end:
            raise ValueError("RTP packet has truncated extension value")
        extension = (profile, data[pos:end])
        pos = end
    if v_p_x_cc & 0x20:
        padding = data[-1]
        if not padding or padding > len(data) - pos:
            raise ValueError("RTP packet padding length is invalid")
        packet.padding_size = padding
        packet.payload = data[pos:-padding]
    else:
        packet.payload = data[pos:]
    return packet, extension


def check_ingest_hooks() -> tuple[str, ...]:
    """Problems that would break :func:`fast_ingest`/:func:`attach_receiver` (empty if none)."""
    problems = []
    init_names = inspect.unwrap(RTCRtpReceiver.__init__).__code__.co_names
    handle_names = RTCRtpReceiver._handle_rtp_packet.__code__.co_names
    for name in _RECEIVER_FIELDS:
        if f"{_R}{name}" not in init_names:
            problems.append(f"RTCRtpReceiver no longer has __{name}")
        elif f"{_R}{name}" not in handle_names:
            problems.append(f"RTCRtpReceiver._handle_rtp_packet no longer uses __{name}")
    for name in ("_send_rtcp_nack", "_send_rtcp"):
        if not hasattr(RTCRtpReceiver, name):
            problems.append(f"RTCRtpReceiver.{name} is gone")
    if f"{_R}rtcp_ssrc" not in init_names:
        problems.append("RTCRtpReceiver no longer has __rtcp_ssrc")
    recv_names = RTCDtlsTransport._recv_next.__code__.co_names
    for name in (_RX_BYTES, _RX_PACKETS, "_rx_srtp", "_recv"):
        if name not in recv_names:
            problems.append(f"RTCDtlsTransport._recv_next no longer uses {name}")
    rtp_names = RTCDtlsTransport._handle_rtp_data.__code__.co_names
    for name in ("_rtp_header_extensions_map", "_rtp_router", "route_rtp"):
        if name not in rtp_names:
            problems.append(f"RTCDtlsTransport._handle_rtp_data no longer uses {name}")
    if "data_received" not in aioice.ice.StunProtocol.datagram_received.__code__.co_names:
        problems.append("aioice StunProtocol no longer calls receiver.data_received")
    if "_queue" not in aioice.ice.Connection.data_received.__code__.co_names:
        problems.append("aioice Connection.data_received no longer queues datagrams")
    if "_protocols" not in aioice.ice.Connection.close.__code__.co_names:
        problems.append("aioice Connection no longer keeps its StunProtocols in _protocols")
    parse_names = RtpPacket.parse.__code__.co_names
    init_names = RtpPacket.__init__.__code__.co_names
    fields = ("marker", "payload_type", "sequence_number", "timestamp", "ssrc", "csrc")
    for name in (*fields, "extensions", "payload", "padding_size", "version"):
        if name not in init_names:
            problems.append(f"RtpPacket no longer has {name} (parse_rtp builds it)")
    if "get" not in parse_names:
        problems.append("RtpPacket.parse no longer parses extensions with HeaderExtensionsMap.get")
    return tuple(problems)
