"""Media for room clients, tests and the benchmark: encoded clips and the tracks that play them.

- :func:`write_test_clip` encodes a synthetic clip with PyAV (libx264 / libvpx ship in its wheel):
  a solid colour per participant with a moving bar, Annex-B H.264 Constrained Baseline (SPS/PPS
  repeated on every IDR) or VP8 in IVF.
- :class:`EncodedClip` demuxes such a file (or any raw .h264 / .ivf / .ts) into access units.
- :class:`ClipTrack` plays a clip as ``av.Packet``s in real time with monotonic timestamps (aiortc
  only packetizes them); :meth:`ClipTrack.request_keyframe` makes the next packet a keyframe, so
  a forwarded PLI is answered at once, like a real encoder.
- :class:`ToneTrack` is live audio that aiortc encodes to Opus itself, so its RTP packets carry
  the audio-level header the SFU uses for active-speaker detection.
"""

from __future__ import annotations

import asyncio
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack

from signaling.sfu.codecs import MeetingCodec
from signaling.sfu.forwarder import is_keyframe

VIDEO_CLOCK = 90000


def _yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = int(0.257 * r + 0.504 * g + 0.098 * b + 16)
    u = int(-0.148 * r - 0.291 * g + 0.439 * b + 128)
    v = int(0.439 * r - 0.368 * g - 0.071 * b + 128)
    return y, u, v


def synthetic_frame(
    width: int, height: int, rgb: tuple[int, int, int], index: int, *, noise: bool = False
) -> av.VideoFrame:
    """A solid ``rgb`` frame with a moving white bar (so every frame differs); with ``noise``
    the lower half is random grain, so the encoder really spends its bitrate (benchmarks)."""
    y, u, v = _yuv(rgb)
    frame = av.VideoFrame(width, height, "yuv420p")
    bar = (index * 4) % width
    luma = frame.planes[0]
    row = bytearray([y]) * luma.line_size
    for x in range(bar, min(bar + 8, width)):
        row[x] = 235
    rows = bytes(row) * height
    if noise:
        half = (height // 2) * luma.line_size
        rows = rows[:half] + os.urandom(len(rows) - half)
    luma.update(rows)
    for plane, value in ((frame.planes[1], u), (frame.planes[2], v)):
        plane.update(bytes([value]) * plane.buffer_size)
    return frame


def write_test_clip(
    path: Path,
    *,
    codec: MeetingCodec = MeetingCodec.H264,
    rgb: tuple[int, int, int] = (200, 40, 40),
    seconds: float = 3.0,
    width: int = 320,
    height: int = 180,
    fps: int = 30,
    gop: int = 300,
    bitrate: int = 300_000,
    noise: bool = False,
) -> Path:
    """Encode a synthetic clip into ``path`` (.h264 Annex-B or .ivf VP8) and return the path."""
    container = av.open(str(path), "w", format="h264" if codec is MeetingCodec.H264 else "ivf")
    if codec is MeetingCodec.H264:
        stream = container.add_stream(
            "libx264",
            rate=fps,
            options={
                "preset": "ultrafast",
                "tune": "zerolatency",
                "profile": "baseline",
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:repeat-headers=1",
            },
        )
    else:
        stream = container.add_stream(
            "libvpx", rate=fps, options={"deadline": "realtime", "g": str(gop), "cpu-used": "8"}
        )
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.bit_rate = bitrate
    for index in range(int(seconds * fps)):
        frame = synthetic_frame(width, height, rgb, index, noise=noise)
        frame.pts = index
        frame.time_base = Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()
    return path


@dataclass(frozen=True)
class AccessUnit:
    data: bytes
    keyframe: bool


class EncodedClip:
    """The access units of an encoded video file, kept in memory (clips are small)."""

    def __init__(self, units: list[AccessUnit], fps: float, codec: MeetingCodec) -> None:
        if not units or not any(u.keyframe for u in units):
            raise ValueError("the clip has no keyframe")
        self.units = units
        self.fps = fps
        self.codec = codec

    @classmethod
    def load(
        cls, path: Path, codec: MeetingCodec | None = None, fps: float | None = None
    ) -> EncodedClip:
        """Demux ``path``. A raw .h264 stream has no frame rate (FFmpeg assumes 25): pass ``fps``
        or get 30."""
        suffix = path.suffix.lower()
        if codec is None:
            codec = MeetingCodec.VP8 if suffix in (".ivf", ".webm") else MeetingCodec.H264
        fmt = "h264" if suffix in (".h264", ".264") else None
        units: list[AccessUnit] = []
        with av.open(str(path), format=fmt) as container:
            stream = container.streams.video[0]
            rate = fps or (
                30 if fmt == "h264" else stream.average_rate or stream.guessed_rate or 30
            )
            for packet in container.demux(stream):
                data = bytes(packet)
                if not data:
                    continue
                if codec is MeetingCodec.H264:
                    data = _strip_aud(data)
                units.append(AccessUnit(data, is_keyframe(codec, data)))
        return cls(units, float(rate), codec)


def _strip_aud(data: bytes) -> bytes:
    """Drop H.264 access unit delimiters (NAL 9) that MPEG-TS muxers add."""
    if b"\x00\x00\x01\x09" not in data:
        return data
    out = bytearray()
    for nal in data.split(b"\x00\x00\x00\x01"):
        if nal and nal[0] & 0x1F != 9:
            out += b"\x00\x00\x00\x01" + nal
    return bytes(out)


class ClipTrack(MediaStreamTrack):
    """Plays an :class:`EncodedClip` in a loop as paced ``av.Packet``s (no encoding)."""

    kind = "video"

    def __init__(self, clip: EncodedClip, *, start: int = 0) -> None:
        super().__init__()
        self.clip = clip
        self._index = start % len(clip.units)
        self._sent = 0
        self._start: float | None = None
        self._keyframe_wanted = False
        self._started_on_key = False
        self.keyframe_requests = 0
        self.keyframes_sent = 0

    def request_keyframe(self) -> None:
        """Answer a PLI: the next packet sent is the clip's next keyframe (sent without delay)."""
        self.keyframe_requests += 1
        self._keyframe_wanted = True

    def _next_keyframe_index(self) -> int:
        units = self.clip.units
        for step in range(len(units)):
            index = (self._index + step) % len(units)
            if units[index].keyframe:
                return index
        return self._index

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
            self._keyframe_wanted = True  # a decoder can only start on a keyframe
        else:
            due = self._start + self._sent / self.clip.fps
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        if self._keyframe_wanted:
            self._index = self._next_keyframe_index()
            self._keyframe_wanted = False
        unit = self.clip.units[self._index]
        self._index = (self._index + 1) % len(self.clip.units)
        packet = av.Packet(unit.data)
        packet.pts = round(self._sent * VIDEO_CLOCK / self.clip.fps)
        packet.time_base = Fraction(1, VIDEO_CLOCK)
        self._sent += 1
        if unit.keyframe:
            self.keyframes_sent += 1
        return packet


def encode_opus_clip(seconds: float = 2.0, frequency: float = 440.0) -> list[bytes]:
    """Opus packets (20 ms each, ~32 kbit/s) of a tone, encoded with PyAV's libopus."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "mono", "s16"
    encoder.bit_rate = 32000
    packets: list[bytes] = []
    per_frame = 960
    for index in range(int(seconds * 50)):
        samples = bytearray()
        for i in range(per_frame):
            t = (index * per_frame + i) / 48000
            samples += int(6000 * math.sin(2 * math.pi * frequency * t)).to_bytes(
                2, "little", signed=True
            )
        frame = av.AudioFrame(format="s16", layout="mono", samples=per_frame)
        frame.sample_rate = 48000
        frame.pts = index * per_frame
        frame.planes[0].update(bytes(samples))
        packets += [bytes(p) for p in encoder.encode(frame)]
    packets += [bytes(p) for p in encoder.encode(None)]
    return [p for p in packets if p]


class OpusClipTrack(MediaStreamTrack):
    """Plays pre-encoded Opus packets every 20 ms (no encoding; no audio-level header)."""

    kind = "audio"

    def __init__(self, packets: list[bytes]) -> None:
        super().__init__()
        self._packets = packets
        self._sent = 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        delay = self._start + self._sent * 0.02 - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self._packets[self._sent % len(self._packets)])
        packet.pts = self._sent * 960
        packet.time_base = Fraction(1, 48000)
        self._sent += 1
        return packet


class ToneTrack(AudioStreamTrack):
    """Live audio: a tone (``loud``) or silence, encoded to Opus by aiortc (sets audio level)."""

    def __init__(self, *, loud: bool = False, frequency: float = 440.0) -> None:
        super().__init__()
        self.loud = loud
        self._frequency = frequency
        self._samples = 0

    async def recv(self) -> av.AudioFrame:  # type: ignore[override]
        frame = await super().recv()  # paced 20 ms of silence, s16 mono 48 kHz
        if self.loud:
            count = frame.samples
            amplitude = 8000
            rate = frame.sample_rate
            samples = bytearray()
            for i in range(count):
                value = int(
                    amplitude * math.sin(2 * math.pi * self._frequency * (self._samples + i) / rate)
                )
                samples += value.to_bytes(2, "little", signed=True)
            frame.planes[0].update(bytes(samples))
        self._samples += frame.samples
        return frame
