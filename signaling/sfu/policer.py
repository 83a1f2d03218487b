"""Policing what a publisher sends (issue 22 item 2): each publication (a camera, a microphone, a
screen) has an ingest **budget** — packets per second and bits per second — and a publisher that
stops pacing cannot flood its subscribers.

Three steps, as a real SFU takes them (docs/media.md §2b):

1. **Cap.** The first second over budget lowers the REMB the SFU sends that publisher to half the
   budget's bitrate (a browser's encoder obeys at once); back to the normal cap after a second
   within budget.
2. **Drop.** Two token buckets (packets and bytes, one second deep) admit what the budget allows.
   Video is decided per **frame**: at the first packet of a frame, the whole frame passes or is
   dropped, never half of it. After a dropped frame the next frames depend on a missing one, so
   the source forwards nothing more until a keyframe starts (and asks for one, coalesced), as a
   slot does after a send-buffer drop. Dropped packets are taken out of the sequence numbers
   (like padding), so a subscriber sees a continuous stream that skips, not a loss to NACK.
3. **Disconnect.** ``abuse_after`` consecutive seconds at more than ``abuse_factor`` × the budget
   is abuse: the room drops that publisher's media and tells it why (``media_flood``).

Pure and clock-driven (``now`` is passed in): tests drive it without a network.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IngestBudget:
    """What one publication may send: packets per second and bits per second."""

    packets: float
    bitrate: float

    def __post_init__(self) -> None:
        if self.packets <= 0 or self.bitrate <= 0:
            raise ValueError("an ingest budget must be positive")


# A camera at full quality: the room asks for 1.5 Mbit/s, REMB caps at 4 Mbit/s; a screen share's
# keyframe is a burst. An Opus microphone: 50 packets/s, at most ~128 kbit/s.
VIDEO_BUDGET = IngestBudget(packets=1200.0, bitrate=6_000_000.0)
AUDIO_BUDGET = IngestBudget(packets=120.0, bitrate=256_000.0)


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    video: IngestBudget = VIDEO_BUDGET
    audio: IngestBudget = AUDIO_BUDGET
    abuse_factor: float = 3.0  # a second over this many budgets counts towards abuse
    abuse_after: int = 5  # consecutive abusive seconds before the media is disconnected

    def budget(self, kind: str) -> IngestBudget:
        return self.video if kind == "video" else self.audio


class Step(enum.Enum):
    """What the policer asks of the source after a second has been measured."""

    NONE = "none"
    CAP = "cap"  # over budget: lower the publisher's REMB
    UNCAP = "uncap"  # within budget again: the normal REMB
    DISCONNECT = "disconnect"  # sustained abuse


class IngestPolicer:
    """One publication's buckets and its per-second verdicts."""

    __slots__ = (
        "_abusive",
        "_bytes",
        "_frame_ok",
        "_last",
        "_packets",
        "_second",
        "_second_bytes",
        "_second_packets",
        "budget",
        "capped",
        "dropped",
        "policy",
        "step",
    )

    def __init__(self, budget: IngestBudget, policy: IngestPolicy, now: float) -> None:
        self.budget = budget
        self.policy = policy
        self._packets = budget.packets  # tokens: one second deep
        self._bytes = budget.bitrate / 8
        self._last = now
        self._frame_ok = True
        self._second = now
        self._second_packets = 0
        self._second_bytes = 0
        self._abusive = 0
        self.capped = False
        self.dropped = 0  # packets dropped so far
        self.step = Step.NONE  # the last step decided (read and reset by the source)

    def admit(self, size: int, frame_start: bool, now: float) -> bool:
        """Whether this packet (``size`` payload bytes) may be forwarded. ``frame_start``: the
        first packet of a frame (every audio packet is one)."""
        self._measure(size, now)
        budget = self.budget
        elapsed = now - self._last
        if elapsed > 0:
            self._last = now
            self._packets = min(budget.packets, self._packets + elapsed * budget.packets)
            self._bytes = min(budget.bitrate / 8, self._bytes + elapsed * budget.bitrate / 8)
        if frame_start:
            self._frame_ok = self._packets > 0 and self._bytes > 0
        if not self._frame_ok:
            self.dropped += 1
            return False
        # A frame admitted goes through whole: the buckets may go below zero by one frame.
        self._packets -= 1
        self._bytes -= size
        return True

    def _measure(self, size: int, now: float) -> None:
        if now - self._second < 1.0:
            self._second_packets += 1
            self._second_bytes += size
            return
        seconds = now - self._second
        pps = self._second_packets / seconds
        bps = self._second_bytes * 8 / seconds
        self._second, self._second_packets, self._second_bytes = now, 1, size
        over = pps > self.budget.packets or bps > self.budget.bitrate
        factor = self.policy.abuse_factor
        abusive = pps > factor * self.budget.packets or bps > factor * self.budget.bitrate
        self._abusive = self._abusive + 1 if abusive else 0
        if self._abusive >= self.policy.abuse_after:
            self.step = Step.DISCONNECT
        elif over and not self.capped:
            self.capped = True
            self.step = Step.CAP
        elif not over and self.capped:
            self.capped = False
            self.step = Step.UNCAP
