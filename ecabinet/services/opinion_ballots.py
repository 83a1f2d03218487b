"""Written opinion ballots (phiếu lấy ý kiến): a question with documents and a deadline, sent by a
secretary to members; each answers agree / disagree / other opinion (with text) before the
deadline. Reminders go out through the outbox before the deadline to those who have not
answered; at the deadline the ballot closes with a summary. Late answers are refused clearly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    OpinionAnswer,
    OpinionBallot,
    OpinionBallotStatus,
    OpinionRecipient,
    OutboxMail,
    User,
)
from ..schemas.governance import OpinionAnswerIn, OpinionBallotIn
from .actor import Actor
from .ballot_documents import Attachment, attachments_of
from .context import Services, perform
from .document_access import manages_ballot
from .outbox import mail_for
from .permissions import Permission

NOT_FOUND = "No such ballot."


@dataclass
class BallotView:
    id: int
    title: str
    question: str
    explanation: str
    documents: list[dict[str, Any]]
    deadline: datetime
    status: str
    my_answer: str | None
    my_text: str
    answered: int
    recipients: int
    can_manage: bool
    is_recipient: bool
    summary: dict[str, Any] | None
    attachments: list[Attachment]


def _can_manage(actor: Actor, ballot: OpinionBallot) -> bool:
    return manages_ballot(actor, ballot)


async def _visible(
    session: AsyncSession, actor: Actor, ballot_id: int
) -> tuple[OpinionBallot, OpinionRecipient | None]:
    ballot = await session.get(OpinionBallot, ballot_id)
    mine = await session.get(OpinionRecipient, (ballot_id, actor.user_id)) if ballot else None
    if ballot is None or (mine is None and not _can_manage(actor, ballot)):
        raise NotFound(NOT_FOUND, code="ballot_not_found")
    return ballot, mine


async def _recipients(session: AsyncSession, ballot_id: int) -> list[tuple[OpinionRecipient, User]]:
    rows = await session.execute(
        select(OpinionRecipient, User)
        .join(User, User.id == OpinionRecipient.user_id)
        .where(OpinionRecipient.ballot_id == ballot_id)
        .order_by(User.full_name, User.id)
    )
    return [(r, u) for r, u in rows.all()]


def summarize(rows: list[tuple[OpinionRecipient, User]]) -> dict[str, Any]:
    counts = {a.value: 0 for a in OpinionAnswer}
    for r, _ in rows:
        if r.answer is not None:
            counts[r.answer.value] += 1
    return {
        "counts": counts,
        "recipients": len(rows),
        "answered": sum(counts.values()),
        "answers": [
            {
                "name": u.full_name,
                "answer": r.answer.value if r.answer else None,
                "text": r.text,
                "answered_at": r.answered_at.isoformat() if r.answered_at else None,
            }
            for r, u in rows
        ],
        "not_answered": [u.full_name for r, u in rows if r.answer is None],
    }


async def _view(
    session: AsyncSession, actor: Actor, ballot: OpinionBallot, mine: OpinionRecipient | None
) -> BallotView:
    rows = await _recipients(session, ballot.id)
    manage = _can_manage(actor, ballot)
    closed = ballot.status is OpinionBallotStatus.CLOSED
    summary = ballot.summary if closed else (summarize(rows) if manage else None)
    return BallotView(
        ballot.id,
        ballot.title,
        ballot.question,
        ballot.explanation,
        list(ballot.documents),
        ballot.deadline,
        ballot.status.value,
        mine.answer.value if mine and mine.answer else None,
        mine.text if mine else "",
        sum(1 for r, _ in rows if r.answer is not None),
        len(rows),
        manage,
        mine is not None,
        summary,
        await attachments_of(session, actor, ballot.id),
    )


def _mail(svc: Services, user: User, ballot: OpinionBallot, kind: str, now: datetime) -> OutboxMail:
    url = f"{svc.settings.base_url.rstrip('/')}/ballots/{ballot.id}"
    subject = {
        "sent": "Phiếu lấy ý kiến / Opinion ballot",
        "reminder": "Nhắc trả lời phiếu lấy ý kiến / Reminder: opinion ballot",
    }[kind]
    deadline = ballot.deadline.isoformat(timespec="minutes")
    return mail_for(
        user,
        subject=f"{subject}: {ballot.title}",
        text=(
            f"{ballot.title}\n\n{ballot.question}\n\n"
            f"Hạn trả lời / Deadline: {deadline} UTC\n{url}\n"
        ),
        purpose=f"ballot_{kind}",
        key=f"ballot:{ballot.id}:{kind}:{user.id}",
        now=now,
    )


async def create(svc: Services, actor: Actor, data: OpinionBallotIn) -> BallotView:
    async with perform(svc, actor, "ballot.sent", Permission.MEETING_SCHEDULE) as act:
        now = svc.clock.now()
        if data.deadline.tzinfo is None:
            raise ValidationFailed("The deadline needs a time zone.", code="naive_datetime")
        if data.deadline <= now + timedelta(minutes=5):
            raise ValidationFailed("The deadline must be in the future.", code="deadline_in_past")
        users = list(
            await act.session.scalars(
                select(User).where(User.username.in_(data.recipients), User.is_active.is_(True))
            )
        )
        missing = sorted(set(data.recipients) - {u.username for u in users})
        if missing:
            raise ValidationFailed(
                "Some recipients do not exist or are disabled.",
                code="unknown_participant",
                details={"missing": missing},
            )
        ballot = OpinionBallot(
            organization_id=actor.organization_id,
            title=data.title,
            question=data.question,
            explanation=data.explanation,
            documents=data.documents,
            deadline=data.deadline,
            remind_hours_before=data.remind_hours_before,
            status=OpinionBallotStatus.OPEN,
            created_by=actor.user_id,
            created_at=now,
        )
        act.session.add(ballot)
        await act.session.flush()
        for user in users:
            act.session.add(OpinionRecipient(ballot_id=ballot.id, user_id=user.id))
            if user.email:
                act.session.add(_mail(svc, user, ballot, "sent", now))
        act.record(
            "opinion_ballot",
            ballot.id,
            recipients=sorted(u.id for u in users),
            deadline=data.deadline.isoformat(),
        )
        await act.session.flush()
        return await _view(act.session, actor, ballot, None)


async def answer(svc: Services, actor: Actor, ballot_id: int, data: OpinionAnswerIn) -> BallotView:
    async with perform(svc, actor, "ballot.answered") as act:
        ballot, mine = await _visible(act.session, actor, ballot_id)
        if mine is None:
            raise NotFound(NOT_FOUND, code="ballot_not_found")
        now = svc.clock.now()
        if ballot.status is OpinionBallotStatus.CLOSED or now >= ballot.deadline:
            raise Conflict(
                f"The deadline ({ballot.deadline.isoformat(timespec='minutes')} UTC) has passed;"
                " answers are no longer accepted.",
                code="ballot_deadline_passed",
                details={"deadline": ballot.deadline.isoformat()},
            )
        if data.answer is OpinionAnswer.OTHER and not data.text:
            raise ValidationFailed("Write your opinion.", code="opinion_text_required")
        mine.answer, mine.text, mine.answered_at = data.answer, data.text, now
        act.record("opinion_ballot", ballot.id, answer=data.answer.value)
        await act.session.flush()
        return await _view(act.session, actor, ballot, mine)


async def get(svc: Services, actor: Actor, ballot_id: int) -> BallotView:
    async with svc.db.reading() as session:
        ballot, mine = await _visible(session, actor, ballot_id)
        return await _view(session, actor, ballot, mine)


async def inbox(svc: Services, actor: Actor) -> list[BallotView]:
    """Ballots sent to the actor, and (for a secretary) those their organization sent."""
    async with svc.db.reading() as session:
        query = select(OpinionBallot).where(
            OpinionBallot.id.in_(
                select(OpinionRecipient.ballot_id).where(OpinionRecipient.user_id == actor.user_id)
            )
        )
        if actor.can(Permission.MEETING_SCHEDULE):
            query = select(OpinionBallot).where(
                OpinionBallot.id.in_(
                    select(OpinionRecipient.ballot_id).where(
                        OpinionRecipient.user_id == actor.user_id
                    )
                )
                | (OpinionBallot.organization_id == actor.organization_id)
            )
        result = []
        for ballot in await session.scalars(
            query.order_by(OpinionBallot.deadline.desc(), OpinionBallot.id)
        ):
            mine = await session.get(OpinionRecipient, (ballot.id, actor.user_id))
            result.append(await _view(session, actor, ballot, mine))
        return result


async def close_due(svc: Services) -> int:
    """Close every open ballot whose deadline has come, with its summary. Returns how many."""
    now = svc.clock.now()
    async with svc.db.reading() as session:
        due = list(
            await session.scalars(
                select(OpinionBallot.id).where(
                    OpinionBallot.status == OpinionBallotStatus.OPEN, OpinionBallot.deadline <= now
                )
            )
        )
    for ballot_id in due:
        async with perform(svc, None, "ballot.closed") as act:
            ballot = await act.session.scalar(
                select(OpinionBallot).where(OpinionBallot.id == ballot_id).with_for_update()
            )
            if ballot is None or ballot.status is OpinionBallotStatus.CLOSED:
                continue
            ballot.summary = summarize(await _recipients(act.session, ballot_id))
            ballot.status, ballot.closed_at = OpinionBallotStatus.CLOSED, now
            act.record("opinion_ballot", ballot_id, counts=ballot.summary["counts"])
    return len(due)


async def queue_reminders(svc: Services) -> int:
    """Remind, once, every recipient who has not answered an open ballot whose deadline is within
    its reminder window. Returns how many reminders were queued."""
    now = svc.clock.now()
    queued = 0
    async with svc.db.transaction() as session:
        ballots = list(
            await session.scalars(
                select(OpinionBallot).where(
                    OpinionBallot.status == OpinionBallotStatus.OPEN, OpinionBallot.deadline > now
                )
            )
        )
        for ballot in ballots:
            if (
                now < ballot.deadline - timedelta(hours=ballot.remind_hours_before)
                or not ballot.remind_hours_before
            ):
                continue
            for recipient, user in await _recipients(session, ballot.id):
                if recipient.answer is None and recipient.reminded_at is None:
                    recipient.reminded_at = now
                    if user.email:
                        session.add(_mail(svc, user, ballot, "reminder", now))
                        queued += 1
    return queued
