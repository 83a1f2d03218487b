"""What a live room must not forget when the process serving it stops or crashes.

The roster is rebuilt as clients reconnect (each socket re-announces its participant); the floor,
votes and attendance live in their own tables. What is left is kept here (table ``live_state``):

- the **guests admitted** from the lobby (else a restart would send them back to the lobby);
- **who presents** which document at which page (only a document of the meeting, not withdrawn:
  :func:`set_presentation` checks it for every path that presents).

And the media pins (table ``live_room``) of a process that died: :func:`recover_pins` runs when a
process starts and takes over the pins left by the process that had its name before it (the same
host, port and worker number: that one is dead, since this one now holds its place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, NotFound
from ..models import Document, LiveRoom, LiveState, Meeting, MeetingStatus
from .context import Services
from .live import OPEN_STATUSES, Attendee, record_admission


@dataclass
class RoomMemory:
    admitted: set[str] = field(default_factory=set)
    presentation: dict[str, Any] | None = None


async def load(svc: Services, meeting_id: int) -> RoomMemory:
    async with svc.db.reading() as session:
        row = await session.get(LiveState, meeting_id)
    if row is None:
        return RoomMemory()
    return RoomMemory(set(row.admitted or ()), row.presentation)


async def _row(session: AsyncSession, svc: Services, meeting_id: int) -> LiveState:
    row = await session.get(LiveState, meeting_id, with_for_update=True)
    if row is None:
        row = LiveState(
            meeting_id=meeting_id, admitted=[], presentation=None, updated_at=svc.clock.now()
        )
        session.add(row)
        await session.flush()  # a concurrent insert fails here: the caller retries
    return row


async def _change(svc: Services, meeting_id: int, work: Any) -> None:
    for _ in range(2):
        try:
            async with svc.db.transaction() as session:
                row = await _row(session, svc, meeting_id)
                await work(session, row)
                row.updated_at = svc.clock.now()
            return
        except IntegrityError:
            continue  # another process created the row first: change it
    raise Conflict("The live room's state could not be saved; try again.", code="live_state_race")


async def admit(svc: Services, by: Attendee, target: str) -> None:
    """The chair let ``target`` in from the lobby: audited and remembered in one transaction."""
    if not by.moderator:
        raise Forbidden("Only the chair or the secretary can do this.", code="not_moderator")

    async def work(session: AsyncSession, row: LiveState) -> None:
        if target not in row.admitted:
            row.admitted = [*row.admitted, target]
        await record_admission(session, svc, by, target)

    await _change(svc, by.meeting_id, work)


class NotMeetingDocument(NotFound):
    code = "document_not_in_meeting"


async def set_presentation(
    svc: Services, meeting_id: int, presentation: dict[str, Any] | None
) -> None:
    """Remember who presents what (``None``: nobody). The document must be one of the meeting's,
    not withdrawn — a presenter must not send everyone to another meeting's document."""

    async def work(session: AsyncSession, row: LiveState) -> None:
        if presentation is not None:
            document = await session.get(Document, presentation["document"])
            if document is None or document.meeting_id != meeting_id or document.withdrawn_at:
                raise NotMeetingDocument("That document is not one of this meeting's documents.")
        row.presentation = presentation

    await _change(svc, meeting_id, work)


async def recover_pins(svc: Services, node_name: str, node: str) -> list[int]:
    """Start-up: drop the media pins of the dead process that had this process's name, and
    pins of meetings whose room is closed. Returns the meetings whose pin was taken over."""
    taken: list[int] = []
    async with svc.db.transaction() as session:
        rows = await session.execute(
            select(LiveRoom.meeting_id, LiveRoom.media_node, Meeting.status).join(
                Meeting, Meeting.id == LiveRoom.meeting_id
            )
        )
        for meeting_id, media_node, status in rows.all():
            dead = (
                bool(node_name)
                and node_of_name(media_node) == node_name[:NAME_LIMIT]
                and media_node != node
            )
            if dead or status not in OPEN_STATUSES:
                await session.execute(delete(LiveRoom).where(LiveRoom.meeting_id == meeting_id))
                if dead:
                    taken.append(meeting_id)
    return taken


async def meetings_in_progress(svc: Services) -> list[int]:
    """Meetings whose session was running (recovered lazily as their clients reconnect)."""
    async with svc.db.reading() as session:
        rows = await session.scalars(
            select(Meeting.id).where(Meeting.status == MeetingStatus.IN_PROGRESS)
        )
        return list(rows)


NAME_SEPARATOR = "~"
NAME_LIMIT = 48  # live_room.media_node holds 64 characters: the name, "~" and a 12-hex nonce


def node_id(node_name: str, nonce: str) -> str:
    """A process's id on the bus and in ``live_room``: its stable name and a per-start nonce."""
    return f"{node_name[:NAME_LIMIT]}{NAME_SEPARATOR}{nonce}" if node_name else nonce


def node_of_name(node: str) -> str:
    name, separator, _ = node.rpartition(NAME_SEPARATOR)
    return name if separator else ""
