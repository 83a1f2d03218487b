"""Who sits where in a session: the actor's seat (person, endpoints operated, chair, secretary),
the members (voting seats) and their deputies, and the session's version counter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import upsert
from ..errors import Forbidden, NotFound
from ..models import Endpoint, Meeting, MeetingRole, Participant, SessionState
from .actor import Actor
from .meetings import can_edit, visible_meeting

MEMBER_ROLES = (MeetingRole.CHAIR, MeetingRole.MEMBER)


@dataclass
class Seat:
    meeting: Meeting
    actor: Actor
    person: Participant | None
    endpoints: list[Participant] = field(default_factory=list)
    is_secretary: bool = False

    @property
    def is_chair(self) -> bool:
        return self.person is not None and self.person.role is MeetingRole.CHAIR

    @property
    def runs_session(self) -> bool:
        return self.is_chair or self.is_secretary

    def require_runner(self) -> None:
        if not self.runs_session:
            raise Forbidden("Only the chair or the secretary may do this.", code="not_chair")

    def require_secretary(self) -> None:
        if not self.is_secretary:
            raise Forbidden("Only the meeting's secretary may do this.", code="not_secretary")

    def speaks_for(self, participant_id: int) -> bool:
        """The actor's own seat, or an endpoint they operate."""
        own = self.person is not None and self.person.id == participant_id
        return own or any(e.id == participant_id for e in self.endpoints)


async def seat(session: AsyncSession, actor: Actor, meeting_id: int) -> Seat:
    meeting = await visible_meeting(session, actor, meeting_id)
    person = await session.scalar(
        select(Participant).where(
            Participant.meeting_id == meeting_id, Participant.user_id == actor.user_id
        )
    )
    endpoints = list(
        await session.scalars(
            select(Participant)
            .join(Endpoint, Endpoint.id == Participant.endpoint_id)
            .where(Participant.meeting_id == meeting_id, Endpoint.operator_id == actor.user_id)
        )
    )
    return Seat(meeting, actor, person, endpoints, can_edit(actor, meeting))


def is_member(row: Participant) -> bool:
    """A voting seat: a person invited as chair or member (a deputy's row is not one)."""
    return row.user_id is not None and row.role in MEMBER_ROLES and row.delegated_from_id is None


async def participants_of(session: AsyncSession, meeting_id: int) -> list[Participant]:
    query = select(Participant).where(Participant.meeting_id == meeting_id)
    return list(await session.scalars(query.order_by(Participant.id)))


async def participant(session: AsyncSession, meeting_id: int, participant_id: int) -> Participant:
    row = await session.get(Participant, participant_id)
    if row is None or row.meeting_id != meeting_id:
        raise NotFound("No such participant.", code="participant_not_found")
    return row


async def bump(session: AsyncSession, meeting_id: int, now: datetime) -> int:
    """Advance the session's version (creating its state); returns the new version.

    The UPDATE takes the row lock on PostgreSQL, so concurrent changes get distinct versions."""
    await _ensure_state(session, meeting_id, now)
    version = await session.scalar(
        update(SessionState)
        .where(SessionState.meeting_id == meeting_id)
        .values(version=SessionState.version + 1, updated_at=now)
        .returning(SessionState.version)
    )
    await session.get(SessionState, meeting_id, populate_existing=True)  # loaded ones see it
    return int(version or 0)


async def mark_ended(session: AsyncSession, meeting_id: int, now: datetime) -> None:
    """The session ended now (its state keeps the time, for the record and the minutes)."""
    await _ensure_state(session, meeting_id, now)
    await session.execute(
        update(SessionState)
        .where(SessionState.meeting_id == meeting_id, SessionState.ended_at.is_(None))
        .values(ended_at=now)
    )
    await session.get(SessionState, meeting_id, populate_existing=True)  # loaded ones see it


async def _ensure_state(session: AsyncSession, meeting_id: int, now: datetime) -> None:
    """The session's state row exists: created here unless another transaction (a join's
    attendance, the chair's first move) created it meanwhile."""
    await session.execute(
        upsert(session, SessionState)
        .values(meeting_id=meeting_id, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=[SessionState.meeting_id])
    )
