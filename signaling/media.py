"""The hub's view of the media plane: what the room asks of the SFU, whatever implements it.

:class:`NoMedia` answers every offer with ``media_unavailable`` (a signaling-only server);
``signaling.sfu_plane.SfuPlane`` puts the aiortc SFU (``signaling.sfu``) behind it.
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


# Media events are delivered as (participant or None for everyone, server message type, fields).
MediaListener = Callable[[str | None, str, dict[str, Any]], None]


class MediaPlane(Protocol):
    async def join(
        self, meeting_id: int, participant: str, sdp: str, *, console: bool, endpoint: bool
    ) -> Answer: ...

    async def leave(self, meeting_id: int, participant: str) -> None: ...

    def listen(self, meeting_id: int, listener: MediaListener) -> None: ...

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None: ...

    def set_chair(self, meeting_id: int, participant: str | None) -> None: ...

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None: ...

    async def close_room(self, meeting_id: int) -> None: ...

    async def close(self) -> None: ...


class NoMedia:
    """A signaling-only server: rosters, lobby and chair controls work; offers are refused."""

    async def join(
        self, meeting_id: int, participant: str, sdp: str, *, console: bool, endpoint: bool
    ) -> Answer:
        raise MediaRefused("media_unavailable", "This server carries no media.")

    async def leave(self, meeting_id: int, participant: str) -> None:
        return None

    def listen(self, meeting_id: int, listener: MediaListener) -> None:
        return None

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None:
        return None

    def set_chair(self, meeting_id: int, participant: str | None) -> None:
        return None

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None:
        return None

    async def close_room(self, meeting_id: int) -> None:
        return None

    async def close(self) -> None:
        return None
