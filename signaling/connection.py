"""One participant's WebSocket: a bounded send queue drained by its own writer task.

Whoever sends to a connection only puts a message on its queue (never awaits the socket), so
a slow or stalled client cannot hold up the room or anyone else. A client whose queue overflows
is disconnected (close code 4413): it has fallen too far behind to show a true picture anyway,
and on reconnect it gets a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from typing import Any, Protocol

from .protocol import CloseCode

log = logging.getLogger("signaling.connection")
CLOSE_TIMEOUT = 2.0


class Socket(Protocol):
    """What a connection needs of aiohttp's ``WebSocketResponse``."""

    @property
    def closed(self) -> bool: ...

    async def send_str(self, data: str, compress: int | None = None) -> None: ...

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool: ...


class Connection:
    def __init__(self, ws: Socket, *, queue_size: int) -> None:
        self.id = secrets.token_hex(6)
        self.ws = ws
        self.close_code: int | None = None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(queue_size)
        self._writer = asyncio.get_running_loop().create_task(self._write(), name="ws-writer")
        self._closing = False
        self._reason = ""
        self._closer: asyncio.Task[None] | None = None

    @property
    def closing(self) -> bool:
        return self._closing

    def send(self, message: dict[str, Any]) -> bool:
        """Queue a message; False if the connection is closing or has just overflowed."""
        if self._closing:
            return False
        try:
            self._queue.put_nowait(json.dumps(message, separators=(",", ":"), ensure_ascii=False))
        except asyncio.QueueFull:
            log.warning("connection %s: send queue overflow; disconnecting", self.id)
            self._abort(CloseCode.SLOW, "too slow")
            return False
        return True

    def close(self, code: int, reason: str = "") -> None:
        """Send what is queued, then close with ``code``. Returns at once."""
        if self._closing:
            return
        self._closing = True
        self.close_code = code
        self._reason = reason
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            # The close marker does not fit: the client is not reading. Close now.
            self._abort(code, reason)

    def _abort(self, code: int, reason: str) -> None:
        self._closing = True
        self.close_code = code
        self._writer.cancel()
        if self._closer is None:
            self._closer = asyncio.get_running_loop().create_task(self._close_socket(code, reason))

    async def _close_socket(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.ws.close(code=code, message=reason.encode()[:120])

    async def _write(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    break
                if self.ws.closed:
                    return
                await self.ws.send_str(item)
        except (ConnectionError, RuntimeError) as exc:
            log.info("connection %s: send failed: %s", self.id, exc)
            self._closing = True
            return
        await self._close_socket(self.close_code or CloseCode.NORMAL, self._reason)

    async def wait_closed(self) -> None:
        """Stop the writer (after it has flushed a pending close)."""
        if not self._closing:
            self._closing = True
            self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
