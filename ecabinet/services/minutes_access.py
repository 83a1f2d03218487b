"""Who may read and change one set of minutes, and the rows every minutes action starts from.

* the meeting's **secretary** (``meetings.can_edit`` + ``minutes.write``) creates, saves, sends
  for review and approves;
* **reading** (versions, diffs, comments, the PDF): the secretary, the chair, anyone asked to
  review a version, anyone on a signing round; every other participant once the minutes are
  final (before that ``403 minutes_not_shared``); anyone who cannot see the meeting gets 404;
* **commenting**: the reviewers of the version under review, and the secretary;
* **signing**: the next signer of the open round, in the configured order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Forbidden, NotFound
from ..models import (
    Minutes,
    MinutesReviewer,
    MinutesSigningRound,
    MinutesStatus,
    MinutesVersion,
    RoundStatus,
)
from . import seats
from .actor import Actor
from .permissions import Permission


@dataclass
class Access:
    """The actor's standing towards one set of minutes."""

    minutes: Minutes
    seat: seats.Seat
    reviewer: bool  # asked to review some version
    signer: bool  # on some signing round's list

    @property
    def may_read(self) -> bool:
        takes_part = self.seat.person is not None or bool(self.seat.endpoints)
        final = self.minutes.status is MinutesStatus.FINAL
        return (
            self.seat.is_secretary
            or self.seat.is_chair
            or self.reviewer
            or self.signer
            or (final and takes_part)
        )

    def require_read(self) -> None:
        if not self.may_read:
            raise Forbidden(
                "The minutes are shared with participants once they are signed.",
                code="minutes_not_shared",
            )

    def require_secretary(self) -> None:
        self.seat.actor.require(Permission.MINUTES_WRITE)
        self.seat.require_secretary()


async def load(
    session: AsyncSession, actor: Actor, minutes_id: int, *, lock: bool = False
) -> Access:
    """The minutes and the actor's standing; 404 if the actor cannot see the meeting.

    ``lock`` takes the row lock (PostgreSQL; SQLite write transactions are exclusive), so saves,
    approvals and signatures on one set of minutes happen one at a time."""
    query = select(Minutes).where(Minutes.id == minutes_id)
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    minutes = (await session.scalars(query)).one_or_none()
    if minutes is None:
        raise NotFound("No such minutes.", code="minutes_not_found")
    seat = await seats.seat(session, actor, minutes.meeting_id)
    reviewer = bool(
        await session.scalar(
            select(func.count())
            .select_from(MinutesReviewer)
            .where(
                MinutesReviewer.minutes_id == minutes.id, MinutesReviewer.user_id == actor.user_id
            )
        )
    )
    rounds = await session.scalars(
        select(MinutesSigningRound.signer_ids).where(MinutesSigningRound.minutes_id == minutes.id)
    )
    signer = any(actor.user_id in ids for ids in rounds)
    return Access(minutes, seat, reviewer, signer)


async def minutes_id_of(session: AsyncSession, actor: Actor, meeting_id: int) -> int:
    await seats.seat(session, actor, meeting_id)  # 404 for a meeting the actor cannot see
    found = await session.scalar(select(Minutes.id).where(Minutes.meeting_id == meeting_id))
    if found is None:
        raise NotFound("The meeting has no minutes yet.", code="minutes_not_found")
    return found


async def versions_of(session: AsyncSession, minutes_id: int) -> list[MinutesVersion]:
    query = select(MinutesVersion).where(MinutesVersion.minutes_id == minutes_id)
    return list(await session.scalars(query.order_by(MinutesVersion.number)))


async def latest_version(session: AsyncSession, minutes_id: int) -> MinutesVersion:
    version = await session.scalar(
        select(MinutesVersion)
        .where(MinutesVersion.minutes_id == minutes_id)
        .order_by(MinutesVersion.number.desc())
        .limit(1)
    )
    assert version is not None  # every minutes row is created with version 1
    return version


async def open_round(session: AsyncSession, minutes_id: int) -> MinutesSigningRound | None:
    return await session.scalar(
        select(MinutesSigningRound).where(
            MinutesSigningRound.minutes_id == minutes_id,
            MinutesSigningRound.status == RoundStatus.OPEN,
        )
    )
