"""The session itself: opening it (the consent agenda, queues seeded from positions), moving
through agenda items, conclusions per item, ending it; and the snapshot every client starts from.

Every change bumps the session's version (see :func:`seats.bump`); the snapshot carries it, so a
reconnecting client knows whether the events it missed matter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict
from ..models import (
    AgendaItem,
    AgendaItemStatus,
    ItemConclusion,
    MeetingStatus,
    SessionState,
)
from ..schemas.governance import ConclusionIn, CurrentItemIn
from . import attendance, floor, positions, seats, votes
from .actor import Actor
from .context import Services, perform

CONSENT_TEXT = "Adopted without debate (consent agenda)."


@dataclass
class ItemState:
    id: int
    title: str
    status: str
    planned_minutes: int
    conclusion: str | None
    by_consent: bool
    presenter_participant_id: int | None = None  # the item's presenter, if invited in person


async def _items(session: AsyncSession, meeting_id: int) -> list[ItemState]:
    seat_of_user = {
        p.user_id: p.id
        for p in await seats.participants_of(session, meeting_id)
        if p.user_id is not None and p.delegated_from_id is None
    }
    rows = (
        await session.execute(
            select(AgendaItem, ItemConclusion)
            .outerjoin(ItemConclusion, ItemConclusion.agenda_item_id == AgendaItem.id)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    ).all()
    return [
        ItemState(
            item.id,
            item.title,
            item.status.value,
            item.planned_minutes,
            conclusion.text if conclusion else None,
            bool(conclusion and conclusion.by_consent),
            seat_of_user.get(item.presenter_user_id) if item.presenter_user_id else None,
        )
        for item, conclusion in rows
    ]


async def presents_current_item(svc: Services, meeting_id: int, participant_id: int) -> bool:
    """Is this participant the presenter of the item under discussion (they may drive a
    document in the room, as the chair and the floor holder may)?"""
    async with svc.db.reading() as session:
        state = await session.get(SessionState, meeting_id)
        if state is None or state.current_item_id is None:
            return False
        item = next(
            (i for i in await _items(session, meeting_id) if i.id == state.current_item_id), None
        )
        return item is not None and item.presenter_participant_id == participant_id


async def snapshot(session: AsyncSession, seat: seats.Seat, now: Any) -> dict[str, Any]:
    """Everything a participant's screen shows, as the viewer may see it."""
    meeting_id = seat.meeting.id
    state = await session.get(SessionState, meeting_id)
    view = await attendance.compute(session, meeting_id, now)
    return {
        "meeting_id": meeting_id,
        "status": seat.meeting.status.value,
        "version": state.version if state else 0,
        "current_item_id": state.current_item_id if state else None,
        "started": bool(state and state.started_at),
        "consent_adopted": bool(state and state.consent_adopted_at),
        "items": [asdict(i) for i in await _items(session, meeting_id)],
        "floor": asdict(await floor.floor_of(session, meeting_id, now)),
        "attendance": {
            "quorum": view.quorum.as_dict(),
            "rows": [asdict(r) for r in view.rows] if seat.runs_session else [],
        },
        "names": {r.participant_id: r.name for r in view.rows},
        "motions": [asdict(m) for m in await votes.motions_of(session, seat)],
        "you": {
            "participant_id": seat.person.id if seat.person else None,
            "endpoints": [e.id for e in seat.endpoints],
            "runs_session": seat.runs_session,
            "is_chair": seat.is_chair,
        },
    }


async def public_state(svc: Services, meeting_id: int) -> dict[str, Any]:
    """What every participant of the live room may see, for the WebSocket (no per-viewer parts:
    no roll, no live tally, no one's own vote). Clients fetch their own view over HTTP."""
    from ..models import Meeting

    async with svc.db.reading() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            return {"meeting_id": meeting_id, "version": 0}
        now = svc.clock.now()
        state = await session.get(SessionState, meeting_id)
        view = await attendance.compute(session, meeting_id, now)
        data = {
            "meeting_id": meeting_id,
            "status": meeting.status.value,
            "started": bool(state and state.started_at),
            "version": state.version if state else 0,
            "current_item_id": state.current_item_id if state else None,
            "items": [asdict(i) for i in await _items(session, meeting_id)],
            "floor": asdict(await floor.floor_of(session, meeting_id, now)),
            "quorum": view.quorum.as_dict(),
            "names": {str(r.participant_id): r.name for r in view.rows},
            "motions": await votes.public_motions(session, meeting_id),
        }
        return to_jsonable_python(data)  # type: ignore[no-any-return]


async def get(svc: Services, actor: Actor, meeting_id: int) -> dict[str, Any]:
    async with svc.db.reading() as session:
        seat = await seats.seat(session, actor, meeting_id)
        return await snapshot(session, seat, svc.clock.now())


async def started(session: AsyncSession, meeting_id: int) -> bool:
    state = await session.get(SessionState, meeting_id)
    return state is not None and state.started_at is not None


async def _state(session: AsyncSession, meeting_id: int) -> SessionState:
    state = await session.get(SessionState, meeting_id)
    if state is None or state.started_at is None:
        raise Conflict("The session has not started.", code="session_not_started")
    return state


async def start(svc: Services, actor: Actor, meeting_id: int) -> dict[str, Any]:
    """Open the session: the meeting goes in progress, positions close, queues are seeded."""
    async with perform(svc, actor, "session.started") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_runner()
        if seat.meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS):
            raise Conflict("Only a scheduled meeting can start.", code="invalid_transition")
        if await started(act.session, meeting_id):
            raise Conflict("The session has already started.", code="session_started")
        now = svc.clock.now()
        if seat.meeting.status is MeetingStatus.SCHEDULED:  # joining the live room also starts it
            seat.meeting.status = MeetingStatus.IN_PROGRESS
            seat.meeting.updated_at = now
        seeded = await positions.seed_queues(act.session, meeting_id, now)
        act.record("meeting", meeting_id, seeded_requests=seeded)
        await seats.bump(act.session, meeting_id, now)
        state = await act.session.get(SessionState, meeting_id)
        assert state is not None
        state.started_at = now
        await act.session.flush()
        return await snapshot(act.session, seat, now)


async def adopt_consent(svc: Services, actor: Actor, meeting_id: int) -> dict[str, Any]:
    """Conclude every consent item (nobody objected, nobody asked to speak) in one act."""
    async with perform(svc, actor, "session.consent_adopted") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_runner()
        state = await _state(act.session, meeting_id)
        if state.consent_adopted_at is not None:
            raise Conflict("The consent agenda was already adopted.", code="consent_adopted")
        now = svc.clock.now()
        view = await positions.overview(act.session, meeting_id, mine=None, full=False)
        adopted = []
        for item_id in view.consent_item_ids:
            item = await act.session.get(AgendaItem, item_id)
            if item is None or item.status is AgendaItemStatus.CONCLUDED:
                continue
            item.status, item.updated_at = AgendaItemStatus.CONCLUDED, now
            act.session.add(
                ItemConclusion(
                    agenda_item_id=item_id,
                    meeting_id=meeting_id,
                    text=CONSENT_TEXT,
                    by_consent=True,
                    recorded_by=actor.user_id,
                    recorded_at=now,
                )
            )
            adopted.append(item_id)
        state.consent_adopted_at = now
        act.record("meeting", meeting_id, adopted_items=adopted)
        await seats.bump(act.session, meeting_id, now)
        await act.session.flush()
        return await snapshot(act.session, seat, now)


async def set_current(
    svc: Services, actor: Actor, meeting_id: int, data: CurrentItemIn
) -> dict[str, Any]:
    async with perform(svc, actor, "session.item_changed") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_runner()
        state = await _state(act.session, meeting_id)
        await floor.check_item(act.session, meeting_id, data.agenda_item_id)
        now = svc.clock.now()
        if data.agenda_item_id is not None:
            item = await act.session.get(AgendaItem, data.agenda_item_id)
            if item is not None and item.status is AgendaItemStatus.PENDING:
                item.status, item.updated_at = AgendaItemStatus.UNDER_DISCUSSION, now
        state.current_item_id = data.agenda_item_id
        act.record("meeting", meeting_id, current_item_id=data.agenda_item_id)
        await seats.bump(act.session, meeting_id, now)
        await act.session.flush()
        return await snapshot(act.session, seat, now)


async def conclude(
    svc: Services, actor: Actor, meeting_id: int, item_id: int, data: ConclusionIn
) -> dict[str, Any]:
    async with perform(svc, actor, "session.item_concluded") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_runner()
        await _state(act.session, meeting_id)
        await floor.check_item(act.session, meeting_id, item_id)
        now = svc.clock.now()
        item = await act.session.get(AgendaItem, item_id)
        assert item is not None
        row = await act.session.get(ItemConclusion, item_id)
        if row is None:
            row = ItemConclusion(agenda_item_id=item_id, meeting_id=meeting_id)
            act.session.add(row)
        row.text, row.by_consent, row.recorded_by, row.recorded_at = (
            data.text,
            False,
            actor.user_id,
            now,
        )
        item.status, item.updated_at = AgendaItemStatus.CONCLUDED, now
        act.record("agenda_item", item_id, meeting_id=meeting_id, conclusion=data.text)
        await seats.bump(act.session, meeting_id, now)
        await act.session.flush()
        return await snapshot(act.session, seat, now)


async def end(svc: Services, actor: Actor, meeting_id: int) -> dict[str, Any]:
    async with perform(svc, actor, "session.ended") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_runner()
        if seat.meeting.status is not MeetingStatus.IN_PROGRESS:
            raise Conflict("The session is not in progress.", code="invalid_transition")
        if await votes.open_motion_id(act.session, meeting_id):
            raise Conflict("Close the open vote first.", code="motion_open")
        now = svc.clock.now()
        seat.meeting.status, seat.meeting.updated_at = MeetingStatus.ENDED, now
        act.record("meeting", meeting_id)
        await seats.bump(act.session, meeting_id, now)
        await seats.mark_ended(act.session, meeting_id, now)
        await act.session.flush()
        return await snapshot(act.session, seat, now)
