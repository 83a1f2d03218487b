"""Rate limits: a token bucket for messages, a failure counter for authentication."""

from __future__ import annotations

import enum
from collections import OrderedDict, deque
from collections.abc import Callable


class TokenBucket:
    """``rate`` messages per second on average, bursts of up to ``burst``."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = float(burst)
        self._now = now
        self._tokens = float(burst)
        self._at = now()

    def take(self) -> bool:
        """Spend one token; False (and nothing spent) when the bucket is empty."""
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Verdict(enum.Enum):
    GO = "go"  # handle the message
    SLOW_DOWN = "slow_down"  # drop it and say ``rate_limited`` (once per burst)
    DROP = "drop"  # drop it silently
    FLOOD = "flood"  # say ``flood`` and close the socket (4429)


class MessageThrottle:
    """One socket's client messages (the room's and the session socket's alike): a token
    bucket, and a strike for each message over it. The first strike is told to slow down; past
    ``flood_strikes`` the socket is closed. Each message let through forgives one strike, so a
    burst fades away and a sustained flood keeps growing."""

    def __init__(self, rate: float, burst: int, flood_strikes: int, now: Callable[[], float]):
        self._bucket = TokenBucket(rate, burst, now)
        self._flood = flood_strikes
        self._strikes = 0

    def check(self) -> Verdict:
        if not self._bucket.take():
            self._strikes += 1
            if self._strikes > self._flood:
                return Verdict.FLOOD
            return Verdict.SLOW_DOWN if self._strikes == 1 else Verdict.DROP
        self._strikes = max(0, self._strikes - 1)
        return Verdict.GO


class FailureCounter:
    """Failed attempts per key (a client address) in a sliding window; bounded memory.

    After ``limit`` failures within ``window`` seconds the key is refused until the oldest of
    them leaves the window. At most ``max_keys`` keys are tracked (least recently failed dropped).
    """

    def __init__(
        self, limit: int, window: float, now: Callable[[], float], *, max_keys: int = 10_000
    ) -> None:
        self.limit = limit
        self.window = window
        self._now = now
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        horizon = self._now() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def blocked(self, key: str) -> bool:
        return len(self._recent(key)) >= self.limit

    def fail(self, key: str) -> None:
        times = self._recent(key)
        times.append(self._now())
        self._failures[key] = times
        self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)
