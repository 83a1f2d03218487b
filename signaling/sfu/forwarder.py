"""Fan-out of encoded frames: one :class:`Source` per publication, one :class:`SlotTrack` per slot.

A ``Source`` reads ``av.Packet``s (complete encoded frames, see passthrough.py) from a
publisher's remote track and offers each to the slot tracks subscribed to it. Each ``SlotTrack``
is the track of one subscriber's ``RTCRtpSender``; aiortc only re-packetizes what it returns.

Per slot:
- **keyframe gating**: a video slot forwards nothing from a source until that source's next
  keyframe (H.264 IDR/SPS, VP8 key frame), so a decoder never starts on a P-frame;
- **seamless switch**: switching a slot to another source keeps forwarding the old source until
  the new one's keyframe arrives, then cuts over; timestamps are rewritten so the subscriber sees
  one continuous stream (same SSRC, no renegotiation);
- **bounded queue**: at most ``max_queue`` frames wait for a slow subscriber; on overflow the
  queue is flushed, the slot waits for the next keyframe and asks the source for one.

Packets are shared between subscribers, never copied: ``recv`` sets the slot's ``pts`` on the
shared packet immediately before returning it, and aiortc packs it synchronously (no ``await``
between ``track.recv()`` and ``encoder.pack()`` in ``RTCRtpSender._next_encoded_frame``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from signaling.sfu.codecs import MeetingCodec
from signaling.sfu.keyframes import KeyframeRequester

logger = logging.getLogger(__name__)

VIDEO_FRAME_TICKS = 3000  # one frame at 30 fps in the 90 kHz clock: the gap inserted on a switch
AUDIO_FRAME_TICKS = 960  # 20 ms of Opus at 48 kHz
DEFAULT_VIDEO_QUEUE = 30  # frames (~1 s at 30 fps)
DEFAULT_AUDIO_QUEUE = 25  # packets (~0.5 s)


@dataclass
class PacketMeter:
    """Process-wide totals read by ``/metrics`` (signaling/metrics.py): encoded media packets
    (frames) received from publishers and forwarded to subscribers by this process's SFU."""

    received: int = 0
    forwarded: int = 0


METER = PacketMeter()


def is_keyframe(codec: MeetingCodec, data: bytes) -> bool:
    """True if an encoded video frame starts a decodable sequence (no decoding involved)."""
    if not data:
        return False
    if codec is MeetingCodec.VP8:
        return data[0] & 0x01 == 0
    index = data.find(b"\x00\x00\x01")
    while index != -1 and index + 3 < len(data):
        nal_type = data[index + 3] & 0x1F
        if nal_type in (5, 7):  # IDR slice, SPS
            return True
        index = data.find(b"\x00\x00\x01", index + 3)
    return False


@dataclass
class SlotStats:
    frames: int = 0
    keyframes_gated: int = 0  # frames dropped while waiting for a keyframe
    overflows: int = 0
    switches: int = 0


class Source:
    """One publication (a participant's audio or video) and its subscribers."""

    def __init__(
        self,
        participant_id: str,
        kind: str,
        codec: MeetingCodec,
        keyframes: KeyframeRequester | None,
    ) -> None:
        self.participant_id = participant_id
        self.kind = kind
        self.codec = codec
        self.keyframes = keyframes
        self.subscribers: set[SlotTrack] = set()
        self.enabled = True  # False while muted: packets are dropped at the SFU
        self.frames = 0
        self.keyframe_count = 0
        self._task: asyncio.Task[None] | None = None

    def start(self, track: MediaStreamTrack) -> None:
        self._task = asyncio.get_running_loop().create_task(self._pump(track))

    async def _pump(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                packet = await track.recv()
                if isinstance(packet, av.Packet):
                    self.dispatch(packet)
                else:
                    logger.error("source %s got a decoded frame: passthrough is off", self)
                    return
        except MediaStreamError:
            pass

    def dispatch(self, packet: av.Packet) -> None:
        self.frames += 1
        METER.received += 1
        if not self.enabled:
            return
        keyframe = True
        if self.kind == "video":
            keyframe = is_keyframe(self.codec, bytes(packet))
            if keyframe:
                self.keyframe_count += 1
                if self.keyframes is not None:
                    self.keyframes.keyframe_seen()
        for slot in tuple(self.subscribers):
            slot.offer(self, packet, keyframe)

    def request_keyframe(self) -> None:
        if self.keyframes is not None and self.kind == "video":
            self.keyframes.request()

    async def close(self) -> None:
        for slot in tuple(self.subscribers):
            slot.source_gone(self)
        if self.keyframes is not None:
            self.keyframes.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def __repr__(self) -> str:
        return f"Source({self.participant_id!r}, {self.kind})"


class SlotTrack(MediaStreamTrack):
    """The outgoing track of one subscriber slot; its source can change at any time."""

    def __init__(
        self,
        kind: str,
        name: str,
        *,
        max_queue: int | None = None,
        on_delivered: Callable[[SlotTrack, av.Packet], None] | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.name = name
        self.source: Source | None = None
        self.pending: Source | None = None
        self.stats = SlotStats()
        self._video = kind == "video"
        self._max_queue = max_queue or (DEFAULT_VIDEO_QUEUE if self._video else DEFAULT_AUDIO_QUEUE)
        self._queue: deque[tuple[av.Packet, int]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._waiting_keyframe = True
        self._offset = 0
        self._last_pts: int | None = None
        self._on_delivered = on_delivered

    # -- control (called by the room/layout) ---------------------------------------------

    @property
    def queue_length(self) -> int:
        return len(self._queue)

    @property
    def max_queue(self) -> int:
        return self._max_queue

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
            self.pending.subscribers.discard(self)
            self.pending = None
        if source is None:
            self._detach_current()
            self._queue.clear()
            return
        if not self._video or self.source is None:
            self._detach_current()
            self._attach(source)
            return
        self.pending = source  # keep showing the old source until the new one's keyframe
        source.subscribers.add(self)
        source.request_keyframe()

    def request_keyframe(self) -> None:
        """A keyframe request from the subscriber (its PLI/FIR) or from the room."""
        target = self.pending or self.source
        if target is not None:
            target.request_keyframe()

    def source_gone(self, source: Source) -> None:
        if source is self.pending:
            source.subscribers.discard(self)
            self.pending = None
        if source is self.source:
            self._detach_current()

    # -- data path (called by Source.dispatch) ---------------------------------------------

    def offer(self, source: Source, packet: av.Packet, keyframe: bool) -> None:
        if source is self.pending:
            if not keyframe:
                return
            self._detach_current()
            self.pending = None
            self._attach(source, subscribe=False)
        elif source is not self.source:
            source.subscribers.discard(self)
            return
        if self._waiting_keyframe:
            if not keyframe:
                self.stats.keyframes_gated += 1
                return
            self._waiting_keyframe = False
            if self._last_pts is not None:
                gap = VIDEO_FRAME_TICKS if self._video else AUDIO_FRAME_TICKS
                self._offset = self._last_pts + gap - packet.pts
        if len(self._queue) >= self._max_queue:
            self.stats.overflows += 1
            self._queue.clear()
            if self._video:
                self._waiting_keyframe = True
                source.request_keyframe()
                if not keyframe:
                    return
        out_pts = packet.pts + self._offset
        self._last_pts = out_pts
        self._queue.append((packet, out_pts))
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _attach(self, source: Source, *, subscribe: bool = True) -> None:
        self.source = source
        if subscribe:
            source.subscribers.add(self)
        self._waiting_keyframe = True
        if self._video:
            source.request_keyframe()

    def _detach_current(self) -> None:
        if self.source is not None:
            self.source.subscribers.discard(self)
            self.source = None
        self._waiting_keyframe = True

    # -- MediaStreamTrack -------------------------------------------------------------------

    async def recv(self) -> av.Packet:  # type: ignore[override]
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        packet, out_pts = self._queue.popleft()
        packet.pts = out_pts  # see module docstring: aiortc packs it before anyone else runs
        self.stats.frames += 1
        METER.forwarded += 1
        if self._on_delivered is not None:
            self._on_delivered(self, packet)
        return packet

    def stop(self) -> None:
        if self.pending is not None:
            self.pending.subscribers.discard(self)
            self.pending = None
        self._detach_current()
        self._queue.clear()
        super().stop()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
