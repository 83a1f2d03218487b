"""Answers to an invitation: accept, decline, tentative, or delegate to a deputy (ủy quyền).

A person answers for themself; an endpoint's answer is given by its room operator. Delegating
names a deputy of the same organization with a reason: the deputy becomes a participant in the
same role and gets the invitation (ATTENDEE;DELEGATED-FROM), the principal stays listed as
DELEGATED with DELEGATED-TO. The links in invitation mails carry a signed single-purpose token.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Endpoint, Meeting, MeetingStatus, Participant, Rsvp, User
from ..schemas.meetings import RsvpIn
from . import invitations, participants
from .actor import Actor
from .context import Services, perform
from .meetings import MeetingDetail, can_edit, visible_meeting
from .participants import Wanted
from .tokens import InvalidToken, TokenType

OPEN = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


async def _own_row(
    session: AsyncSession, actor: Actor, meeting_id: int, endpoint: int | None
) -> Participant:
    if endpoint is None:
        query = select(Participant).where(
            Participant.meeting_id == meeting_id, Participant.user_id == actor.user_id
        )
    else:
        query = (
            select(Participant)
            .join(Endpoint, Endpoint.id == Participant.endpoint_id)
            .where(
                Participant.meeting_id == meeting_id,
                Participant.endpoint_id == endpoint,
                Endpoint.operator_id == actor.user_id,
            )
        )
    row = await session.scalar(query)
    if row is None:
        raise NotFound("You are not invited to this meeting.", code="not_a_participant")
    return row


async def _answer(
    session: AsyncSession, svc: Services, meeting: Meeting, row: Participant, data: RsvpIn
) -> None:
    if meeting.status not in OPEN:
        raise Conflict("This meeting no longer takes answers.", code="meeting_closed")
    if row.rsvp is Rsvp.DELEGATED:
        raise Conflict("You have already delegated this meeting.", code="already_delegated")
    now = svc.clock.now()
    if data.answer is Rsvp.DELEGATED:
        await _delegate(session, svc, meeting, row, data)
    row.rsvp = data.answer
    row.rsvp_at = now


apply_answer = _answer  # for an answer that came another way (an iTIP REPLY by mail)


async def _delegate(
    session: AsyncSession, svc: Services, meeting: Meeting, row: Participant, data: RsvpIn
) -> None:
    if row.user_id is None:
        raise ValidationFailed("An endpoint cannot delegate.", code="invalid_delegation")
    principal = await session.get(User, row.user_id)
    deputy = await session.scalar(
        select(User).where(User.username == data.delegate_username, User.is_active.is_(True))
    )
    if deputy is None or principal is None or deputy.id == principal.id:
        raise ValidationFailed("No such deputy.", code="unknown_deputy")
    if deputy.organization_id != principal.organization_id:
        raise ValidationFailed(
            "A deputy must belong to your own organization.", code="deputy_other_organization"
        )
    taken = await session.scalar(
        select(Participant.id).where(
            Participant.meeting_id == meeting.id, Participant.user_id == deputy.id
        )
    )
    if taken:
        raise Conflict("The deputy is already a participant.", code="deputy_already_invited")
    stand_in = participants.add(
        session,
        meeting.id,
        Wanted(deputy.id, None, row.role),
        svc.clock.now(),
        delegated_from_id=row.id,
    )
    await session.flush()
    row.delegated_to_id = stand_in.id
    row.delegation_reason = data.reason
    row.rsvp = Rsvp.DELEGATED
    await session.flush()
    views = await participants.views(session, [meeting.id])
    deputy_view = [v for v in views if v.row.id == stand_in.id]
    await invitations.queue_itip(
        session,
        svc,
        meeting,
        views,
        deputy_view,
        purpose="invitation",
    )


async def answer(svc: Services, actor: Actor, meeting_id: int, data: RsvpIn) -> MeetingDetail:
    async with perform(svc, actor, "meeting.rsvp") as act:
        meeting = await visible_meeting(act.session, actor, meeting_id)
        row = await _own_row(act.session, actor, meeting_id, data.endpoint)
        await _answer(act.session, svc, meeting, row, data)
        act.record(
            "participant",
            row.id,
            meeting_id=meeting_id,
            answer=data.answer,
            deputy=data.delegate_username,
            reason=data.reason,
        )
        views = await participants.views(act.session, [meeting.id])
    return MeetingDetail(meeting, views, can_edit(actor, meeting))


def read_link(svc: Services, token: str) -> tuple[int, int, Rsvp]:
    """The participant, meeting and answer a signed RSVP link stands for.

    A forged, altered or expired link is simply not found (it is no login failure)."""
    try:
        claims = svc.tokens.verify(token, TokenType.RSVP)
        return int(claims["sub"]), int(claims["mid"]), Rsvp(claims["ans"])
    except (InvalidToken, KeyError, ValueError) as exc:
        raise NotFound("This link is not valid or has expired.", code="invalid_link") from exc


async def describe_link(svc: Services, token: str) -> tuple[Meeting, Participant, Rsvp]:
    participant_id, meeting_id, answer_value = read_link(svc, token)
    async with svc.db.reading() as session:
        row = await session.get(Participant, participant_id)
        meeting = await session.get(Meeting, meeting_id)
    if row is None or meeting is None or row.meeting_id != meeting.id:
        raise NotFound("This invitation no longer exists.", code="meeting_not_found")
    return meeting, row, answer_value


async def answer_by_link(svc: Services, token: str, address: str = "") -> tuple[Meeting, Rsvp]:
    participant_id, meeting_id, answer_value = read_link(svc, token)
    async with perform(svc, None, "meeting.rsvp_link") as act:
        row = await act.session.get(Participant, participant_id)
        meeting = await act.session.get(Meeting, meeting_id)
        if row is None or meeting is None or row.meeting_id != meeting.id:
            raise NotFound("This invitation no longer exists.", code="meeting_not_found")
        await _answer(act.session, svc, meeting, row, RsvpIn(answer=answer_value))
        act.record(
            "participant",
            row.id,
            meeting_id=meeting.id,
            answer=answer_value,
            via="link",
            address=address,
        )
    return meeting, answer_value


async def awaiting(svc: Services, actor: Actor) -> list[tuple[Meeting, str]]:
    """The invitations the actor has still to answer, soonest first: their own, and those of the
    endpoints they operate (with the endpoint's name; "" for their own) — the answers the meeting
    page asks for. Only meetings that still take answers and have not ended."""
    now = svc.clock.now()
    query = (
        select(Meeting, Endpoint.name)
        .join(Participant, Participant.meeting_id == Meeting.id)
        .outerjoin(Endpoint, Endpoint.id == Participant.endpoint_id)
        .where(
            Participant.rsvp == Rsvp.NEEDS_ACTION,
            (Participant.user_id == actor.user_id) | (Endpoint.operator_id == actor.user_id),
            Meeting.status.in_(OPEN),
            Meeting.ends_at > now,
        )
        .order_by(Meeting.starts_at, Meeting.id, Participant.id)
    )
    async with svc.db.reading() as session:
        return [(meeting, name or "") for meeting, name in (await session.execute(query)).all()]
