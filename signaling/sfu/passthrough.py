"""Encoded passthrough for aiortc 1.16: receive complete encoded frames instead of decoded ones.

Stock aiortc always decodes what an ``RTCRtpReceiver`` receives (a ``decoder_worker`` thread per
receiver) and exposes only decoded frames. An SFU must never decode for fan-out, so this module
installs two hooks into aiortc's private internals (see docs/media.md):

1. ``RTCRtpReceiver.__init__`` is wrapped: the name-mangled ``__decoder_queue`` is replaced by a
   :class:`_FrameTap`. When the receiver's peer connection has opted in (:func:`enable_passthrough`)
   every complete encoded frame leaving the jitter buffer becomes an ``av.Packet`` (Annex-B for
   H.264, descriptor-less VP8, raw Opus) with ``pts`` in the codec clock and is put straight into
   the remote track's queue, on the event-loop thread. ``track.recv()`` then returns ``av.Packet``.
2. ``aiortc.rtcrtpreceiver.decoder_worker`` is replaced: for an opted-in receiver it only waits
   for the stop sentinel, so no decoder is ever built; other receivers decode as usual.

Peer connections that do not opt in keep aiortc's normal behaviour.

The SFU itself forwards below the frame level (RTP in, RTP out, see rtprewrite.py):

3. :func:`tap_rtp` replaces a receiver's jitter buffer with a tap that hands every RTP packet
   (after SRTP, RTX unwrap and NACK bookkeeping, which stay aiortc's) to a callback, on the
   event-loop thread: no frame reassembly, no jitter-buffer delay.
4. :class:`RtpOutlet` sends on an ``RTCRtpSender``'s stream directly: it builds the RTP header
   with ``struct`` from a template made once per sender (SSRC, payload type, header-extension
   ids from the negotiated parameters), SRTP-protects it and calls the UDP transport's
   ``sendto`` itself, without aiortc's ``RtpPacket`` objects, ``datetime`` clock or four
   coroutine layers. It keeps the sender's RTCP sender-report counters and answers NACKs from
   its own history (RTX when negotiated).

Sibling modules hold the SFU's other hooks, one job each: ingest.py (the synchronous receive
path and the fixed REMB cap), srtp.py (libsrtp without pylibsrtp's per-call wrapper),
reports.py (one compound RTCP sender report per subscriber connection), consent.py.

All of it depends on private names, so aiortc is pinned (requirements.txt) and
:func:`check_passthrough` plus ``tests/signaling/test_passthrough.py`` fail loudly if an
upgrade moves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import aiortc
import av
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc.codecs import is_rtx
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import RtpPacket, pack_header_extensions

from signaling.sfu.consent import check_consent_hooks
from signaling.sfu.ingest import attach_receiver, check_ingest_hooks
from signaling.sfu.reports import SenderReports, check_report_hooks, quiet_rtcp
from signaling.sfu.srtp import FastSrtp, check_srtp_hooks

PINNED_AIORTC = "1.16.0"
_MANGLED_QUEUE = "_RTCRtpReceiver__decoder_queue"
_INSTALLED_FLAG = "_ecabinet_passthrough_installed"
_MANGLED_JITTER = "_RTCRtpReceiver__jitter_buffer"
_SENDER_REPORT_FIELDS = (
    "_RTCRtpSender__ntp_timestamp",
    "_RTCRtpSender__rtp_timestamp",
    "_RTCRtpSender__packet_count",
    "_RTCRtpSender__octet_count",
)

AudioLevelCallback = Callable[[int], None]
"""Called with the RFC 6464 level (0 = loudest, 127 = silence, in -dBov) of each audio packet."""


class _FrameTap:
    """Stands in for the receiver's decoder queue (a ``queue.Queue``).

    ``put`` comes from the receiver on the event-loop thread; ``get`` only from the (original)
    decoder thread, which exists only when passthrough is off.
    """

    __slots__ = ("_decoder_queue", "_receiver", "enabled")

    def __init__(self, receiver: RTCRtpReceiver) -> None:
        self._decoder_queue: queue.Queue[Any] = queue.Queue()
        self._receiver = receiver
        self.enabled = False

    def put(self, item: Any) -> None:
        if item is None or not self.enabled:
            self._decoder_queue.put(item)
            return
        codec, encoded_frame = item
        track = self._receiver._track
        if track is None:
            return
        packet = av.Packet(encoded_frame.data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = Fraction(1, codec.clockRate)
        track._queue.put_nowait(packet)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return self._decoder_queue.get(block, timeout)


_original_init = RTCRtpReceiver.__init__
_original_decoder_worker = _receiver_module.decoder_worker


def _tapped_init(self: RTCRtpReceiver, kind: str, transport: Any) -> None:
    _original_init(self, kind, transport)
    setattr(self, _MANGLED_QUEUE, _FrameTap(self))


_tapped_init.__wrapped__ = _original_init  # type: ignore[attr-defined]  # inspect.unwrap


def _selective_decoder_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: Any,
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    if isinstance(input_q, _FrameTap) and input_q.enabled:
        while input_q.get() is not None:  # only the stop sentinel reaches the real queue
            pass
        asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
        return
    _original_decoder_worker(loop, input_q, output_q, decode_error)


def install_passthrough() -> None:
    """Install the hooks into aiortc. Idempotent; safe to call from every entry point."""
    if getattr(RTCRtpReceiver, _INSTALLED_FLAG, False):
        return
    RTCRtpReceiver.__init__ = _tapped_init  # type: ignore[method-assign]
    _receiver_module.decoder_worker = _selective_decoder_worker  # type: ignore[assignment]
    setattr(RTCRtpReceiver, _INSTALLED_FLAG, True)


def enable_passthrough(pc: RTCPeerConnection) -> None:
    """Make every receiver of ``pc`` deliver encoded ``av.Packet``s instead of decoded frames.

    Call after ``setRemoteDescription``/``addTransceiver`` created the transceivers and before the
    connection starts (i.e. before ``setLocalDescription`` completes on the answering side). The
    SFU then taps RTP below the frame level (:func:`tap_rtp`); no decoder is built either way.
    """
    install_passthrough()
    for transceiver in pc.getTransceivers():
        tap = getattr(transceiver.receiver, _MANGLED_QUEUE, None)
        if not isinstance(tap, _FrameTap):
            raise PassthroughUnavailable(
                "receiver was created before install_passthrough(); create peer connections "
                "after installing the hooks"
            )
        tap.enabled = True


def hook_keyframe_requests(sender: RTCRtpSender, on_request: Callable[[], None]) -> None:
    """Route PLI/FIR that a remote peer sends to ``sender`` to ``on_request``.

    Stock aiortc only sets a flag read by its encoder, which passthrough never uses
    (``RTCRtpSender._handle_rtcp_packet`` looks ``_send_keyframe`` up on the instance).
    """
    sender._send_keyframe = on_request  # type: ignore[method-assign]


async def request_keyframe_upstream(receiver: RTCRtpReceiver) -> bool:
    """Send a PLI for every SSRC ``receiver`` currently receives. False when none is known yet."""
    sources = receiver.getSynchronizationSources()
    for source in sources:
        await receiver._send_rtcp_pli(source.source)
    return bool(sources)


# -- RTP level (the SFU) -------------------------------------------------------------------------

RtpCallback = Callable[[RtpPacket], None]


class _RtpTap:
    """Stands in for a receiver's jitter buffer: each packet goes to the callback, nothing waits
    for a complete frame. ``add`` is called by ``RTCRtpReceiver._handle_rtp_packet``."""

    __slots__ = ("_on_packet",)

    def __init__(self, on_packet: RtpCallback) -> None:
        self._on_packet = on_packet

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        self._on_packet(packet)
        return False, None  # no PLI from a jitter buffer, no frame to decode


def tap_rtp(receiver: RTCRtpReceiver, on_packet: RtpCallback) -> None:
    """Hand every RTP packet ``receiver`` accepts to ``on_packet`` instead of its jitter buffer.

    aiortc still decrypts, keeps receive statistics and RTCP reports, unwraps RTX and sends
    NACKs for the publisher; ``packet.payload`` is the original RTP payload. With
    :func:`~signaling.sfu.ingest.fast_ingest` on the peer connection, packets take ingest.py's
    synchronous path instead (same bookkeeping, fixed REMB) and reach ``on_packet`` directly."""
    if not hasattr(receiver, _MANGLED_JITTER):
        raise PassthroughUnavailable("RTCRtpReceiver has no __jitter_buffer (aiortc upgraded?)")
    setattr(receiver, _MANGLED_JITTER, _RtpTap(on_packet))
    attach_receiver(receiver, on_packet)  # the synchronous path, where fast_ingest is on


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


class PassthroughUnavailable(RuntimeError):
    """The aiortc internals the passthrough relies on are not there (aiortc was upgraded?)."""


@dataclass(frozen=True)
class PassthroughReport:
    ok: bool
    aiortc_version: str
    problems: tuple[str, ...] = field(default_factory=tuple)


def check_passthrough() -> PassthroughReport:
    """Report whether the hooks can work with the installed aiortc (static checks only).

    The behavioural guarantee (no decoder built, bit-identical forwarding) is asserted by the
    loopback tests; this is for start-up logs and ``/health``.
    """
    problems: list[str] = []
    version = aiortc.__version__
    if version != PINNED_AIORTC:
        problems.append(f"aiortc {version} installed, passthrough verified on {PINNED_AIORTC}")
    init_code = _original_init.__code__
    if _MANGLED_QUEUE not in init_code.co_names:
        problems.append("RTCRtpReceiver.__init__ no longer creates __decoder_queue")
    handle_names = RTCRtpReceiver._handle_rtp_packet.__code__.co_names
    if _MANGLED_QUEUE not in handle_names:
        problems.append("RTCRtpReceiver._handle_rtp_packet no longer feeds __decoder_queue")
    receive_names = RTCRtpReceiver.receive.__code__.co_names
    if "decoder_worker" not in receive_names:
        problems.append("RTCRtpReceiver.receive no longer starts decoder_worker")
    if not hasattr(RTCRtpReceiver, "_send_rtcp_pli"):
        problems.append("RTCRtpReceiver._send_rtcp_pli is gone (keyframe forwarding)")
    if "_send_keyframe" not in RTCRtpSender._handle_rtcp_packet.__code__.co_names:
        problems.append("RTCRtpSender._handle_rtcp_packet no longer calls _send_keyframe")
    if "pack" not in RTCRtpSender._next_encoded_frame.__code__.co_names:
        problems.append("RTCRtpSender no longer packs pre-encoded av.Packet input")
    # RTP-level forwarding (tap_rtp, RtpOutlet)
    if _MANGLED_JITTER not in init_code.co_names or "add" not in handle_names:
        problems.append("RTCRtpReceiver no longer feeds packets to __jitter_buffer.add")
    sender_init = RTCRtpSender.__init__.__code__.co_names
    for name in (*_SENDER_REPORT_FIELDS, "_ssrc", "_rtx_ssrc"):
        if name not in sender_init:
            problems.append(f"RTCRtpSender no longer has {name} (sender reports, RTX)")
    rtcp_names = RTCRtpSender._run_rtcp.__code__.co_names
    if not all(name in rtcp_names for name in _SENDER_REPORT_FIELDS):
        problems.append("RTCRtpSender sender reports no longer read the counters RtpOutlet keeps")
    if "_retransmit" not in RTCRtpSender._handle_rtcp_packet.__code__.co_names:
        problems.append("RTCRtpSender no longer answers NACKs through self._retransmit")
    if "send" not in _connect_names():
        problems.append("RTCPeerConnection no longer starts senders with sender.send(parameters)")
    dtls_names = RTCDtlsTransport._setup_srtp.__code__.co_names
    if "_tx_srtp" not in dtls_names or not hasattr(_DtlsState, "CONNECTED"):
        problems.append("RTCDtlsTransport no longer keeps _tx_srtp / State.CONNECTED")
    problems += check_consent_hooks()
    problems += check_ingest_hooks()
    problems += check_srtp_hooks()
    problems += check_report_hooks()
    installed = getattr(RTCRtpReceiver, _INSTALLED_FLAG, False)
    if installed and _receiver_module.decoder_worker is not _selective_decoder_worker:
        problems.append("decoder_worker hook was overwritten")
    return PassthroughReport(ok=not problems, aiortc_version=version, problems=tuple(problems))
