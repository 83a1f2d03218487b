"""The document file store held by the service container: blobs, per-key locks, build tasks.

One instance per process (created by ``build_services``); no module-level state.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import weakref
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .blobs import BlobStore
from .sealing import Sealer

log = logging.getLogger("ecabinet.files")
T = TypeVar("T")
PDF_WORKERS = 2


class FileStore:
    def __init__(self, root: Path, sealer: Sealer | None = None) -> None:
        self.blobs = BlobStore(root, sealer)
        self.derived = root / "derived"
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._pool: ProcessPoolExecutor | None = None

    async def in_worker(self, func: Callable[..., T], *args: Any) -> T:
        """Run blocking PDF work (qpdf buffers whole streams) in a child process, so a large
        document never inflates the server's memory; each child exits after one job."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=PDF_WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=1,
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    def lock(self, key: str) -> asyncio.Lock:
        """One lock per key (e.g. one watermark build per recipient and version at a time)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def start(self, key: str, work: Coroutine[Any, Any, None]) -> bool:
        """Run ``work`` in the background unless a task with this key is running already."""
        running = self._tasks.get(key)
        if running is not None and not running.done():
            work.close()
            return False
        task = asyncio.get_running_loop().create_task(work, name=f"files:{key}")
        self._tasks[key] = task
        task.add_done_callback(lambda t: self._finished(key, t))
        return True

    def running(self, key: str) -> bool:
        task = self._tasks.get(key)
        return task is not None and not task.done()

    def _finished(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("background file task %s failed", key, exc_info=task.exception())

    async def wait_idle(self) -> None:
        """Wait for every background task (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
