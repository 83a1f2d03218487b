"""Pre-session positions (Estonia's e-Cabinet): per agenda item, each member marks *no objection*,
*objection* or *wish to speak*, with a note. Items nobody objects to and nobody wants to speak on
form the consent agenda, adopted without debate at the opening. Positions are open until the
session starts; then objections and wishes to speak seed each item's speaking queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, ValidationFailed
from ..models import (
    AgendaItem,
    ItemPosition,
    MeetingStatus,
    PositionKind,
    SessionState,
    SpeechOrigin,
    User,
)
from ..schemas.governance import PositionIn
from . import floor, seats
from .actor import Actor
from .context import Services, perform

OPEN_FOR_POSITIONS = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
DEBATE = (PositionKind.OBJECTION, PositionKind.WISH_TO_SPEAK)


@dataclass
class PositionEntry:
    participant_id: int
    name: str
    position: str
    note: str
    updated_at: datetime


@dataclass
class ItemPositions:
    agenda_item_id: int
    title: str
    counts: dict[str, int]
    entries: list[PositionEntry] = field(default_factory=list)
    consent: bool = True
    mine: str | None = None


@dataclass
class PositionsView:
    meeting_id: int
    members: int
    items: list[ItemPositions]
    consent_item_ids: list[int]


async def _member_seat(seat: seats.Seat) -> int:
    person = seat.person
    if person is None or person.user_id is None:
        raise ValidationFailed("Only members take positions.", code="not_member")
    if seats.is_member(person) or person.delegated_from_id is not None:
        return person.delegated_from_id or person.id  # a deputy speaks for the member's seat
    raise ValidationFailed("Only members take positions.", code="not_member")


async def take(
    svc: Services, actor: Actor, meeting_id: int, item_id: int, data: PositionIn
) -> PositionsView:
    async with perform(svc, actor, "position.taken") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        state = await act.session.get(SessionState, meeting_id)
        if seat.meeting.status not in OPEN_FOR_POSITIONS or (state and state.started_at):
            raise Conflict(
                "Positions are taken before the session starts.", code="positions_closed"
            )
        member_id = await _member_seat(seat)
        await floor.check_item(act.session, meeting_id, item_id)
        now = svc.clock.now()
        row = await act.session.get(ItemPosition, (item_id, member_id))
        if row is None:
            row = ItemPosition(
                agenda_item_id=item_id, participant_id=member_id, meeting_id=meeting_id
            )
            act.session.add(row)
        row.position, row.note, row.updated_at = data.position, data.note, now
        act.record(
            "agenda_item",
            item_id,
            meeting_id=meeting_id,
            member=member_id,
            position=data.position.value,
        )
        await act.session.flush()
        return await overview(act.session, meeting_id, mine=member_id, full=seat.runs_session)


async def overview(
    session: AsyncSession, meeting_id: int, *, mine: int | None, full: bool
) -> PositionsView:
    items = list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    rows = (
        await session.execute(
            select(ItemPosition, User.full_name)
            .join(seats.Participant, seats.Participant.id == ItemPosition.participant_id)
            .join(User, User.id == seats.Participant.user_id)
            .where(ItemPosition.meeting_id == meeting_id)
            .order_by(ItemPosition.updated_at)
        )
    ).all()
    members = sum(1 for p in await seats.participants_of(session, meeting_id) if seats.is_member(p))
    result: list[ItemPositions] = []
    for item in items:
        counts = {k.value: 0 for k in PositionKind}
        entry = ItemPositions(item.id, item.title, counts)
        for pos, name in rows:
            if pos.agenda_item_id != item.id:
                continue
            counts[pos.position.value] += 1
            if pos.position in DEBATE:
                entry.consent = False
            if pos.participant_id == mine:
                entry.mine = pos.position.value
            if full:
                entry.entries.append(
                    PositionEntry(
                        pos.participant_id, name, pos.position.value, pos.note, pos.updated_at
                    )
                )
        if not any(counts.values()):
            entry.consent = False  # nobody answered: silence adopts nothing, the item is debated
        result.append(entry)
    return PositionsView(
        meeting_id, members, result, [i.agenda_item_id for i in result if i.consent]
    )


async def get(svc: Services, actor: Actor, meeting_id: int) -> PositionsView:
    """Members see the counts and their own positions; the chair and secretary see everyone's."""
    async with svc.db.reading() as session:
        seat = await seats.seat(session, actor, meeting_id)
        mine = None
        if seat.person is not None:
            mine = seat.person.delegated_from_id or seat.person.id
        return await overview(session, meeting_id, mine=mine, full=seat.runs_session)


async def seed_queues(session: AsyncSession, meeting_id: int, now: datetime) -> int:
    """Objections and wishes to speak become requests to speak on their items, in the order the
    positions were taken. Returns how many were queued."""
    rows = list(
        await session.scalars(
            select(ItemPosition)
            .where(ItemPosition.meeting_id == meeting_id, ItemPosition.position.in_(DEBATE))
            .order_by(ItemPosition.updated_at, ItemPosition.participant_id)
        )
    )
    for pos in rows:
        floor.enqueue(
            session,
            meeting_id,
            pos.participant_id,
            item_id=pos.agenda_item_id,
            by=None,
            origin=SpeechOrigin.POSITION,
            note=pos.note,
            now=pos.updated_at,
        )
    return len(rows)
