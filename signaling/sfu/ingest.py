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

RtpCallback = Callable[[RtpPacket], None]


class ReceiveHandler:
    """Synchronous stand-in for ``RTCRtpReceiver._handle_rtp_packet`` on the SFU's receivers."""

    __slots__ = (
        "_active",
        "_codecs",
        "_last_active",
        "_last_remb",
        "_nack",
        "_on_packet",
        "_receiver",
        "_rtx",
        "_streams",
        "_video",
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
        self._last_active: dict[int, float] = {}
        self._last_remb = 0.0

    def __call__(self, packet: RtpPacket) -> None:
        receiver = self._receiver
        if not receiver._enabled:
            return
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
        if is_rtx(codec):
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
            fci=pack_remb_fci(REMB_CAP_BPS, [media_ssrc]),
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


def fast_ingest(pc: RTCPeerConnection) -> None:
    """Receive ``pc``'s SRTP RTP synchronously (see module doc). Call after
    ``setLocalDescription`` (the transports exist), before ICE connects. Idempotent."""
    seen: set[int] = set()
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        if dtls is None or id(dtls) in seen:
            continue
        seen.add(id(dtls))
        connection = dtls.transport._connection
        if getattr(connection, _FAST, False):
            continue
        connection.data_received = _ingest(dtls, connection.data_received)
        setattr(connection, _FAST, True)


def _ingest(
    dtls: RTCDtlsTransport, queue_it: Callable[[bytes, int], None]
) -> Callable[[bytes, int], None]:
    srtp_for: list[Any] = [None, None]  # the transport's rx Session, and our fast view of it
    connected = _DtlsState.CONNECTED

    def data_received(data: bytes, component: int) -> None:
        # RTP (not RTCP: second byte 192-208) on a connected DTLS-SRTP transport; else aiortc's path
        if (
            len(data) < 12
            or not 127 < data[0] < 192
            or 191 < data[1] < 209
            or dtls._state is not connected
            or dtls._rx_srtp is None
        ):
            queue_it(data, component)
            return
        setattr(dtls, _RX_BYTES, getattr(dtls, _RX_BYTES) + len(data))
        setattr(dtls, _RX_PACKETS, getattr(dtls, _RX_PACKETS) + 1)
        session = dtls._rx_srtp
        if srtp_for[0] is not session:
            srtp_for[0], srtp_for[1] = session, FastSrtp(session)
        try:
            data = srtp_for[1].unprotect(data)
        except pylibsrtp.Error:
            return  # not authentic (or a replay): dropped, as aiortc does
        note_authenticated(dtls)
        try:
            packet = RtpPacket.parse(data, dtls._rtp_header_extensions_map)
        except ValueError:
            return
        receiver = dtls._rtp_router.route_rtp(packet)
        if receiver is None:
            return
        handler = getattr(receiver, _HANDLER, None)
        try:
            if handler is not None:
                handler(packet)
            else:
                _spawn(receiver._handle_rtp_packet(packet, arrival_time_ms=clock.current_ms()))
        except Exception:  # one bad packet must not end the publisher's connection
            logger.exception("receiving RTP on %s failed", receiver)

    return data_received


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
    return tuple(problems)
