"""Keyframe requests towards one source, coalesced (never dropped).

Every new subscriber, every slot switch, every subscriber PLI and every queue overflow asks the
source for a keyframe. Sending each as a PLI would make the publisher emit a storm of IDR frames,
so requests are coalesced: at most one PLI per ``min_interval`` seconds; a request that arrives
inside the interval is not dropped but scheduled for the end of it (one pending at most). A
keyframe that arrives by itself satisfies everything asked before it, so the pending PLI is
cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

DEFAULT_MIN_INTERVAL = 0.4


class KeyframeRequester:
    def __init__(
        self,
        send_pli: Callable[[], Awaitable[bool]],
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._send_pli = send_pli
        self._min_interval = min_interval
        self._loop = loop or asyncio.get_running_loop()
        self._last_sent: float | None = None
        self._pending: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0  # PLIs actually sent upstream
        self.requested = 0  # requests received (before coalescing)

    def request(self) -> None:
        """Ask for a keyframe as soon as the rate limit allows."""
        self.requested += 1
        if self._pending is not None:
            return  # already scheduled: coalesced into it
        now = self._loop.time()
        if self._last_sent is None or now - self._last_sent >= self._min_interval:
            self._fire()
        else:
            delay = self._last_sent + self._min_interval - now
            self._pending = self._loop.call_later(delay, self._fire)

    def keyframe_seen(self) -> None:
        """A keyframe went through: requests made so far are satisfied."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def close(self) -> None:
        self.keyframe_seen()
        for task in self._tasks:
            task.cancel()

    def _fire(self) -> None:
        self._pending = None
        self._last_sent = self._loop.time()
        task = self._loop.create_task(self._send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self) -> None:
        try:
            if await self._send_pli():
                self.sent += 1
            else:
                # The source has not sent a packet yet (no SSRC known): retry after the interval.
                self._last_sent = self._loop.time()
                if self._pending is None:
                    self._pending = self._loop.call_later(self._min_interval, self._fire)
        except ConnectionError:
            pass
        except Exception:  # a broken source must not take the room down
            logger.exception("keyframe request failed")
