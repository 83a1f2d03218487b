"""Votes (biểu quyết): the chair opens a motion, members (or their deputies, where the meeting
kind allows) vote until it closes, closing publishes the result under the kind's rules.

One counted vote per member: a named vote is one row per (motion, member), changed in place; a
secret vote is a ``vote_cast`` row per member (who has voted, nothing else) and a
``secret_ballot`` row keyed by the hash of a receipt returned once to the voter (what was chosen,
nothing else). Changing a secret vote needs the receipt. The motion row is locked while voting
and closing, so no vote lands after the tally. Closing deletes the secret ballots; the tally stays.
While a secret vote is open nobody sees its split, moderators included: only the count of votes
cast; the per-choice counts are released once, at the close. Nothing in this module logs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import upsert
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    Meeting,
    MeetingStatus,
    Motion,
    MotionStatus,
    NamedVote,
    Participant,
    SecretBallot,
    SessionState,
    VoteCast,
)
from ..schemas.governance import MotionIn, VoteIn, VoteOut
from . import attendance, floor, rules, seats
from .actor import Actor
from .context import Services, perform

MOTION_NOT_FOUND = "No such vote."


@dataclass
class MotionView:
    id: int
    meeting_id: int
    title: str
    agenda_item_id: int | None
    options: list[str]
    secret: bool
    status: str
    opened_at: datetime
    closed_at: datetime | None
    votes_cast: int
    members: int
    tally: dict[str, int] | None  # named: live for the chair and secretary; all: once closed
    result: dict[str, Any] | None
    my_choices: dict[int, str | bool]  # member seat → choice (named) or True (secret, voted)
    may_vote_for: list[int]


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


async def open_motion_id(session: AsyncSession, meeting_id: int) -> int | None:
    return await session.scalar(
        select(Motion.id).where(Motion.meeting_id == meeting_id, Motion.status == MotionStatus.OPEN)
    )


async def _tally(session: AsyncSession, motion: Motion) -> dict[str, int]:
    table = SecretBallot if motion.secret else NamedVote
    rows = await session.execute(
        select(table.choice, func.count())
        .where(table.motion_id == motion.id)
        .group_by(table.choice)
    )
    counts = {option: 0 for option in motion.options}
    counts.update({choice: n for choice, n in rows.all()})
    return counts


async def _cast_count(session: AsyncSession, motion: Motion) -> int:
    table = VoteCast if motion.secret else NamedVote
    return int(
        await session.scalar(
            select(func.count()).select_from(table).where(table.motion_id == motion.id)
        )
        or 0
    )


def voting_seats(seat: seats.Seat, people: list[Participant], ruleset: rules.RuleSet) -> list[int]:
    """The member seats this actor may vote for: their own, and a delegating member's if the kind
    lets deputies vote."""
    person = seat.person
    if person is None:
        return []
    result = [person.id] if seats.is_member(person) else []
    if person.delegated_from_id and rules.may_vote(ruleset, is_deputy=True):
        principal = next((p for p in people if p.id == person.delegated_from_id), None)
        if principal is not None and seats.is_member(principal):
            result.append(principal.id)
    return result


async def public_motions(session: AsyncSession, meeting_id: int) -> list[dict[str, Any]]:
    """Votes as everyone in the room may see them: counts while open, results once closed."""
    result = []
    for motion in await session.scalars(
        select(Motion).where(Motion.meeting_id == meeting_id).order_by(Motion.id)
    ):
        result.append(
            {
                "id": motion.id,
                "title": motion.title,
                "agenda_item_id": motion.agenda_item_id,
                "options": list(motion.options),
                "secret": motion.secret,
                "status": motion.status.value,
                "votes_cast": await _cast_count(session, motion),
                "result": motion.result,
            }
        )
    return result


async def motions_of(session: AsyncSession, seat: seats.Seat) -> list[MotionView]:
    meeting = seat.meeting
    people = await seats.participants_of(session, meeting.id)
    ruleset = rules.rules_for(meeting.kind)
    mine = voting_seats(seat, people, ruleset)
    members = sum(1 for p in people if seats.is_member(p))
    result = []
    for motion in await session.scalars(
        select(Motion).where(Motion.meeting_id == meeting.id).order_by(Motion.id)
    ):
        closed = motion.status is MotionStatus.CLOSED
        choices: dict[int, str | bool] = {}
        if mine and motion.secret:
            for member_id in await session.scalars(
                select(VoteCast.member_id).where(
                    VoteCast.motion_id == motion.id, VoteCast.member_id.in_(mine)
                )
            ):
                choices[member_id] = True
        elif mine:
            for vote in await session.scalars(
                select(NamedVote).where(
                    NamedVote.motion_id == motion.id, NamedVote.member_id.in_(mine)
                )
            ):
                choices[vote.member_id] = vote.choice
        # A secret vote's split is nobody's while it is open, the chair's and secretary's neither:
        # read after each audit entry ("X voted at t"), it would tell who chose what.
        live = seat.runs_session and not closed and not motion.secret
        result.append(
            MotionView(
                motion.id,
                motion.meeting_id,
                motion.title,
                motion.agenda_item_id,
                list(motion.options),
                motion.secret,
                motion.status.value,
                motion.opened_at,
                motion.closed_at,
                await _cast_count(session, motion),
                members,
                await _tally(session, motion) if live else (motion.result or {}).get("tally"),
                motion.result,
                choices,
                mine if not closed else [],
            )
        )
    return result


async def _motion(
    session: AsyncSession, actor: Actor, motion_id: int, *, lock: bool
) -> tuple[Motion, seats.Seat]:
    query = select(Motion).where(Motion.id == motion_id)
    motion = await session.scalar(query.with_for_update() if lock else query)
    if motion is None:
        raise NotFound(MOTION_NOT_FOUND, code="motion_not_found")
    try:
        seat = await seats.seat(session, actor, motion.meeting_id)
    except NotFound:
        raise NotFound(MOTION_NOT_FOUND, code="motion_not_found") from None
    return motion, seat


async def open_motion(svc: Services, actor: Actor, meeting_id: int, data: MotionIn) -> MotionView:
    async with perform(svc, actor, "motion.opened") as act:
        session = act.session
        seat = await seats.seat(session, actor, meeting_id)
        seat.require_runner()
        meeting = await session.scalar(
            select(Meeting).where(Meeting.id == meeting_id).with_for_update()
        )
        assert meeting is not None
        state = await session.get(SessionState, meeting_id)
        if meeting.status is not MeetingStatus.IN_PROGRESS or state is None or not state.started_at:
            raise Conflict("Votes are taken during the session.", code="session_not_in_progress")
        if await open_motion_id(session, meeting_id):
            raise Conflict("Another vote is open.", code="motion_open")
        await floor.check_item(session, meeting_id, data.agenda_item_id)
        now = svc.clock.now()
        view = await attendance.compute(session, meeting_id, now)
        if not view.quorum.reached:
            raise Conflict("There is no quorum.", code="no_quorum", details=view.quorum.as_dict())
        motion = Motion(
            meeting_id=meeting_id,
            agenda_item_id=data.agenda_item_id,
            title=data.title,
            options=data.options,
            secret=data.secret,
            status=MotionStatus.OPEN,
            opened_by=actor.user_id,
            opened_at=now,
            quorum=view.quorum.as_dict(),
        )
        session.add(motion)
        await session.flush()
        act.record(
            "motion", motion.id, meeting_id=meeting_id, secret=data.secret, options=data.options
        )
        await seats.bump(session, meeting_id, now)
        return next(m for m in await motions_of(session, seat) if m.id == motion.id)


async def _upsert_named(session: AsyncSession, row: dict[str, Any]) -> None:
    stmt = upsert(session, NamedVote).values(**row)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[NamedVote.motion_id, NamedVote.member_id],
            set_={
                "choice": stmt.excluded.choice,
                "cast_by": stmt.excluded.cast_by,
                "cast_at": stmt.excluded.cast_at,
            },
        )
    )


async def cast(svc: Services, actor: Actor, motion_id: int, data: VoteIn) -> VoteOut:
    async with perform(svc, actor, "motion.voted") as act:
        session = act.session
        motion, seat = await _motion(session, actor, motion_id, lock=True)
        if motion.status is not MotionStatus.OPEN:
            raise Conflict("The vote is closed.", code="motion_closed")
        if data.choice not in motion.options:
            raise ValidationFailed("Not an option of this vote.", code="invalid_choice")
        people = await seats.participants_of(session, motion.meeting_id)
        allowed = voting_seats(seat, people, rules.rules_for(seat.meeting.kind))
        member_id = data.for_member_id or (allowed[0] if allowed else None)
        if member_id is None or member_id not in allowed:
            raise ValidationFailed("You have no vote here.", code="no_vote_right")
        receipt = None
        if not motion.secret:
            await _upsert_named(
                session,
                {
                    "motion_id": motion.id,
                    "member_id": member_id,
                    "choice": data.choice,
                    "cast_by": actor.user_id,
                    "cast_at": svc.clock.now(),
                },
            )
            act.record("motion", motion.id, member=member_id, choice=data.choice)
        elif data.receipt is not None:
            voted = await session.get(VoteCast, (motion.id, member_id))
            ballot = await session.get(SecretBallot, (motion.id, receipt_hash(data.receipt)))
            if voted is None or ballot is None:
                raise ValidationFailed(
                    "This receipt is not valid for this vote.", code="invalid_receipt"
                )
            ballot.choice = data.choice
            act.record("motion", motion.id, member=member_id, changed=True)
        else:
            if await session.get(VoteCast, (motion.id, member_id)) is not None:
                raise Conflict(
                    "This member has already voted; to change a secret vote, send its receipt.",
                    code="already_voted",
                )
            receipt = secrets.token_urlsafe(32)
            session.add(VoteCast(motion_id=motion.id, member_id=member_id))
            session.add(
                SecretBallot(
                    motion_id=motion.id, receipt_hash=receipt_hash(receipt), choice=data.choice
                )
            )
            act.record("motion", motion.id, member=member_id)
        await seats.bump(session, motion.meeting_id, svc.clock.now())
        return VoteOut(
            motion_id=motion.id,
            meeting_id=motion.meeting_id,
            member_id=member_id,
            secret=motion.secret,
            receipt=receipt,
        )


async def close(svc: Services, actor: Actor, motion_id: int) -> MotionView:
    async with perform(svc, actor, "motion.closed") as act:
        session = act.session
        motion, seat = await _motion(session, actor, motion_id, lock=True)
        seat.require_runner()
        if motion.status is not MotionStatus.OPEN:
            raise Conflict("The vote is already closed.", code="motion_closed")
        now = svc.clock.now()
        tally = await _tally(session, motion)
        view = await attendance.compute(session, motion.meeting_id, now)
        ruleset = rules.rules_for(seat.meeting.kind)
        result: dict[str, Any] = {
            "tally": tally,
            "votes_cast": await _cast_count(session, motion),
            "quorum_at_close": view.quorum.as_dict(),
            "rules": ruleset.describe(),
        }
        if set(motion.options) == set(rules.DEFAULT_OPTIONS):
            chair_choice = None
            if not motion.secret:
                chair = next(
                    (
                        p
                        for p in await seats.participants_of(session, motion.meeting_id)
                        if p.role.value == "chair"
                    ),
                    None,
                )
                if chair is not None:
                    chair_choice = await session.scalar(
                        select(NamedVote.choice).where(
                            NamedVote.motion_id == motion.id, NamedVote.member_id == chair.id
                        )
                    )
            decision = rules.decide(
                ruleset,
                tally,
                view.counts,
                chair_choice=chair_choice,
                quorum_reached=view.quorum.reached,
            )
            result["decision"] = decision.as_dict()
        else:
            top = max(tally.values(), default=0)
            result["leading"] = [o for o, n in tally.items() if n == top and top > 0]
        if motion.secret:
            await session.execute(delete(SecretBallot).where(SecretBallot.motion_id == motion.id))
        motion.status, motion.closed_at, motion.result = MotionStatus.CLOSED, now, result
        act.record("motion", motion.id, meeting_id=motion.meeting_id, result=result)
        await seats.bump(session, motion.meeting_id, now)
        await session.flush()
        return next(m for m in await motions_of(session, seat) if m.id == motion.id)


async def get(svc: Services, actor: Actor, meeting_id: int) -> list[MotionView]:
    async with svc.db.reading() as session:
        seat = await seats.seat(session, actor, meeting_id)
        return await motions_of(session, seat)
