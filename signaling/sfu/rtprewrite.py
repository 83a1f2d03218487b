"""RTP-level forwarding rules on plain bytes: keyframe starts, and one continuous outgoing stream.

The SFU forwards each publisher's RTP packets as they arrive (no depacketizing, no jitter
buffer, no re-packetizing). A subscriber slot is one outgoing stream (one SSRC) whose source can
change; :class:`StreamRewriter` keeps it continuous the way Janus VideoRoom does:

- **sequence numbers**: ``out = in + offset``; at a cut-over to a new source the offset is chosen
  so the new source's first packet follows the last packet sent, so the subscriber sees no gap
  (and a real upstream loss still shows as a gap it can NACK);
- **timestamps**: the same, with the time that passed since the last packet sent (at least one
  frame / one audio packet) as the step, so jitter and lip-sync estimates stay sane;
- **VP8 picture IDs**: rewritten the same way after a switch (libwebrtc tracks frames by them).

Nothing here knows aiortc: the functions take ``bytes`` and ints (aiortc specifics live in
``passthrough.py``).
"""

from __future__ import annotations

import struct

from signaling.sfu.codecs import MeetingCodec

VIDEO_CLOCK = 90_000
AUDIO_CLOCK = 48_000
MIN_VIDEO_STEP = 3000  # one frame at 30 fps in the 90 kHz clock
MIN_AUDIO_STEP = 960  # 20 ms of Opus at 48 kHz

_H264_KEY_NALS = (5, 7)  # IDR slice, SPS
_STAP_A = 24
_FU_A = 28


def h264_keyframe_start(payload: bytes) -> bool:
    """True if an H.264 RTP payload (RFC 6184) starts a decodable picture: it carries an SPS or
    the first fragment of an IDR slice (single NAL, STAP-A aggregate, FU-A start)."""
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type in _H264_KEY_NALS:
        return True
    if nal_type == _FU_A:
        return len(payload) > 1 and payload[1] & 0x80 != 0 and payload[1] & 0x1F in _H264_KEY_NALS
    if nal_type == _STAP_A:
        index, end = 1, len(payload)
        while index + 2 < end:
            if payload[index + 2] & 0x1F in _H264_KEY_NALS:
                return True
            index += 2 + ((payload[index] << 8) | payload[index + 1])
    return False


def vp8_descriptor(payload: bytes) -> tuple[int, int, int]:
    """``(header length, picture-id offset or -1, picture-id width in bytes)`` of a VP8 payload
    descriptor (RFC 7741 §4.2). Raises ``IndexError`` on a truncated descriptor."""
    index = 1
    pid_at, pid_width = -1, 0
    if payload[0] & 0x80:  # X: extension byte follows
        extension = payload[1]
        index = 2
        if extension & 0x80:  # I: picture id
            pid_at = index
            pid_width = 2 if payload[index] & 0x80 else 1
            index += pid_width
        if extension & 0x40:  # L: TL0PICIDX
            index += 1
        if extension & 0x30:  # T or K: TID/KEYIDX byte
            index += 1
    return index, pid_at, pid_width


def vp8_keyframe_start(payload: bytes) -> bool:
    """True if a VP8 RTP payload is the first packet of a key frame (S=1, PID=0, P bit clear)."""
    if len(payload) < 2 or payload[0] & 0x17 != 0x10:  # S set, partition index 0
        return False
    try:
        index, _, _ = vp8_descriptor(payload)
        return payload[index] & 0x01 == 0
    except IndexError:
        return False


def keyframe_start(codec: MeetingCodec, payload: bytes) -> bool:
    if codec is MeetingCodec.VP8:
        return vp8_keyframe_start(payload)
    return h264_keyframe_start(payload)


class StreamRewriter:
    """Sequence number / timestamp / VP8 picture-id continuity for one outgoing stream.

    ``restart`` is called on the first packet forwarded from a (new) source; ``sequence`` and
    ``timestamp`` then map every packet of that source.
    """

    __slots__ = (
        "_clock",
        "_min_step",
        "_pid_last",
        "_pid_offset",
        "_vp8",
        "last_seq",
        "last_time",
        "last_ts",
        "rewrites_payload",
        "seq_offset",
        "ts_offset",
    )

    def __init__(self, kind: str, codec: MeetingCodec, initial_seq: int, initial_ts: int) -> None:
        video = kind == "video"
        self._clock = VIDEO_CLOCK if video else AUDIO_CLOCK
        self._min_step = MIN_VIDEO_STEP if video else MIN_AUDIO_STEP
        self._vp8 = video and codec is MeetingCodec.VP8
        self.rewrites_payload = self._vp8  # False: ``payload`` returns its argument
        self.seq_offset = 0
        self.ts_offset = 0
        self.last_seq = (initial_seq - 1) & 0xFFFF  # the first packet gets initial_seq
        self.last_ts = (initial_ts - self._min_step) & 0xFFFFFFFF
        self.last_time: float | None = None
        self._pid_offset = 0
        self._pid_last: int | None = None

    def restart(self, seq: int, timestamp: int, now: float, payload: bytes = b"") -> None:
        """Continue the outgoing stream with a source whose next packet is ``seq``/``timestamp``."""
        self.seq_offset = (self.last_seq + 1 - seq) & 0xFFFF
        step = self._min_step
        if self.last_time is not None:
            step = max(step, int((now - self.last_time) * self._clock))
        self.ts_offset = (self.last_ts + step - timestamp) & 0xFFFFFFFF
        if self._vp8 and self._pid_last is not None:
            pid = _vp8_picture_id(payload)
            if pid is not None:
                self._pid_offset = (self._pid_last + 1 - pid) & 0x7FFF

    def sequence(self, seq: int) -> int:
        out = (seq + self.seq_offset) & 0xFFFF
        if (out - self.last_seq) & 0xFFFF < 0x8000:  # newer (not a late/reordered packet)
            self.last_seq = out
        return out

    def timestamp(self, timestamp: int, now: float) -> int:
        out = (timestamp + self.ts_offset) & 0xFFFFFFFF
        if (out - self.last_ts) & 0xFFFFFFFF < 0x80000000:
            self.last_ts = out
        self.last_time = now
        return out

    def payload(self, payload: bytes) -> bytes:
        """The payload to send: unchanged, except VP8 picture IDs after a switch."""
        if not self._vp8:
            return payload
        try:
            _, at, width = vp8_descriptor(payload)
        except IndexError:
            return payload
        if at < 0:
            return payload
        if width == 2:
            pid = ((payload[at] & 0x7F) << 8) | payload[at + 1]
            out = (pid + self._pid_offset) & 0x7FFF
            self._pid_last = out
            if not self._pid_offset:
                return payload
            return payload[:at] + struct.pack("!H", 0x8000 | out) + payload[at + 2 :]
        pid = payload[at] & 0x7F
        out = (pid + self._pid_offset) & 0x7F
        self._pid_last = out
        if not self._pid_offset:
            return payload
        return payload[:at] + bytes((out,)) + payload[at + 1 :]


def _vp8_picture_id(payload: bytes) -> int | None:
    try:
        _, at, width = vp8_descriptor(payload)
    except IndexError:
        return None
    if at < 0:
        return None
    if width == 2:
        return ((payload[at] & 0x7F) << 8) | payload[at + 1]
    return payload[at] & 0x7F
