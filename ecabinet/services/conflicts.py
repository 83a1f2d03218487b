"""Double-booking: who or what in a meeting is already booked at that time.

The check is driven by the ``participant(user_id, meeting_id)`` and
``participant(endpoint_id, meeting_id)`` indexes (a person's or a room's own bookings, then the
meeting row by primary key) and by ``meeting(room, starts_at)`` for physical rooms, so its cost
grows with one person's calendar, never with the whole table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Endpoint, Meeting, MeetingMode, MeetingStatus, Participant, Rsvp, User

ACTIVE_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
ABSENT_ANSWERS = (Rsvp.DECLINED, Rsvp.DELEGATED)
MAX_LISTED = 50


@dataclass
class ConflictingMeeting:
    meeting_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    reasons: list[str] = field(default_factory=list)  # "user:<username>", "endpoint:<slug>"…
    who: list[str] = field(default_factory=list)  # the same, as people read them: names

    def as_dict(self) -> dict[str, object]:
        return {
            "meeting_id": self.meeting_id,
            "title": self.title,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "reasons": self.reasons,
            "who": self.who,
        }


@dataclass(frozen=True)
class Booking:
    """What a meeting would occupy: a time window, people, endpoints and maybe a room."""

    starts_at: datetime
    ends_at: datetime
    user_ids: frozenset[int]
    endpoint_ids: frozenset[int]
    room: str = ""


def _overlapping(starts_at: datetime, ends_at: datetime, exclude: Collection[int]):
    clauses = [
        Meeting.status.in_(ACTIVE_STATUSES),
        Meeting.starts_at < ends_at,
        Meeting.ends_at > starts_at,
    ]
    if exclude:
        clauses.append(Meeting.id.not_in(list(exclude)))
    return clauses


async def find_conflicts(
    session: AsyncSession, booking: Booking, *, exclude: Collection[int] = ()
) -> list[ConflictingMeeting]:
    """Meetings overlapping ``booking`` that share a person, an endpoint or the physical room."""
    found: dict[int, ConflictingMeeting] = {}

    def note(row: Meeting, reason: str, name: str) -> None:
        entry = found.setdefault(
            row.id, ConflictingMeeting(row.id, row.title, row.starts_at, row.ends_at)
        )
        if reason not in entry.reasons:
            entry.reasons.append(reason)
            entry.who.append(name)

    window = _overlapping(booking.starts_at, booking.ends_at, exclude)
    if booking.user_ids:
        rows = await session.execute(
            select(Meeting, User.username, User.full_name)
            .join(Participant, Participant.meeting_id == Meeting.id)
            .join(User, User.id == Participant.user_id)
            .where(
                Participant.user_id.in_(sorted(booking.user_ids)),
                Participant.rsvp.not_in(ABSENT_ANSWERS),
                *window,
            )
            .limit(MAX_LISTED * 10)
        )
        for meeting, username, full_name in rows:
            note(meeting, f"user:{username}", full_name)
    if booking.endpoint_ids:
        rows = await session.execute(
            select(Meeting, Endpoint.slug, Endpoint.name)
            .join(Participant, Participant.meeting_id == Meeting.id)
            .join(Endpoint, Endpoint.id == Participant.endpoint_id)
            .where(
                Participant.endpoint_id.in_(sorted(booking.endpoint_ids)),
                Participant.rsvp.not_in(ABSENT_ANSWERS),
                *window,
            )
            .limit(MAX_LISTED * 10)
        )
        for meeting, slug, name in rows:
            note(meeting, f"endpoint:{slug}", name)
    if booking.room:
        rooms = await session.scalars(
            select(Meeting)
            .where(
                Meeting.room == booking.room,
                Meeting.mode != MeetingMode.ONLINE,
                *window,
            )
            .limit(MAX_LISTED)
        )
        for meeting in rooms:
            note(meeting, f"room:{booking.room}", booking.room)
    return sorted(found.values(), key=lambda c: (c.starts_at, c.meeting_id))[:MAX_LISTED]
