"""The hub: this process's live rooms, one per meeting with at least one local socket.

On shutdown (:meth:`Hub.shutdown`, an ``app.on_shutdown`` hook) the hub stops accepting joins,
tells every client to ``reconnect`` and closes its socket with 1012, waits for the rooms to
empty, then closes the media plane: the peer connections are closed, the media pins this process
holds are released (another process takes the meeting's media) and the bus messages still
queued are flushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from ecabinet.services.context import Services
from ecabinet.services.live import Attendee

from . import protocol as p
from .bus import Bus, InProcessBus, Subscription
from .connection import Connection
from .media import MediaPlane, NoRouting
from .page_sockets import PageSockets
from .ratelimit import FailureCounter
from .rooms import Member, Room
from .routing import accounts_channel

log = logging.getLogger("signaling.hub")
DRAIN_TIMEOUT = 5.0  # seconds for the sockets to close and the rooms to empty on shutdown


class ShuttingDown(Exception):
    """The hub no longer accepts joins (the process is stopping)."""


class Hub:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.bus: Bus = InProcessBus()
        self.media: MediaPlane = NoRouting()
        self.rooms: dict[int, Room] = {}
        self.accepting = True
        self._emptied = asyncio.Event()  # set whenever the last room closes
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._accounts: asyncio.Task[None] | None = None
        self.page_sockets = PageSockets()  # the session and document sockets, closed with these
        settings = svc.settings
        self.auth_failures = FailureCounter(
            settings.ws_auth_failures, settings.ws_auth_failure_window, time.monotonic
        )

    async def start(self, bus: Bus, media: MediaPlane) -> None:
        """Attach the bus and the media plane (made when the app starts, in its event loop), and
        listen for accounts whose access ended."""
        self.bus = bus
        self.media = media
        sub = await bus.subscribe(accounts_channel(self.svc))
        self._accounts = asyncio.get_running_loop().create_task(self._watch_accounts(sub))

    async def _watch_accounts(self, sub: Subscription) -> None:
        async for message in sub:
            user_id, keep = message.get("user_id"), message.get("keep_session")
            if message.get("kind") == "access_ended" and isinstance(user_id, int):
                self.close_user(user_id, keep_session=keep if isinstance(keep, str) else None)

    async def access_ended(self, user_id: int, *, keep_session: str | None = None) -> None:
        """Called once the user's sessions are revoked: every process (this one too, through the
        bus) closes the user's live sockets — but those of ``keep_session``, when the user changed
        their own password in it."""
        message: dict[str, Any] = {"kind": "access_ended", "user_id": user_id}
        if keep_session is not None:
            message["keep_session"] = keep_session
        await self.bus.publish(accounts_channel(self.svc), message)

    def close_user(self, user_id: int, *, keep_session: str | None = None) -> int:
        """Close this process's live sockets of a user whose access ended (disabled, password
        reset or changed): room members get ``no_longer_admitted`` and close 4401 (reconnecting
        needs a new join token, which needs a session); the session and document sockets close
        with 4401 too. Sockets opened with ``keep_session`` stay. Returns how many were closed."""
        members = [
            m
            for room in list(self.rooms.values())
            for m in list(room.members.values())
            if m.attendee.user_id == user_id
            and (keep_session is None or m.attendee.session_id != keep_session)
        ]
        for member in members:
            member.send_away("access ended")
        pages = self.page_sockets.of_user(user_id, keep_session)
        for ws in pages:
            self.page_sockets.close(ws)
        closed = len(members) + len(pages)
        if closed:
            log.info("user %s: access ended, %d live socket(s) closed", user_id, closed)
        return closed

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run clean-up that must finish even if the socket's handler is cancelled."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def participants(self) -> dict[int, tuple[int, int]]:
        """Per meeting: (members in the room, members in the lobby) connected to this process."""
        counts: dict[int, tuple[int, int]] = {}
        for meeting_id, room in list(self.rooms.items()):
            lobby = sum(1 for m in room.members.values() if m.presence.lobby)
            counts[meeting_id] = (len(room.members) - lobby, lobby)
        return counts

    async def enter(
        self, attendee: Attendee, conn: Connection, resume: str | None = None
    ) -> tuple[Room, Member]:
        """Seat a connection; with a ``resume`` token this process holds for that participant
        and user, the connection takes the member's session over (signaling/resume.py)."""
        async with self._lock:
            if not self.accepting:
                raise ShuttingDown
            room = self.rooms.get(attendee.meeting_id)
            found = room.members.get(attendee.participant) if room is not None else None
            if (
                room is not None
                and found is not None
                and found.attendee.user_id == attendee.user_id
                and not found.presence.lobby
                and found.parking.matches(resume)
            ):
                await room.resume(found, attendee, conn)
                log.info("room %s: %s resumed its session", room.meeting_id, found.participant)
                return room, found
            if room is None:
                room = Room(attendee.meeting_id, self.svc, self.bus, self.media)
                await room.start()
                self.rooms[attendee.meeting_id] = room
            member = await room.enter(attendee, conn)
        return room, member

    def park(self, room: Room, member: Member) -> bool:
        """The member's socket dropped (not closed on purpose): keep its roster entry and media
        for ``ws_resume_grace`` seconds, waiting for a resume. False if it may not wait (in the
        lobby, closed on purpose, the hub stopping, no grace configured)."""
        grace = self.svc.settings.ws_resume_grace
        if (
            grace <= 0
            or not self.accepting
            or member.conn.closing
            or member.presence.lobby
            or room.ended
            or room.members.get(member.participant) is not member
        ):
            return False
        member.parking.park()
        self.spawn(self._await_resume(room, member, member.conn, grace))
        return True

    async def _await_resume(
        self, room: Room, member: Member, conn: Connection, grace: float
    ) -> None:
        await room.refresh_connection(member)  # no media: "connection lost" meanwhile
        await member.parking.wait(grace)
        if member.conn is conn:  # not resumed: gone after all
            member.parking.parked = False
            await self.leave(room, member)

    def parked(self) -> list[Member]:
        return [
            m
            for room in list(self.rooms.values())
            for m in room.members.values()
            if m.parking.parked
        ]

    async def leave(self, room: Room, member: Member) -> None:
        await room.leave(member)
        async with self._lock:
            if not room.members and self.rooms.get(room.meeting_id) is room:
                del self.rooms[room.meeting_id]
                await room.stop()
                if not self.rooms:
                    self._emptied.set()

    async def shutdown(self) -> None:
        """Stop accepting joins; every client gets ``reconnect`` and close 1012; once the rooms
        are empty (or ``DRAIN_TIMEOUT`` passed), close the media plane (peer connections, pins,
        outbox)."""
        if not self.accepting:
            return
        self.accepting = False
        async with self._lock:
            members = [m for room in self.rooms.values() for m in room.members.values()]
        log.info("shutting down: %d sockets told to reconnect", len(members))
        for member in members:
            member.conn.send(p.reconnect_message())
            member.conn.close(p.CloseCode.SERVICE_RESTART, "restart")
            member.parking.end()  # nobody resumes on a process that is stopping
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_TIMEOUT
        if self.rooms:
            self._emptied.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DRAIN_TIMEOUT):
                    await self._emptied.wait()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=max(0.1, deadline - loop.time()))
        await self.media.close()

    async def close(self) -> None:
        self.accepting = False
        if self._accounts is not None:
            self._accounts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._accounts
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._lock:
            rooms, self.rooms = list(self.rooms.values()), {}
        for room in rooms:
            for member in list(room.members.values()):
                member.close(p.CloseCode.GOING_AWAY, "server shutting down")
                await member.conn.wait_closed()
            await room.stop()
        await self.media.close()
        await self.bus.close()
