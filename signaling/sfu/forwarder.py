"""RTP fan-out: one :class:`Source` per publication, one :class:`SlotTrack` per subscriber slot.

A ``Source`` receives the publisher's RTP packets one by one (``Source.forward``, called by the
receiver tap of passthrough.py on the event-loop thread) and offers each to the slots subscribed
to it. A ``SlotTrack`` rewrites it into its own outgoing stream (rtprewrite.py) and sends it at
once through its sender's :class:`~signaling.sfu.outlet.RtpOutlet`: no frame reassembly, no
queue, no re-packetizing, no coroutine per packet.

Per slot:
- **keyframe gating**: a video slot forwards nothing from a source until a packet that starts a
  keyframe (H.264 SPS/IDR, VP8 key frame), so a decoder never starts on a P-frame;
- **seamless switch**: switching a slot to another source keeps forwarding the old source until
  the new one's keyframe starts, then cuts over; sequence numbers, timestamps (and VP8 picture
  IDs) continue where the old source stopped, so the subscriber sees one continuous stream
  (same SSRC, no renegotiation);
- **bounded**: nothing queues in the SFU. If a subscriber's socket is backed up (asyncio would
  buffer), the packet is dropped, the slot waits for the next keyframe and asks for one.

``SlotTrack`` is also the ``MediaStreamTrack`` of the slot's ``RTCRtpSender``: its ``recv()``
never yields a frame (the outlet sends instead), so the sender's own media loop stays idle.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket

from signaling.sfu.codecs import MeetingCodec
from signaling.sfu.downlink import OctetRate
from signaling.sfu.keyframes import KeyframeRequester
from signaling.sfu.outlet import RtpOutlet, abs_send_time, ntp_time
from signaling.sfu.policer import IngestPolicer, Step
from signaling.sfu.rtprewrite import StreamRewriter, keyframe_start

logger = logging.getLogger(__name__)

_LEVEL_BYTES = tuple(bytes((value,)) for value in range(256))
_SILENCE = _LEVEL_BYTES[127]
MAX_HELD = 400  # packets kept for a subscriber that is still connecting (~1 s of one stream)


@dataclass
class PacketMeter:
    """Process-wide totals read by ``/metrics`` (signaling/metrics.py): RTP packets received
    from publishers and forwarded to subscribers by this process's SFU."""

    received: int = 0
    forwarded: int = 0


METER = PacketMeter()


def is_keyframe(codec: MeetingCodec, data: bytes) -> bool:
    """True if a complete encoded video frame (Annex-B H.264 / VP8 frame) starts a decodable
    sequence. Used on the client side and by tests; the SFU itself looks at RTP packets."""
    if not data:
        return False
    if codec is MeetingCodec.VP8:
        return data[0] & 0x01 == 0
    index = data.find(b"\x00\x00\x01")
    while index != -1 and index + 3 < len(data):
        if data[index + 3] & 0x1F in (5, 7):  # IDR slice, SPS
            return True
        index = data.find(b"\x00\x00\x01", index + 3)
    return False


@dataclass
class SlotStats:
    packets: int = 0  # RTP packets sent
    frames: int = 0  # video: packets with the marker bit (last packet of a frame); audio: packets
    keyframes_gated: int = 0  # packets dropped while waiting for a keyframe
    backlog_drops: int = 0  # packets dropped because the subscriber's socket was backed up
    switches: int = 0
    paused_drops: int = 0  # packets not sent while the slot did not fit the subscriber's link
    pauses: int = 0


class Source:
    """One publication (a participant's audio or video) and its subscribers."""

    def __init__(
        self,
        participant_id: str,
        kind: str,
        codec: MeetingCodec,
        keyframes: KeyframeRequester | None,
        *,
        on_level: Callable[[int], None] | None = None,
    ) -> None:
        self.participant_id = participant_id
        self.kind = kind
        self.codec = codec
        self.keyframes = keyframes
        self.subscribers: set[SlotTrack] = set()
        self.enabled = True  # False while muted: packets are dropped at the SFU
        self.packets = 0  # RTP packets received (metrics hook: count here)
        self.octets = 0  # payload bytes admitted (its bitrate, for the downlink budgets) ...
        self.rate = OctetRate(last=None)  # ... sampled by the room once per link tick
        self.frames = 0
        self.keyframe_count = 0
        self._video = kind == "video"
        self._fanout: tuple[SlotTrack, ...] = ()
        self._on_level = on_level
        self._padding = 0  # packets not forwarded so far (their sequence numbers removed)
        # Ingest policing (policer.py): None = unpoliced; on_step gets its per-second steps.
        self.policer: IngestPolicer | None = None
        self.on_step: Callable[[Step], None] | None = None
        self._frame_done = True  # the previous packet ended a frame (marker bit)
        self._resync = False  # frames were dropped: forward again from a keyframe

    def subscribe(self, slot: SlotTrack) -> None:
        self.subscribers.add(slot)
        self._fanout = tuple(self.subscribers)

    def unsubscribe(self, slot: SlotTrack) -> None:
        self.subscribers.discard(slot)
        self._fanout = tuple(self.subscribers)

    def forward(self, packet: RtpPacket) -> None:
        """The forwarding path's one entry point: one RTP packet from the publisher."""
        self.packets += 1
        METER.received += 1
        payload = packet.payload
        if not payload:
            # Padding only (a browser probing bandwidth, on the media SSRC): not forwarded, and
            # its sequence number is taken out so subscribers see no gap they would wait for.
            self._padding = (self._padding + 1) & 0xFFFF
            return
        policer = self.policer
        if policer is not None and not self._police(policer, packet, len(payload)):
            self._padding = (self._padding + 1) & 0xFFFF  # dropped: no gap to NACK either
            return
        self.octets += len(payload)
        if self._video:
            self.frames += packet.marker
            keyframe = keyframe_start(self.codec, payload)
            if keyframe:
                self.keyframe_count += 1
                if self.keyframes is not None:
                    self.keyframes.keyframe_seen()
            if self._resync:
                if not keyframe:
                    self._padding = (self._padding + 1) & 0xFFFF
                    return
                self._resync = False
        seq = (packet.sequence_number - self._padding) & 0xFFFF
        if self._video:
            if not self.enabled or not self._fanout:
                return
            now = time.time()
            dynamic = abs_send_time(now)
        else:
            self.frames += 1
            level = packet.extensions.audio_level
            if level is not None and self._on_level is not None:
                self._on_level(level[1])
            if not self.enabled or not self._fanout:
                return
            keyframe = True
            now = time.time()
            dynamic = _LEVEL_BYTES[(level[0] << 7) | level[1]] if level else _SILENCE
        ntp = ntp_time(now)
        for slot in self._fanout:
            try:  # free in CPython 3.11 unless raised; one broken slot must not stop the rest
                slot.offer(self, packet, seq, keyframe, dynamic, now, ntp)
            except Exception:  # (an exception here would end the publisher's DTLS transport)
                logger.exception("forwarding %s to slot %s failed", self, slot.name)

    def _police(self, policer: IngestPolicer, packet: RtpPacket, size: int) -> bool:
        """The ingest budget's verdict on one packet (whole frames for video)."""
        frame_start = self._frame_done or not self._video
        self._frame_done = bool(packet.marker)
        admitted = policer.admit(size, frame_start, time.monotonic())
        if policer.step is not Step.NONE:
            step, policer.step = policer.step, Step.NONE
            if self.on_step is not None:
                self.on_step(step)
        if not admitted and self._video and not self._resync:
            self._resync = True  # later frames need the dropped one: wait for a keyframe
            self.request_keyframe()
        return admitted

    def request_keyframe(self) -> None:
        if self.keyframes is not None and self._video:
            self.keyframes.request()

    async def close(self) -> None:
        for slot in tuple(self.subscribers):
            slot.source_gone(self)
        if self.keyframes is not None:
            self.keyframes.close()

    def __repr__(self) -> str:
        return f"Source({self.participant_id!r}, {self.kind})"


class SlotTrack(MediaStreamTrack):
    """One subscriber slot: an outgoing stream whose source can change at any time."""

    def __init__(
        self,
        kind: str,
        name: str,
        codec: MeetingCodec = MeetingCodec.H264,
        outlet: RtpOutlet | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.name = name
        self.source: Source | None = None
        self.pending: Source | None = None
        self.stats = SlotStats()
        self.outlet = outlet
        self._video = kind == "video"
        self._waiting_keyframe = True
        self._rewriter = StreamRewriter(kind, codec, random.getrandbits(15), random.getrandbits(32))
        self._rewrites = self._rewriter.rewrites_payload
        self._stopped: asyncio.Future[None] | None = None
        self._held: list[tuple] = []
        self.paused = False  # the subscriber's link cannot carry it now (downlink.py)

    # -- control (called by the room/layout) ---------------------------------------------

    @property
    def showing(self) -> str | None:
        """The participant whose media this slot currently delivers (or is switching to)."""
        target = self.pending or self.source
        return target.participant_id if target else None

    def switch_to(self, source: Source | None) -> None:
        """Feed this slot from ``source`` (None: idle). No renegotiation: same sender, same SSRC."""
        if source is (self.pending or self.source):
            return
        self.stats.switches += 1
        if self.pending is not None:
            self.pending.unsubscribe(self)
            self.pending = None
        if source is None:
            self._detach_current()
            return
        if not self._video or self.source is None:
            self._detach_current()
            self._attach(source)
            return
        self.pending = source  # keep showing the old source until the new one's keyframe
        source.subscribe(self)
        source.request_keyframe()

    def set_paused(self, paused: bool) -> None:
        """Stop sending (the subscriber's link cannot carry this slot) or send again. Resuming
        restarts on a keyframe of the source, continuing the same sequence numbers and
        timestamps as a switch does."""
        if paused == self.paused:
            return
        self.paused = paused
        self._held.clear()
        self._waiting_keyframe = True
        if paused:
            self.stats.pauses += 1
        else:
            self.request_keyframe()

    def request_keyframe(self) -> None:
        """A keyframe request from the subscriber (its PLI/FIR) or from the room."""
        target = self.pending or self.source
        if target is not None:
            target.request_keyframe()

    def source_gone(self, source: Source) -> None:
        if source is self.pending:
            source.unsubscribe(self)
            self.pending = None
        if source is self.source:
            self._detach_current()

    # -- data path (called by Source.forward) ------------------------------------------------

    def offer(
        self,
        source: Source,
        packet: RtpPacket,
        seq: int,
        keyframe: bool,
        dynamic: bytes,
        now: float,
        ntp: int,
    ) -> None:
        if source is not self.source:
            if source is not self.pending:
                source.unsubscribe(self)
                return
            if not keyframe:
                return
            self._detach_current()  # cut over: the new source's keyframe starts here
            self.pending = None
            self._attach(source, subscribe=False)
        if self.paused:
            self.stats.paused_drops += 1
            return
        rewriter = self._rewriter
        if self._waiting_keyframe:
            if not keyframe:
                self.stats.keyframes_gated += 1
                return
            self._waiting_keyframe = False
            rewriter.restart(seq, packet.timestamp, now, packet.payload)
        out_seq = rewriter.sequence(seq)
        timestamp = rewriter.timestamp(packet.timestamp, now)
        payload = rewriter.payload(packet.payload) if self._rewrites else packet.payload
        outlet = self.outlet
        if outlet is None:
            return
        if self._held:  # the subscriber was still connecting when the keyframe came
            self._hold_or_flush(outlet, (packet.marker, out_seq, timestamp, payload, dynamic, ntp))
            return
        if outlet.send(packet.marker, out_seq, timestamp, payload, dynamic, ntp):
            self.stats.packets += 1
            self.stats.frames += packet.marker if self._video else 1
            METER.forwarded += 1
            return
        if not outlet.ready:  # not connected yet: keep this keyframe for when it is
            self._hold_or_flush(outlet, (packet.marker, out_seq, timestamp, payload, dynamic, ntp))
            return
        # The subscriber's socket buffer is full: its decoder must restart on a keyframe.
        self.stats.backlog_drops = outlet.dropped
        if self._video:
            self._waiting_keyframe = True
            source.request_keyframe()  # coalesced per source; gated packets ask no more

    def _hold_or_flush(self, outlet: RtpOutlet, item: tuple) -> None:
        """While the subscriber connects (ICE/DTLS) the slot keeps what it would have sent from
        the keyframe on — so the first picture needs no second keyframe request — and sends it
        all once connected. Bounded: past ``MAX_HELD`` packets it starts over on a keyframe."""
        self._held.append(item)
        if outlet.ready:
            held, self._held = self._held, []
            for marker, seq, timestamp, payload, dynamic, ntp in held:
                if outlet.send(marker, seq, timestamp, payload, dynamic, ntp):
                    self.stats.packets += 1
                    self.stats.frames += marker if self._video else 1
                    METER.forwarded += 1
        elif len(self._held) > MAX_HELD:
            self._held.clear()
            self._waiting_keyframe = True

    def _attach(self, source: Source, *, subscribe: bool = True) -> None:
        self.source = source
        if subscribe:
            source.subscribe(self)
        self._waiting_keyframe = True
        if self._video:
            source.request_keyframe()

    def _detach_current(self) -> None:
        self._held.clear()
        if self.source is not None:
            self.source.unsubscribe(self)
            self.source = None
        self._waiting_keyframe = True

    # -- MediaStreamTrack: the sender's own loop waits here; the outlet sends ------------------

    async def recv(self) -> None:  # type: ignore[override]
        if self.readyState == "live":
            self._stopped = asyncio.get_running_loop().create_future()
            await self._stopped
        raise MediaStreamError

    def stop(self) -> None:
        if self.pending is not None:
            self.pending.unsubscribe(self)
            self.pending = None
        self._detach_current()
        super().stop()
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)
