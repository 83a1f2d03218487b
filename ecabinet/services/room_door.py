"""The meeting room's door: when it is open, and whether the caller may run the session.

One rule for the whole product: the room opens ``join_opens_minutes`` before the start and
closes ``join_grace_minutes`` after the scheduled end, for a meeting that is scheduled or in
progress. :mod:`.live` refuses join tokens with it; the meeting page, the home page's upcoming
list and the calendar show "Enter the meeting room" (and, to whoever runs the session, "Run the
session") with it, or the reason the door is shut.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..config import Settings
from ..models import Meeting, MeetingRole, MeetingStatus, Participant
from .actor import Actor
from .context import Services
from .meetings import can_edit

OPEN_STATUSES = frozenset({MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS})


class DoorState(enum.StrEnum):
    OPEN = "open"
    NOT_YET = "not_yet"  # scheduled, the window has not opened: see ``opens_at``
    ENDED = "ended"  # the window has passed, or the meeting ended / was closed
    CLOSED = "closed"  # draft or cancelled: there is no room to enter


@dataclass(frozen=True, slots=True)
class Door:
    state: DoorState
    opens_at: datetime
    closes_at: datetime

    @property
    def is_open(self) -> bool:
        return self.state is DoorState.OPEN


@dataclass(frozen=True, slots=True)
class Entrance:
    """What a page offers one user for one meeting."""

    meeting_id: int
    door: Door
    runs_session: bool  # the chair or the organizing secretary: may open the chair's console


def room_window(settings: Settings, meeting: Meeting) -> tuple[datetime, datetime]:
    """When the room opens and when a join token for it expires."""
    return (
        meeting.starts_at - timedelta(minutes=settings.join_opens_minutes),
        meeting.ends_at + timedelta(minutes=settings.join_grace_minutes),
    )


def door(settings: Settings, meeting: Meeting, now: datetime) -> Door:
    opens, closes = room_window(settings, meeting)
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CLOSED):
        state = DoorState.ENDED
    elif meeting.status not in OPEN_STATUSES:
        state = DoorState.CLOSED
    elif now < opens:
        state = DoorState.NOT_YET
    elif now >= closes:
        state = DoorState.ENDED
    else:
        state = DoorState.OPEN
    return Door(state, opens, closes)


async def entrances(svc: Services, actor: Actor, found: Sequence[Meeting]) -> dict[int, Entrance]:
    """The door of each meeting the actor can already see, and whether they run its session
    (the same rule as :attr:`.seats.Seat.runs_session`: chair by invitation, or the organizing
    office's secretary)."""
    if not found:
        return {}
    ids = [m.id for m in found]
    async with svc.db.reading() as session:
        chaired = set(
            await session.scalars(
                select(Participant.meeting_id).where(
                    Participant.meeting_id.in_(ids),
                    Participant.user_id == actor.user_id,
                    Participant.role == MeetingRole.CHAIR,
                )
            )
        )
    now = svc.clock.now()
    return {
        m.id: Entrance(
            m.id,
            door(svc.settings, m, now),
            m.id in chaired or can_edit(actor, m),
        )
        for m in found
    }
