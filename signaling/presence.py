"""A roster entry: who is in the room (or the lobby), from where, and their audio/video/hand.

Entries are replicated to every app process serving the meeting through the bus; each entry is
*owned* by the process holding that participant's socket (``node``) and by one connection
(``conn``), so a stale copy (from a replaced connection) is recognised and ignored.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ecabinet.services.live import Attendee

PUBLIC_FIELDS = (
    "participant",
    "name",
    "organization",
    "endpoint",
    "role",
    "moderator",
    "lobby",
    "audio",
    "video",
    "hand",
    "connection",
)


@dataclass(frozen=True, slots=True)
class Presence:
    participant: str
    name: str
    organization: str
    endpoint: int | None
    role: str
    moderator: bool
    lobby: bool
    audio: bool
    video: bool
    hand: bool
    conn: str
    node: str
    # When this connection was seated (wall clock): of two entries of one participant from
    # different connections, the later wins, whichever order the bus delivers them in (a
    # process may repeat a parked, superseded entry on ``sync``).
    seated: float = 0.0
    # "ok", or "lost": no media from it for a while, or its socket dropped and it has no media
    # (rooms.py); it is still in the room (it may come back) until the grace runs out.
    connection: str = "ok"

    @classmethod
    def of(cls, attendee: Attendee, *, lobby: bool, conn: str, node: str) -> Presence:
        return cls(
            participant=attendee.participant,
            name=attendee.name,
            organization=attendee.organization,
            endpoint=attendee.endpoint_id,
            role=attendee.role,
            moderator=attendee.moderator,
            lobby=lobby,
            audio=False,
            video=False,
            hand=False,
            conn=conn,
            node=node,
            seated=time.time(),
        )

    def public(self) -> dict[str, Any]:
        """What clients see (not which process or connection holds it)."""
        return {name: getattr(self, name) for name in PUBLIC_FIELDS}

    def to_bus(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_bus(cls, data: Any) -> Presence | None:
        """Rebuild an entry from a bus message; None if it is not one (never raises)."""
        if not isinstance(data, dict):
            return None
        try:
            entry = cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
        except (KeyError, TypeError):
            return None
        return entry

    def with_(self, **changes: Any) -> Presence:
        return replace(self, **changes)
