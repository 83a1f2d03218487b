"""The media plane as the signaling side sees it.

- :class:`MediaPlane` is what a room asks for (join, leave, mute…); ``signaling.routing``'s
  ``MediaRouter`` implements it by sending each request to the SFU process the meeting's media
  is pinned to (this one or another, over the bus).
- :class:`LocalMedia` is this process's SFU: ``signaling.sfu_plane.SfuPlane`` (aiortc), or
  :class:`NoMedia` for a signaling-only server (every offer refused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class MediaRefused(Exception):
    """The SFU refused an offer; ``code`` and ``message`` go to the client as an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Answer:
    sdp: str
    slots: list[dict[str, str]]  # [{"mid", "kind", "slot"}]
    publishes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"sdp": self.sdp, "slots": self.slots, "publishes": self.publishes}


# What the SFU tells participants: (meeting, participant or None for everyone, type, fields).
MediaSink = Callable[[int, str | None, str, dict[str, Any]], None]


class MediaPlane(Protocol):
    async def join(
        self, meeting_id: int, participant: str, sdp: str, *, console: bool, endpoint: bool
    ) -> Answer: ...

    async def leave(self, meeting_id: int, participant: str) -> None: ...

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None: ...

    def set_chair(self, meeting_id: int, participant: str | None) -> None: ...

    def set_floor(self, meeting_id: int, participant: str | None) -> None: ...

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None: ...

    def share_screen(
        self, meeting_id: int, participant: str, active: bool, *, take_over: bool
    ) -> None: ...

    def refresh(self, meeting_id: int, participant: str) -> None:
        """Say the participant's slots, share and quality again (its socket was resumed)."""
        ...

    async def close_room(self, meeting_id: int) -> None: ...

    async def close(self) -> None: ...


class LocalMedia(Protocol):
    def set_sink(self, sink: MediaSink) -> None: ...

    async def join(
        self,
        meeting_id: int,
        participant: str,
        sdp: str,
        *,
        console: bool,
        endpoint: bool,
        codec: str,
        chair: bool,
    ) -> Answer: ...

    async def leave(self, meeting_id: int, participant: str) -> None: ...

    def count(self, meeting_id: int) -> int: ...

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None: ...

    def set_chair(self, meeting_id: int, participant: str | None) -> None: ...

    def set_floor(self, meeting_id: int, participant: str | None) -> None: ...

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None: ...

    def refresh(self, meeting_id: int, participant: str) -> None: ...

    def share_screen(
        self, meeting_id: int, participant: str, active: bool, *, take_over: bool
    ) -> None:
        """Start/stop a share; a refusal goes to the participant as an ``error`` through the
        sink (``ref: "screen_share"``), the outcome to everyone as ``screen``."""
        ...

    async def close_room(self, meeting_id: int) -> None: ...

    async def close(self) -> None: ...


class NoMedia:
    """A signaling-only server: rosters, lobby and chair controls work; offers are refused."""

    def set_sink(self, sink: MediaSink) -> None:
        return None

    async def join(
        self,
        meeting_id: int,
        participant: str,
        sdp: str,
        *,
        console: bool,
        endpoint: bool,
        codec: str,
        chair: bool,
    ) -> Answer:
        raise MediaRefused("media_unavailable", "This server carries no media.")

    async def leave(self, meeting_id: int, participant: str) -> None:
        return None

    def count(self, meeting_id: int) -> int:
        return 0

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None:
        return None

    def set_chair(self, meeting_id: int, participant: str | None) -> None:
        return None

    def set_floor(self, meeting_id: int, participant: str | None) -> None:
        return None

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None:
        return None

    def refresh(self, meeting_id: int, participant: str) -> None:
        return None

    def share_screen(
        self, meeting_id: int, participant: str, active: bool, *, take_over: bool
    ) -> None:
        return None

    async def close_room(self, meeting_id: int) -> None:
        return None

    async def close(self) -> None:
        return None


class NoRouting:
    """The media plane before the app has started: nothing is carried."""

    async def join(
        self, meeting_id: int, participant: str, sdp: str, *, console: bool, endpoint: bool
    ) -> Answer:
        raise MediaRefused("media_unavailable", "The server is starting.")

    async def leave(self, meeting_id: int, participant: str) -> None:
        return None

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None:
        return None

    def set_chair(self, meeting_id: int, participant: str | None) -> None:
        return None

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None:
        return None

    def refresh(self, meeting_id: int, participant: str) -> None:
        return None

    def share_screen(
        self, meeting_id: int, participant: str, active: bool, *, take_over: bool
    ) -> None:
        return None

    async def close_room(self, meeting_id: int) -> None:
        return None

    async def close(self) -> None:
        return None
