"""Participants (thành phần): who takes part in a meeting, in which role, and their answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import ValidationFailed
from ..models import Endpoint, MeetingRole, Participant, Rsvp, User
from ..schemas.meetings import ParticipantRef


@dataclass(frozen=True)
class Wanted:
    """A participant as the secretary asked for it, resolved to ids."""

    user_id: int | None
    endpoint_id: int | None
    role: MeetingRole

    @property
    def key(self) -> tuple[str, int]:
        return ("user", self.user_id) if self.user_id else ("endpoint", self.endpoint_id or 0)


@dataclass
class ParticipantView:
    """A participant with what mails and pages need: name, address, endpoint and its operator."""

    row: Participant
    username: str | None = None
    full_name: str | None = None
    email: str = ""
    endpoint_name: str | None = None
    operator_id: int | None = None

    @property
    def address(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.endpoint_name or ""


async def resolve(session: AsyncSession, refs: Sequence[ParticipantRef]) -> list[Wanted]:
    """Turn usernames and endpoint ids into ids; unknown or inactive ones are a 422."""
    usernames = {r.username for r in refs if r.username}
    endpoint_ids = {r.endpoint for r in refs if r.endpoint}
    users = {
        u.username: u
        for u in await session.scalars(
            select(User).where(User.username.in_(usernames), User.is_active.is_(True))
        )
    }
    endpoints = set(
        await session.scalars(
            select(Endpoint.id).where(Endpoint.id.in_(endpoint_ids), Endpoint.is_active.is_(True))
        )
    )
    missing = sorted(usernames - users.keys()) + [str(e) for e in sorted(endpoint_ids - endpoints)]
    if missing:
        raise ValidationFailed(
            "Some participants do not exist or are disabled.",
            code="unknown_participant",
            details={"missing": missing},
        )
    wanted: dict[tuple[str, int], Wanted] = {}
    for ref in refs:
        item = Wanted(
            users[ref.username].id if ref.username else None,
            ref.endpoint,
            ref.role,
        )
        if item.key in wanted:
            raise ValidationFailed("A participant is listed twice.", code="duplicate_participant")
        wanted[item.key] = item
    chairs = [w for w in wanted.values() if w.role is MeetingRole.CHAIR]
    if len(chairs) > 1 or any(w.endpoint_id for w in chairs):
        raise ValidationFailed("A meeting has at most one chair, a person.", code="one_chair")
    return list(wanted.values())


def chair_of(wanted: Sequence[Wanted]) -> int | None:
    return next((w.user_id for w in wanted if w.role is MeetingRole.CHAIR), None)


def add(
    session: AsyncSession, meeting_id: int, wanted: Wanted, now: datetime, **extra: object
) -> Participant:
    row = Participant(
        meeting_id=meeting_id,
        user_id=wanted.user_id,
        endpoint_id=wanted.endpoint_id,
        role=wanted.role,
        rsvp=Rsvp.NEEDS_ACTION,
        delegation_reason="",
        added_at=now,
        **extra,
    )
    session.add(row)
    return row


async def views(session: AsyncSession, meeting_ids: Sequence[int]) -> list[ParticipantView]:
    """Every participant of these meetings, with names, addresses and endpoint operators."""
    if not meeting_ids:
        return []
    # Participant rows as objects (mails and pages read them), names as plain columns: building a
    # User and an Endpoint object per row would cost more than the query itself.
    rows = await session.execute(
        select(
            Participant,
            User.username,
            User.full_name,
            User.email,
            Endpoint.name,
            Endpoint.operator_id,
        )
        .outerjoin(User, User.id == Participant.user_id)
        .outerjoin(Endpoint, Endpoint.id == Participant.endpoint_id)
        .where(Participant.meeting_id.in_(list(meeting_ids)))
        .order_by(Participant.meeting_id, Participant.id)
    )
    result: list[ParticipantView] = []
    operator_ids: set[int] = set()
    for participant, username, full_name, email, endpoint_name, operator_id in rows:
        view = ParticipantView(participant)
        if participant.user_id is not None and username is not None:
            view.username, view.full_name, view.email = username, full_name, email
        if participant.endpoint_id is not None and endpoint_name is not None:
            view.endpoint_name, view.operator_id = endpoint_name, operator_id
            if operator_id:
                operator_ids.add(operator_id)
        result.append(view)
    if operator_ids:
        rows = await session.execute(
            select(User.id, User.email).where(User.id.in_(operator_ids), User.is_active.is_(True))
        )
        emails = {user_id: email for user_id, email in rows}
        for view in result:
            if view.operator_id:
                view.email = emails.get(view.operator_id, "")
    return result
