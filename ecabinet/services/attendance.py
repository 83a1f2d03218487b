"""Attendance (điểm danh): recorded on join/leave, declared per endpoint, corrected (or checked
in, in the hall) by the secretary; the quorum it gives under the meeting kind's rules.

Precedence for one participant: the secretary's correction, else online, else in person (named in
an endpoint operator's declaration for the room), else absent. "Online" depends on what the view
is for: while the session runs (the *live* view, which the quorum of a vote is taken from) it is an
open stay in the room now; once the session is over (the *record*, which the attendance page and
the minutes give) it is any stay in the room during the session, with the times of each stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import ValidationFailed
from ..models import (
    AttendanceCorrection,
    AttendanceStatus,
    Endpoint,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Organization,
    Participant,
    Presence,
    RoomDeclaration,
    SessionState,
    User,
)
from ..schemas.governance import AttendanceCorrectionIn, RoomDeclarationIn
from . import rules, seats
from .actor import Actor
from .context import Services, perform

PRESENT = (AttendanceStatus.PRESENT_IN_PERSON, AttendanceStatus.PRESENT_ONLINE)


@dataclass
class Stay:
    """One stay in the live room: joined, and left (None while still there)."""

    joined_at: datetime
    left_at: datetime | None = None


@dataclass
class AttendanceRow:
    participant_id: int
    name: str
    organization: str
    role: str
    is_member: bool
    status: AttendanceStatus
    source: str  # "correction", "online", "room", "none"
    deputy_for: int | None
    represented_by: int | None
    first_joined_at: datetime | None = None
    last_left_at: datetime | None = None
    online_seconds: int = 0
    headcount: int | None = None  # for an endpoint: people declared in the room
    note: str = ""
    stays: list[Stay] = field(default_factory=list)


@dataclass
class AttendanceView:
    meeting_id: int
    rows: list[AttendanceRow]
    quorum: rules.QuorumState
    rules: dict[str, object]
    counts: rules.Attendance
    version: int = 0
    room_headcount: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    record: bool = False  # the session is over: who was in the room during it, not who is now


def _during(stay: Presence, state: SessionState | None) -> bool:
    """Did this stay overlap the session (from its start to its end, where recorded)?"""
    if state is not None and state.started_at is not None:
        if stay.left_at is not None and stay.left_at <= state.started_at:
            return False
    if state is not None and state.ended_at is not None:
        return stay.joined_at < state.ended_at
    return True


def is_over(meeting: Meeting, state: SessionState | None) -> bool:
    return meeting.status in (MeetingStatus.ENDED, MeetingStatus.CLOSED) or bool(
        state and state.ended_at
    )


async def compute(
    session: AsyncSession, meeting_id: int, now: datetime, *, record: bool | None = None
) -> AttendanceView:
    """Attendance and quorum: live while the session runs, the record once it is over
    (``record`` forces one or the other; the minutes always take the record)."""
    meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    state = await session.get(SessionState, meeting_id)
    if record is None:
        record = is_over(meeting, state)
    people = await seats.participants_of(session, meeting_id)
    users = {
        u.id: (u, o)
        for u, o in (
            await session.execute(
                select(User, Organization)
                .join(Organization, Organization.id == User.organization_id)
                .where(User.id.in_([p.user_id for p in people if p.user_id]))
            )
        ).all()
    }
    endpoints = {
        e.id: e
        for e in await session.scalars(
            select(Endpoint).where(
                Endpoint.id.in_([p.endpoint_id for p in people if p.endpoint_id])
            )
        )
    }
    stays = list(
        await session.scalars(
            select(Presence).where(Presence.meeting_id == meeting_id).order_by(Presence.id)
        )
    )
    rooms = list(
        await session.scalars(
            select(RoomDeclaration).where(RoomDeclaration.meeting_id == meeting_id)
        )
    )
    corrections = {
        c.participant_id: c
        for c in await session.scalars(
            select(AttendanceCorrection).where(AttendanceCorrection.meeting_id == meeting_id)
        )
    }
    in_rooms = {pid for room in rooms for pid in room.present_participant_ids}
    headcounts = {room.participant_id: room.headcount for room in rooms}
    rows: list[AttendanceRow] = []
    for p in people:
        mine = [s for s in stays if s.participant_id == p.id]
        if record:
            online = any(_during(s, state) for s in mine)
        else:
            online = any(s.left_at is None for s in mine)
        if p.id in corrections:
            status, source = corrections[p.id].status, "correction"
        elif online:
            status, source = AttendanceStatus.PRESENT_ONLINE, "online"
        elif p.id in in_rooms:
            status, source = AttendanceStatus.PRESENT_IN_PERSON, "room"
        else:
            status, source = AttendanceStatus.ABSENT, "none"
        if p.user_id and p.user_id in users:
            user, org = users[p.user_id]
            name, organization = user.full_name, org.name
        else:
            endpoint = endpoints.get(p.endpoint_id or 0)
            name, organization = (endpoint.name if endpoint else "?"), ""
        seconds = sum(int(((s.left_at or now) - s.joined_at).total_seconds()) for s in mine)
        rows.append(
            AttendanceRow(
                participant_id=p.id,
                name=name,
                organization=organization,
                role=p.role.value,
                is_member=seats.is_member(p),
                status=status,
                source=source,
                deputy_for=p.delegated_from_id,
                represented_by=p.delegated_to_id,
                first_joined_at=mine[0].joined_at if mine else None,
                last_left_at=max((s.left_at for s in mine if s.left_at), default=None),
                online_seconds=seconds,
                headcount=headcounts.get(p.id) if p.endpoint_id else None,
                note=corrections[p.id].note if p.id in corrections else "",
                stays=[Stay(s.joined_at, s.left_at) for s in mine],
            )
        )
    counts = count(rows)
    ruleset = rules.rules_for(meeting.kind)
    return AttendanceView(
        meeting_id,
        rows,
        rules.quorum(ruleset, counts),
        ruleset.describe(),
        counts,
        state.version if state else 0,
        sum(headcounts.values()),
        record=record,
    )


def count(rows: list[AttendanceRow]) -> rules.Attendance:
    by_id = {r.participant_id: r for r in rows}
    members = [r for r in rows if r.is_member]
    present = sum(1 for r in members if r.status in PRESENT)
    represented = sum(
        1
        for r in members
        if r.status not in PRESENT
        and r.represented_by in by_id
        and by_id[r.represented_by].status in PRESENT
    )
    return rules.Attendance(len(members), present, represented)


async def get(svc: Services, actor: Actor, meeting_id: int) -> AttendanceView:
    async with svc.db.reading() as session:
        await seats.seat(session, actor, meeting_id)
        return await compute(session, meeting_id, svc.clock.now())


HALL_MODES = (MeetingMode.IN_PERSON, MeetingMode.HYBRID)


@dataclass
class AttendanceSheet:
    """The attendance page: the view, its meeting, and whether the viewer checks people in."""

    meeting: Meeting
    view: AttendanceView
    checks_in: bool  # the meeting's secretary, and the meeting has a hall (in person, hybrid)

    def checked_in(self, row: AttendanceRow) -> bool:
        """Ticked in the hall by the secretary (a correction to "present in person")."""
        return row.source == "correction" and row.status is AttendanceStatus.PRESENT_IN_PERSON


async def sheet(svc: Services, actor: Actor, meeting_id: int) -> AttendanceSheet:
    async with svc.db.reading() as session:
        seat = await seats.seat(session, actor, meeting_id)
        view = await compute(session, meeting_id, svc.clock.now())
        live = seat.meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED)
        checks_in = seat.is_secretary and live and seat.meeting.mode in HALL_MODES
        return AttendanceSheet(seat.meeting, view, checks_in)


async def _participant_for(
    session: AsyncSession,
    meeting_id: int,
    user_id: int | None,
    endpoint_id: int | None,
    participant_id: int | None = None,
) -> Participant:
    if participant_id is not None:
        column, value = Participant.id, participant_id
    elif user_id:
        column, value = Participant.user_id, user_id
    else:
        column, value = Participant.endpoint_id, endpoint_id
    row = await session.scalar(
        select(Participant).where(Participant.meeting_id == meeting_id, column == value)
    )
    if row is None:
        raise ValidationFailed("Not a participant of this meeting.", code="not_participant")
    return row


async def joined(
    svc: Services,
    meeting_id: int,
    *,
    user_id: int | None = None,
    endpoint_id: int | None = None,
    participant_id: int | None = None,
) -> int:
    """The live meeting says a person or endpoint joined; returns the session's new version.

    Called by the signaling hub (as the system). A second join without a leave (another tab, a
    reconnect) keeps the open stay."""
    async with perform(svc, None, "attendance.joined") as act:
        row = await _participant_for(act.session, meeting_id, user_id, endpoint_id, participant_id)
        now = svc.clock.now()
        open_stay = await act.session.scalar(
            select(Presence.id).where(Presence.participant_id == row.id, Presence.left_at.is_(None))
        )
        if open_stay is None:
            act.session.add(Presence(meeting_id=meeting_id, participant_id=row.id, joined_at=now))
        act.record("participant", row.id, meeting_id=meeting_id)
        return await seats.bump(act.session, meeting_id, now)


async def left(
    svc: Services,
    meeting_id: int,
    *,
    user_id: int | None = None,
    endpoint_id: int | None = None,
    participant_id: int | None = None,
) -> int:
    async with perform(svc, None, "attendance.left") as act:
        row = await _participant_for(act.session, meeting_id, user_id, endpoint_id, participant_id)
        now = svc.clock.now()
        for stay in await act.session.scalars(
            select(Presence).where(Presence.participant_id == row.id, Presence.left_at.is_(None))
        ):
            stay.left_at = now
        act.record("participant", row.id, meeting_id=meeting_id)
        return await seats.bump(act.session, meeting_id, now)


async def declare_room(
    svc: Services, actor: Actor, meeting_id: int, data: RoomDeclarationIn
) -> AttendanceView:
    """An endpoint's operator says who (of the invited people) and how many are in the room."""
    async with perform(svc, actor, "attendance.room_declared") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        if not any(e.id == data.endpoint_participant_id for e in seat.endpoints):
            raise ValidationFailed(
                "You do not operate this endpoint in this meeting.", code="not_operator"
            )
        people = {p.id for p in await seats.participants_of(act.session, meeting_id) if p.user_id}
        unknown = set(data.present_participant_ids) - people
        if unknown:
            raise ValidationFailed(
                "Some people are not participants of this meeting.",
                code="unknown_participant",
                details={"missing": sorted(unknown)},
            )
        now = svc.clock.now()
        row = await act.session.get(RoomDeclaration, data.endpoint_participant_id)
        if row is None:
            row = RoomDeclaration(
                participant_id=data.endpoint_participant_id, meeting_id=meeting_id
            )
            act.session.add(row)
        row.headcount = data.headcount
        row.present_participant_ids = sorted(set(data.present_participant_ids))
        row.note = data.note
        row.declared_by, row.declared_at = actor.user_id, now
        act.record(
            "participant",
            data.endpoint_participant_id,
            meeting_id=meeting_id,
            headcount=data.headcount,
            present=row.present_participant_ids,
        )
        await seats.bump(act.session, meeting_id, now)
        await act.session.flush()
        return await compute(act.session, meeting_id, now)


async def correct(
    svc: Services, actor: Actor, meeting_id: int, data: AttendanceCorrectionIn
) -> AttendanceView:
    async with perform(svc, actor, "attendance.corrected") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_secretary()
        await seats.participant(act.session, meeting_id, data.participant_id)
        now = svc.clock.now()
        row = await act.session.get(AttendanceCorrection, data.participant_id)
        if row is None:
            row = AttendanceCorrection(participant_id=data.participant_id, meeting_id=meeting_id)
            act.session.add(row)
        row.status, row.note = data.status, data.note
        row.corrected_by, row.corrected_at = actor.user_id, now
        act.record(
            "participant", data.participant_id, meeting_id=meeting_id, status=data.status.value
        )
        await seats.bump(act.session, meeting_id, now)
        await act.session.flush()
        return await compute(act.session, meeting_id, now)


async def clear_correction(
    svc: Services, actor: Actor, meeting_id: int, participant_id: int
) -> AttendanceView:
    """The secretary withdraws a correction (say, a tick in the hall made by mistake): the
    participant's attendance is what the room and the endpoints recorded again."""
    async with perform(svc, actor, "attendance.correction_withdrawn") as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_secretary()
        await seats.participant(act.session, meeting_id, participant_id)
        now = svc.clock.now()
        act.record("participant", participant_id, meeting_id=meeting_id)
        row = await act.session.get(AttendanceCorrection, participant_id)
        if row is not None:
            await act.session.delete(row)
            await seats.bump(act.session, meeting_id, now)
            await act.session.flush()
        return await compute(act.session, meeting_id, now)
