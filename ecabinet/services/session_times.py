"""When a session was really held: the times the record gives, not the schedule's.

The start is when the chair opened the session (its state's ``started_at``), else when the first
participant entered the live room, else the scheduled start. The end is when the session was
ended (``ended_at``, set by the console's "end" and by the room's "end the meeting"), else, once
the meeting is over, when the last participant left the room; None while it still runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Meeting, Presence, SessionState
from .attendance import is_over


@dataclass(frozen=True)
class HeldTimes:
    started_at: datetime
    ended_at: datetime | None
    from_schedule: bool  # nothing was recorded: the scheduled start stands in


async def held_times(session: AsyncSession, meeting: Meeting) -> HeldTimes:
    state = await session.get(SessionState, meeting.id)
    first_join, last_leave = (
        await session.execute(
            select(func.min(Presence.joined_at), func.max(Presence.left_at)).where(
                Presence.meeting_id == meeting.id
            )
        )
    ).one()  # min/max keep the column's type: aware UTC values on both backends
    started = (state.started_at if state else None) or first_join
    ended = state.ended_at if state else None
    if ended is None and is_over(meeting, state):
        ended = last_leave
    return HeldTimes(started or meeting.starts_at, ended, started is None)
