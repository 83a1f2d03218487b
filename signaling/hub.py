"""The hub: this process's live rooms, one per meeting with at least one local socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from ecabinet.services.context import Services
from ecabinet.services.live import Attendee

from .bus import Bus, InProcessBus
from .connection import Connection
from .media import MediaPlane, NoRouting
from .ratelimit import FailureCounter
from .rooms import Member, Room


class Hub:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.bus: Bus = InProcessBus()
        self.media: MediaPlane = NoRouting()
        self.rooms: dict[int, Room] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        settings = svc.settings
        self.auth_failures = FailureCounter(
            settings.ws_auth_failures, settings.ws_auth_failure_window, time.monotonic
        )

    def start(self, bus: Bus, media: MediaPlane) -> None:
        """Attach the bus and the media plane (made when the app starts, in its event loop)."""
        self.bus = bus
        self.media = media

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run clean-up that must finish even if the socket's handler is cancelled."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def enter(self, attendee: Attendee, conn: Connection) -> tuple[Room, Member]:
        async with self._lock:
            room = self.rooms.get(attendee.meeting_id)
            if room is None:
                room = Room(attendee.meeting_id, self.svc, self.bus, self.media)
                await room.start()
                self.rooms[attendee.meeting_id] = room
            member = await room.enter(attendee, conn)
        return room, member

    async def leave(self, room: Room, member: Member) -> None:
        await room.leave(member)
        async with self._lock:
            if not room.members and self.rooms.get(room.meeting_id) is room:
                del self.rooms[room.meeting_id]
                await room.stop()

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._lock:
            rooms, self.rooms = list(self.rooms.values()), {}
        for room in rooms:
            for member in list(room.members.values()):
                member.conn.close(1001, "server shutting down")
                await member.conn.wait_closed()
            await room.stop()
        await self.media.close()
        await self.bus.close()
