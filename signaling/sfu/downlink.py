"""What one subscriber's link can carry, and which of its video slots fit in it.

The SFU forwards every publication at the one bitrate its publisher sends, so a site on a
narrow or lossy link cannot be sent everything its layout shows. Per subscriber connection:

- :class:`DownlinkEstimate` combines what the subscriber reports: its **REMB** (the delay-based
  estimate of a browser or aiortc receiver, which grows to about 1.5× what it receives) and
  the **loss** and **round-trip time** of its RTCP receiver reports. It keeps a loss-based
  estimate the way libwebrtc's sender side does (GCC, draft-ietf-rmcat-gcc §6): over 10 % loss
  it falls to what got through; under 2 % it grows 8 % a second; a REMB below what is being
  sent, twice in a row and borne out by loss or a growing round-trip time, is a ceiling.
- :func:`allocate` splits that estimate by priority — **audio first** (always kept: it is a
  reserve, never cut), then the **main** video, then the **second**, then the **thumbnails** in
  page order — into the video slots that stay on. What does not fit is paused (the SFU drops its
  packets and resumes on a keyframe). With no video at all the site still hears the meeting and
  follows the presented page, which travels over signaling, and the room says so.
- :class:`DownlinkControl` is the state between ticks: one step up at a time, and only after the
  link has been quiet for a hold time that doubles each time a step up causes congestion
  (3 s, 6 s, … 30 s), so a weak link is not flooded every second.

Pure: no aiortc, no I/O; the room feeds it RTCP and ticks it (room.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

AUDIO_RESERVE_BPS = 48_000  # one Opus stream with FEC and headers; per audio slot in use
LOSS_HIGH = 0.10  # above: congestion, the estimate falls to what got through
LOSS_LOW = 0.02  # below: the estimate may grow
GROWTH_PER_SECOND = 1.08
REMB_CEILING = 0.85  # a REMB below this share of what is sent is congestion
FEEDBACK_FRESH = 3.0  # seconds a REMB or a receiver report counts
REMB_PERSISTS = 2  # updates in a row a low REMB must last, and it must be borne out by loss or
# by a queue (RTT up by QUEUE_DELAY over the lowest seen): a delay-based estimate also dips when
# the receiver's own event loop lags, and aiortc's is coarse at low rates
QUEUE_DELAY = 0.1  # seconds of RTT over the link's lowest: packets wait in a queue
INITIAL_BPS = 10_000_000  # unknown link: everything on, then adapt
MAX_BPS = 20_000_000
MIN_BPS = 30_000
HOLD_INITIAL = 3.0  # seconds quiet before a step up
HOLD_MAX = 30.0
FAILED_STEP = 4.0  # congestion this soon after a step up: that step failed, hold doubles
HEADROOM = 0.9  # slots are planned to fill this share of the estimate


@dataclass
class DownlinkEstimate:
    """The estimate of one subscriber connection's downlink (bits per second)."""

    bps: float = INITIAL_BPS
    remb_bps: float | None = None
    remb_at: float = -1e9
    loss: float = 0.0  # fraction lost in the latest receiver report (worst stream)
    loss_at: float = -1e9
    rtt: float | None = None  # seconds
    min_rtt: float | None = None
    sending_bps: float = 0.0
    _updated: float | None = None
    _remb_low: int = 0

    def on_remb(self, bps: float, now: float) -> None:
        self.remb_bps, self.remb_at = float(bps), now

    def on_report(self, fraction_lost: int, rtt: float | None, now: float) -> None:
        """One receiver report block: ``fraction_lost`` as RTCP carries it (0–255)."""
        loss = max(0, min(255, fraction_lost)) / 256
        # one compound report carries a block per stream: keep the worst block of one report
        self.loss = loss if now - self.loss_at > 0.2 else max(self.loss, loss)
        self.loss_at = now
        if rtt is not None and rtt >= 0:
            self.rtt = rtt if self.rtt is None else 0.8 * self.rtt + 0.2 * rtt
            self.min_rtt = rtt if self.min_rtt is None else min(self.min_rtt, rtt)

    @property
    def queueing(self) -> bool:
        """The round-trip time has grown well over the link's own: a queue is building."""
        return (
            self.rtt is not None
            and self.min_rtt is not None
            and self.rtt >= self.min_rtt + QUEUE_DELAY
        )

    def update(self, sending_bps: float, now: float) -> bool:
        """Fold in what was sent since the last update; True if the link is congested now."""
        self.sending_bps = sending_bps
        elapsed = 1.0 if self._updated is None else max(0.0, now - self._updated)
        self._updated = now
        congested = False
        fresh_loss = now - self.loss_at <= FEEDBACK_FRESH
        if fresh_loss and self.loss > LOSS_HIGH and sending_bps > 0:
            self.bps = min(self.bps, sending_bps * (1 - 0.5 * self.loss))
            congested = True
        remb = self.remb_bps if now - self.remb_at <= FEEDBACK_FRESH else None
        borne_out = (fresh_loss and self.loss >= LOSS_LOW) or self.queueing
        low = remb is not None and sending_bps > 0 and remb < REMB_CEILING * sending_bps
        if low and borne_out and remb is not None:
            self._remb_low += 1
            if self._remb_low >= REMB_PERSISTS:
                self.bps = min(self.bps, remb)
                congested = True
        else:
            self._remb_low = 0
        if not congested and (not fresh_loss or self.loss < LOSS_LOW):
            self.bps *= GROWTH_PER_SECOND ** min(elapsed, 2.0)
        self.bps = max(MIN_BPS, min(MAX_BPS, self.bps))
        return congested


@dataclass
class OctetRate:
    """Bits per second from a growing byte counter, sampled once per tick. ``last`` None: the
    first sample only starts the count (it returns 0)."""

    last: int | None = 0

    def sample(self, total: int, elapsed: float) -> float:
        last = total if self.last is None else self.last
        self.last = total
        return max(0, total - last) * 8 / elapsed


@dataclass(frozen=True)
class Allocation:
    on: tuple[str, ...]  # video slots forwarded
    paused: tuple[str, ...]  # video slots that do not fit
    audio_only: bool  # a video is shown but none fits: audio and the presented page only


def priority(slots: Sequence[str]) -> list[str]:
    """Video slots in the order they get bandwidth: main, second, then thumbnails by index."""

    def rank(slot: str) -> tuple[int, int]:
        if slot == "main":
            return (0, 0)
        if slot == "second":
            return (1, 0)
        digits = "".join(c for c in slot if c.isdigit())
        return (2, int(digits) if digits else 0)

    return sorted(slots, key=rank)


def allocate(
    budget_bps: float, audio_slots: int, video: Mapping[str, float], limit: int | None = None
) -> Allocation:
    """Which of ``video`` (slot → its source's bitrate, only slots showing something) fit in
    ``budget_bps`` after the audio reserve: each in priority order takes its share if it fits,
    so a lower slot only ever gets what the higher ones left; at most ``limit`` of them."""
    room = budget_bps * HEADROOM - audio_slots * AUDIO_RESERVE_BPS
    on: list[str] = []
    ordered = priority(list(video))
    for slot in ordered:
        if limit is not None and len(on) >= limit:
            break
        if video[slot] > room:
            continue  # it does not fit; a smaller, lower one still may (what is left over)
        room -= video[slot]
        on.append(slot)
    paused = tuple(s for s in ordered if s not in on)
    return Allocation(tuple(on), paused, audio_only=bool(video) and not on)


@dataclass
class DownlinkControl:
    """One subscriber's estimate and the slots it keeps on, between ticks."""

    estimate: DownlinkEstimate = field(default_factory=DownlinkEstimate)
    allocation: Allocation = field(default_factory=lambda: Allocation((), (), False))
    hold: float = HOLD_INITIAL
    _quiet_since: float | None = None
    _stepped_up_at: float = -1e9

    def tick(
        self, sending_bps: float, audio_slots: int, video: Mapping[str, float], now: float
    ) -> Allocation:
        """Re-plan with what was sent since the last tick; returns the allocation to apply."""
        congested = self.estimate.update(sending_bps, now)
        if congested:
            self._quiet_since = None
            if now - self._stepped_up_at < FAILED_STEP:
                self.hold = min(HOLD_MAX, self.hold * 2)
            self._stepped_up_at = -1e9
        elif self._quiet_since is None:
            self._quiet_since = now
        best = allocate(self.estimate.bps, audio_slots, video)
        current = [s for s in self.allocation.on if s in video]
        if len(best.on) > len(current) and current == list(best.on[: len(current)]):
            # a step up: one slot at a time, after the hold
            quiet = self._quiet_since is not None and now - self._quiet_since >= self.hold
            first = not self.allocation.on and not self.allocation.paused
            if first:
                chosen = best
            elif quiet:
                chosen = allocate(self.estimate.bps, audio_slots, video, len(current) + 1)
                self._stepped_up_at = now
                self._quiet_since = now
            else:
                chosen = allocate(self.estimate.bps, audio_slots, video, len(current))
        else:
            chosen = best
        if self._quiet_since is not None and now - self._quiet_since >= HOLD_MAX:
            self.hold = HOLD_INITIAL  # stable for long: forget earlier failures
        self.allocation = chosen
        return chosen
