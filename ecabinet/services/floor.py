"""The floor (đăng ký phát biểu): requests to speak, the chair's queue, the speaking timer.

A participant asks for itself; an endpoint's operator asks for the room. The chair (or the
secretary) grants, skips or revokes; granting ends whoever was speaking. Positions taken before
the session seed requests with origin ``position`` (see :mod:`positions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import AgendaItem, SpeechOrigin, SpeechRequest, SpeechStatus
from ..schemas.governance import GrantIn, SpeechRequestIn
from . import seats
from .actor import Actor
from .context import Services, perform

OPEN = (SpeechStatus.WAITING, SpeechStatus.SPEAKING)


@dataclass
class SpeechView:
    id: int
    participant_id: int
    agenda_item_id: int | None
    origin: str
    status: str
    note: str
    requested_at: datetime
    started_at: datetime | None
    planned_seconds: int
    elapsed_seconds: int
    overtime: bool


@dataclass
class FloorView:
    meeting_id: int
    speaking: SpeechView | None
    queue: list[SpeechView]


def _view(row: SpeechRequest, now: datetime) -> SpeechView:
    elapsed = 0
    if row.started_at is not None:
        elapsed = int(((row.ended_at or now) - row.started_at).total_seconds())
    return SpeechView(
        row.id,
        row.participant_id,
        row.agenda_item_id,
        row.origin.value,
        row.status.value,
        row.note,
        row.requested_at,
        row.started_at,
        row.planned_seconds,
        elapsed,
        bool(row.planned_seconds) and elapsed > row.planned_seconds,
    )


async def floor_of(session: AsyncSession, meeting_id: int, now: datetime) -> FloorView:
    rows = list(
        await session.scalars(
            select(SpeechRequest)
            .where(SpeechRequest.meeting_id == meeting_id, SpeechRequest.status.in_(OPEN))
            .order_by(SpeechRequest.requested_at, SpeechRequest.id)
        )
    )
    speaking = next((r for r in rows if r.status is SpeechStatus.SPEAKING), None)
    return FloorView(
        meeting_id,
        _view(speaking, now) if speaking else None,
        [_view(r, now) for r in rows if r.status is SpeechStatus.WAITING],
    )


async def get(svc: Services, actor: Actor, meeting_id: int) -> FloorView:
    async with svc.db.reading() as session:
        await seats.seat(session, actor, meeting_id)
        return await floor_of(session, meeting_id, svc.clock.now())


async def check_item(session: AsyncSession, meeting_id: int, item_id: int | None) -> None:
    if item_id is None:
        return
    item = await session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise ValidationFailed("No such agenda item in this meeting.", code="unknown_agenda_item")


def enqueue(
    session: AsyncSession,
    meeting_id: int,
    participant_id: int,
    *,
    item_id: int | None,
    by: int | None,
    origin: SpeechOrigin,
    note: str,
    now: datetime,
) -> SpeechRequest:
    row = SpeechRequest(
        meeting_id=meeting_id,
        agenda_item_id=item_id,
        participant_id=participant_id,
        requested_by=by,
        origin=origin,
        status=SpeechStatus.WAITING,
        note=note,
        requested_at=now,
    )
    session.add(row)
    return row


async def request(svc: Services, actor: Actor, meeting_id: int, data: SpeechRequestIn) -> FloorView:
    async with perform(svc, actor, "floor.requested") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        if data.endpoint_participant_id is not None:
            if not any(e.id == data.endpoint_participant_id for e in seat.endpoints):
                raise ValidationFailed(
                    "You do not operate this endpoint in this meeting.", code="not_operator"
                )
            speaker = data.endpoint_participant_id
        elif seat.person is not None:
            speaker = seat.person.id
        else:
            raise ValidationFailed("You are not a participant.", code="not_participant")
        await check_item(act.session, meeting_id, data.agenda_item_id)
        already = await act.session.scalar(
            select(SpeechRequest.id).where(
                SpeechRequest.meeting_id == meeting_id,
                SpeechRequest.participant_id == speaker,
                SpeechRequest.status.in_(OPEN),
                SpeechRequest.agenda_item_id.is_(None)
                if data.agenda_item_id is None
                else SpeechRequest.agenda_item_id == data.agenda_item_id,
            )
        )
        if already:
            raise Conflict("You have already asked for the floor.", code="already_requested")
        now = svc.clock.now()
        row = enqueue(
            act.session,
            meeting_id,
            speaker,
            item_id=data.agenda_item_id,
            by=actor.user_id,
            origin=SpeechOrigin.LIVE,
            note=data.note,
            now=now,
        )
        await act.session.flush()
        act.record("speech_request", row.id, meeting_id=meeting_id, participant_id=speaker)
        await seats.bump(act.session, meeting_id, now)
        return await floor_of(act.session, meeting_id, now)


async def _request_row(session: AsyncSession, meeting_id: int, request_id: int) -> SpeechRequest:
    row = await session.get(SpeechRequest, request_id)
    if row is None or row.meeting_id != meeting_id:
        raise NotFound("No such request to speak.", code="speech_request_not_found")
    return row


async def _change(
    svc: Services,
    actor: Actor,
    meeting_id: int,
    request_id: int,
    action: str,
    *,
    planned_seconds: int = 0,
) -> FloorView:
    async with perform(svc, actor, f"floor.{action}") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        row = await _request_row(act.session, meeting_id, request_id)
        now = svc.clock.now()
        if action == "withdrawn":
            if not seat.speaks_for(row.participant_id):
                raise NotFound("No such request to speak.", code="speech_request_not_found")
            _expect(row, SpeechStatus.WAITING)
            row.status, row.ended_at = SpeechStatus.WITHDRAWN, now
        else:
            seat.require_runner()
            if action == "granted":
                _expect(row, SpeechStatus.WAITING)
                for current in await act.session.scalars(
                    select(SpeechRequest).where(
                        SpeechRequest.meeting_id == meeting_id,
                        SpeechRequest.status == SpeechStatus.SPEAKING,
                    )
                ):
                    current.status, current.ended_at = SpeechStatus.DONE, now
                row.status, row.started_at = SpeechStatus.SPEAKING, now
                row.planned_seconds = planned_seconds
            elif action == "skipped":
                _expect(row, SpeechStatus.WAITING)
                row.status, row.ended_at = SpeechStatus.SKIPPED, now
            elif action == "revoked":
                _expect(row, SpeechStatus.SPEAKING)
                row.status, row.ended_at = SpeechStatus.REVOKED, now
            else:  # finished
                _expect(row, SpeechStatus.SPEAKING)
                row.status, row.ended_at = SpeechStatus.DONE, now
        act.record(
            "speech_request",
            row.id,
            meeting_id=meeting_id,
            participant_id=row.participant_id,
            planned_seconds=row.planned_seconds,
        )
        await seats.bump(act.session, meeting_id, now)
        await act.session.flush()
        return await floor_of(act.session, meeting_id, now)


def _expect(row: SpeechRequest, status: SpeechStatus) -> None:
    if row.status is not status:
        raise Conflict(
            f"The request is {row.status.value}, not {status.value}.", code="speech_state"
        )


async def grant(
    svc: Services, actor: Actor, meeting_id: int, request_id: int, data: GrantIn
) -> FloorView:
    return await _change(
        svc, actor, meeting_id, request_id, "granted", planned_seconds=data.planned_seconds
    )


async def skip(svc: Services, actor: Actor, meeting_id: int, request_id: int) -> FloorView:
    return await _change(svc, actor, meeting_id, request_id, "skipped")


async def revoke(svc: Services, actor: Actor, meeting_id: int, request_id: int) -> FloorView:
    return await _change(svc, actor, meeting_id, request_id, "revoked")


async def finish(svc: Services, actor: Actor, meeting_id: int, request_id: int) -> FloorView:
    return await _change(svc, actor, meeting_id, request_id, "finished")


async def withdraw(svc: Services, actor: Actor, meeting_id: int, request_id: int) -> FloorView:
    return await _change(svc, actor, meeting_id, request_id, "withdrawn")


async def speaker(svc: Services, meeting_id: int) -> int | None:
    """The participant id holding the floor now, if any."""
    async with svc.db.reading() as session:
        return await session.scalar(
            select(SpeechRequest.participant_id).where(
                SpeechRequest.meeting_id == meeting_id,
                SpeechRequest.status == SpeechStatus.SPEAKING,
            )
        )
