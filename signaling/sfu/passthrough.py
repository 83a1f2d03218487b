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
Sibling modules hold the SFU's other hooks, one job each: outlet.py (``RtpOutlet``: the send
path, RTP header from a template, SRTP and ``sendto`` on the spot, NACKs from its own history),
ingest.py (the synchronous receive path and the fixed REMB cap), srtp.py (libsrtp without
pylibsrtp's per-call wrapper), reports.py (one compound RTCP sender report per subscriber
connection), consent.py.

All of it depends on private names, so aiortc is pinned (requirements.txt) and
:func:`check_passthrough` plus ``tests/signaling/test_passthrough.py`` fail loudly if an
upgrade moves them.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import aiortc
import av
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc.rtp import RtpPacket

from signaling.sfu.codecs import check_codec_hooks
from signaling.sfu.consent import check_consent_hooks
from signaling.sfu.ingest import attach_receiver, check_ingest_hooks
from signaling.sfu.outlet import check_outlet_hooks
from signaling.sfu.reports import check_report_hooks
from signaling.sfu.srtp import check_srtp_hooks

PINNED_AIORTC = "1.16.0"
_MANGLED_QUEUE = "_RTCRtpReceiver__decoder_queue"
_INSTALLED_FLAG = "_ecabinet_passthrough_installed"
_MANGLED_JITTER = "_RTCRtpReceiver__jitter_buffer"

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
    problems += check_outlet_hooks()
    problems += check_consent_hooks()
    problems += check_ingest_hooks()
    problems += check_srtp_hooks()
    problems += check_report_hooks()
    problems += check_codec_hooks()
    installed = getattr(RTCRtpReceiver, _INSTALLED_FLAG, False)
    if installed and _receiver_module.decoder_worker is not _selective_decoder_worker:
        problems.append("decoder_worker hook was overwritten")
    return PassthroughReport(ok=not problems, aiortc_version=version, problems=tuple(problems))
