"""Rate limits: a token bucket for messages, a failure counter for authentication."""

from __future__ import annotations

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
