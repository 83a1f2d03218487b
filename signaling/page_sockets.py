"""The live sockets of pages outside the room — the session socket (``/ws/meetings/{id}/session``)
and the document readers' sockets (``/ws/documents/{id}``) — by user and by login session.

They are served by the web layer, but they end with the user's access like the room's sockets:
when the ``access_ended`` message arrives on the bus's accounts channel, :meth:`Hub.close_user`
closes the room's members here and the page sockets held in this registry, on every process at
once (SEC-C6), instead of at the socket's next event or periodic session check. A user's own
password change ends their *other* sessions only: the message then names the session to keep.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Protocol

SESSION_ENDED = 4401  # the close code of a socket whose session ended (as the room's 4401)


class ClosableSocket(Protocol):
    @property
    def closed(self) -> bool: ...

    async def close(self, *, code: int = ..., message: bytes = ...) -> bool: ...


class PageSockets:
    """This process's open page sockets, by user id, each with the login session it was opened
    with."""

    def __init__(self) -> None:
        self._open: dict[int, dict[ClosableSocket, str]] = {}
        self._closing: dict[ClosableSocket, asyncio.Task[None]] = {}

    @contextlib.contextmanager
    def hold(self, user_id: int, session_id: str, ws: ClosableSocket) -> Iterator[None]:
        """Register ``ws`` while the block runs (the socket's whole life)."""
        self._open.setdefault(user_id, {})[ws] = session_id
        try:
            yield
        finally:
            mine = self._open.get(user_id, {})
            mine.pop(ws, None)
            if not mine:
                self._open.pop(user_id, None)

    def of_user(self, user_id: int, keep_session: str | None = None) -> list[ClosableSocket]:
        """The user's open page sockets, but those opened with ``keep_session``."""
        return [
            ws
            for ws, session_id in list(self._open.get(user_id, {}).items())
            if not ws.closed and (keep_session is None or session_id != keep_session)
        ]

    def close(self, ws: ClosableSocket) -> None:
        """Close it with 4401 (in a task of its own, which the socket's handler waits for before
        it returns, so the close frame is sent before the connection goes)."""
        if ws not in self._closing:
            task = asyncio.get_running_loop().create_task(close_ended(ws))
            self._closing[ws] = task
            task.add_done_callback(lambda _: self._closing.pop(ws, None))

    async def settle(self, ws: ClosableSocket) -> None:
        """Wait for a close begun by :meth:`close` (the handler's last step)."""
        task = self._closing.get(ws)
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), 5)

    def __len__(self) -> int:
        return sum(len(sockets) for sockets in self._open.values())


async def close_ended(ws: ClosableSocket) -> None:
    """Close a page socket whose session ended (the same code and reason as its own check)."""
    with contextlib.suppress(ConnectionError):
        await ws.close(code=SESSION_ENDED, message=b"session_ended")
