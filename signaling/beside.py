"""Work a room runs beside itself (database reads and writes that must not hold it up), in the
order it was asked for where the order matters."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Beside:
    """Background tasks of one room: all awaited on stop; those given the same ``key`` run one
    after another (a participant's leave is never written before the join it ends)."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}  # key -> its latest task

    def run(self, work: Coroutine[Any, Any, None], *, key: str | None = None) -> None:
        before = self._last.get(key) if key is not None else None
        task = asyncio.get_running_loop().create_task(
            self._after(before, work) if before is not None else work
        )
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        if key is not None:
            self._last[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))

    @staticmethod
    async def _after(before: asyncio.Task[None], work: Coroutine[Any, Any, None]) -> None:
        try:
            await asyncio.wait([before])  # its outcome is its own; this one runs either way
        except BaseException:
            work.close()  # cancelled while waiting: this work never starts
            raise
        await work

    def _forget(self, key: str, done: asyncio.Task[None]) -> None:
        if self._last.get(key) is done:
            del self._last[key]

    async def drain(self) -> None:
        """Wait for everything in flight (on stop)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
