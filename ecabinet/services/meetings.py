"""Meetings: schedule, read, change and cancel, each one named action through :func:`perform`.

Who may do what: secretaries of the organizing organization create and change a meeting; anyone
else sees only meetings they take part in (as a person, or as the operator of an invited
endpoint). A meeting someone may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Endpoint, Meeting, MeetingStatus, Participant
from ..schemas.meetings import MeetingFields, MeetingPatch
from . import invitations, participants
from .actor import Actor
from .conflicts import ABSENT_ANSWERS, Booking, ConflictingMeeting, find_conflicts
from .context import Services, perform
from .participants import ParticipantView, Wanted
from .permissions import Permission

MAX_RANGE = timedelta(days=400)
MATERIAL_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "time_zone",
    "mode",
    "room",
    "confidentiality",
    "description",
)
TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    MeetingStatus.DRAFT: frozenset({MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED}),
    MeetingStatus.SCHEDULED: frozenset({MeetingStatus.IN_PROGRESS, MeetingStatus.CANCELLED}),
    MeetingStatus.IN_PROGRESS: frozenset({MeetingStatus.ENDED}),
    MeetingStatus.ENDED: frozenset({MeetingStatus.CLOSED}),
    MeetingStatus.CLOSED: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
}
NOT_FOUND = "No such meeting."
SCHEDULING_LOCK_KEY = 0x45434253  # "ECBS": serialises conflict check + booking


@dataclass
class MeetingDetail:
    meeting: Meeting
    participants: list[ParticipantView] = field(default_factory=list)
    can_edit: bool = False


def can_edit(actor: Actor, meeting: Meeting) -> bool:
    return (
        actor.can(Permission.MEETING_SCHEDULE) and actor.organization_id == meeting.organization_id
    )


def taking_part(actor: Actor) -> Any:
    """Meeting ids the actor takes part in, as a person or as an endpoint's operator."""
    as_person = select(Participant.meeting_id).where(Participant.user_id == actor.user_id)
    as_operator = (
        select(Participant.meeting_id)
        .join(Endpoint, Endpoint.id == Participant.endpoint_id)
        .where(Endpoint.operator_id == actor.user_id)
    )
    return as_person.union(as_operator)


def visible_to(actor: Actor) -> Any:
    clauses = [
        Meeting.id.in_(taking_part(actor)) & (Meeting.status != MeetingStatus.DRAFT),
    ]
    if actor.can(Permission.MEETING_SCHEDULE):
        clauses.append(Meeting.organization_id == actor.organization_id)
    return or_(*clauses)


async def visible_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await session.scalar(
        select(Meeting).where(Meeting.id == meeting_id, visible_to(actor))
    )
    if meeting is None:
        raise NotFound(NOT_FOUND, code="meeting_not_found")
    return meeting


async def editable_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await visible_meeting(session, actor, meeting_id)
    if not can_edit(actor, meeting):
        actor.require(Permission.MEETING_SCHEDULE)
        raise NotFound(NOT_FOUND, code="meeting_not_found")
    return meeting


def new_uid(svc: Services) -> str:
    host = svc.settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"{secrets.token_hex(16)}@{host or 'ecabinet'}"


def booking_of(meeting: Meeting, wanted: Sequence[Wanted]) -> Booking:
    return Booking(
        meeting.starts_at,
        meeting.ends_at,
        frozenset(w.user_id for w in wanted if w.user_id),
        frozenset(w.endpoint_id for w in wanted if w.endpoint_id),
        meeting.room if meeting.mode.value != "online" else "",
    )


async def check_conflicts(
    session: AsyncSession, booking: Booking, *, exclude: Sequence[int] = ()
) -> None:
    if session.bind.dialect.name == "postgresql":
        # Two secretaries booking the same person at once must not both pass the check: the
        # check and the insert are serialised (SQLite's BEGIN IMMEDIATE already does this).
        await session.execute(select(func.pg_advisory_xact_lock(SCHEDULING_LOCK_KEY)))
    found = await find_conflicts(session, booking, exclude=exclude)
    if found:
        raise Conflict(
            "Someone or something in this meeting is already booked at that time. "
            'Send "confirm_conflicts": true to schedule it anyway.',
            code="scheduling_conflict",
            details={"conflicts": [c.as_dict() for c in found]},
        )


async def insert_meeting(
    session: AsyncSession,
    svc: Services,
    actor: Actor,
    data: MeetingFields,
    wanted: Sequence[Wanted],
    *,
    status: MeetingStatus,
    series_id: int | None = None,
) -> tuple[Meeting, list[ParticipantView]]:
    """Insert a meeting and its participants; queue invitations when it is scheduled."""
    now = svc.clock.now()
    meeting = Meeting(
        title=data.title,
        kind=data.kind,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        time_zone=data.time_zone or svc.settings.time_zone,
        mode=data.mode,
        room=data.room,
        chair_id=participants.chair_of(wanted),
        secretary_id=actor.user_id,
        organization_id=actor.organization_id,
        confidentiality=data.confidentiality,
        description=data.description,
        status=status,
        ical_uid=new_uid(svc),
        sequence=0,
        series_id=series_id,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    if status is MeetingStatus.SCHEDULED and not data.confirm_conflicts:
        await check_conflicts(session, booking_of(meeting, wanted))
    session.add(meeting)
    await session.flush()
    for w in wanted:
        participants.add(session, meeting.id, w, now)
    await session.flush()
    views = await participants.views(session, [meeting.id])
    if status is MeetingStatus.SCHEDULED:
        await invitations.queue_itip(session, svc, meeting, views, views, purpose="invitation")
    return meeting, views


async def create_meeting(svc: Services, actor: Actor, data: Any) -> MeetingDetail:
    async with perform(svc, actor, "meeting.create", Permission.MEETING_SCHEDULE) as act:
        wanted = await participants.resolve(act.session, data.participants)
        meeting, views = await insert_meeting(
            act.session, svc, actor, data, wanted, status=MeetingStatus(data.status)
        )
        act.record(
            "meeting",
            meeting.id,
            title=meeting.title,
            starts_at=meeting.starts_at,
            status=meeting.status,
            participants=len(views),
            confirmed_conflicts=data.confirm_conflicts,
        )
    return MeetingDetail(meeting, views, True)


async def get_meeting(svc: Services, actor: Actor, meeting_id: int) -> MeetingDetail:
    async with svc.db.reading() as session:
        meeting = await visible_meeting(session, actor, meeting_id)
        views = await participants.views(session, [meeting.id])
    return MeetingDetail(meeting, views, can_edit(actor, meeting))


async def list_meetings(
    svc: Services, actor: Actor, start: datetime, end: datetime, *, limit: int = 1000
) -> Sequence[Meeting]:
    if end <= start or end - start > MAX_RANGE:
        raise ValidationFailed(
            "'to' must be after 'from', at most 400 days later.", code="invalid_range"
        )
    async with svc.db.reading() as session:
        rows = await session.scalars(
            select(Meeting)
            .where(Meeting.starts_at < end, Meeting.ends_at > start, visible_to(actor))
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
        return rows.all()


async def next_meetings(svc: Services, actor: Actor, *, limit: int = 5) -> Sequence[Meeting]:
    now = svc.clock.now()
    async with svc.db.reading() as session:
        rows = await session.scalars(
            select(Meeting)
            .where(
                Meeting.ends_at > now,
                Meeting.starts_at < now + MAX_RANGE,
                Meeting.status.in_((MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)),
                Meeting.id.in_(taking_part(actor)) | (Meeting.secretary_id == actor.user_id),
            )
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
        return rows.all()


def check_transition(meeting: Meeting, target: MeetingStatus) -> None:
    if target is not meeting.status and target not in TRANSITIONS[meeting.status]:
        raise Conflict(
            f"A meeting that is {meeting.status.value} cannot become {target.value}.",
            code="invalid_transition",
        )


async def cancel_in_session(session: AsyncSession, svc: Services, meeting: Meeting) -> None:
    """Cancel one meeting: SEQUENCE+1 and a METHOD:CANCEL to everyone who was invited."""
    check_transition(meeting, MeetingStatus.CANCELLED)
    was_draft = meeting.status is MeetingStatus.DRAFT
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.updated_at = svc.clock.now()
    if not was_draft:
        views = await participants.views(session, [meeting.id])
        await invitations.queue_itip(session, svc, meeting, views, views, purpose="cancellation")


async def cancel_meeting(
    svc: Services, actor: Actor, meeting_id: int, *, scope: str = "this"
) -> MeetingDetail:
    """Cancel a meeting, or (``scope="following"``) it and the later occurrences of its series."""
    async with perform(svc, actor, "meeting.cancel", Permission.MEETING_SCHEDULE) as act:
        meeting = await editable_meeting(act.session, actor, meeting_id)
        targets = [meeting]
        if scope == "following" and meeting.series_id is not None:
            targets = await following_occurrences(act.session, meeting)
        for target in targets:
            await cancel_in_session(act.session, svc, target)
        act.record("meeting", meeting.id, scope=scope, cancelled=[m.id for m in targets])
        views = await participants.views(act.session, [meeting.id])
    return MeetingDetail(meeting, views, True)


async def following_occurrences(session: AsyncSession, meeting: Meeting) -> list[Meeting]:
    """This occurrence and the later ones of its series that are still to come."""
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.series_id == meeting.series_id,
            Meeting.starts_at >= meeting.starts_at,
            Meeting.status.in_((MeetingStatus.DRAFT, MeetingStatus.SCHEDULED)),
        )
        .order_by(Meeting.starts_at)
    )
    return list(rows)


def patch_changes(patch: MeetingPatch) -> dict[str, Any]:
    return {
        name: getattr(patch, name)
        for name in MATERIAL_FIELDS
        if name in patch.model_fields_set and getattr(patch, name) is not None
    }


async def preview_conflicts(svc: Services, actor: Actor, data: Any) -> list[ConflictingMeeting]:
    """What a meeting being scheduled (a :class:`ConflictCheckIn`) would double-book: the
    scheduling form shows it live, before the secretary saves. Same rule as saving."""
    actor.require(Permission.MEETING_SCHEDULE)
    async with svc.db.reading() as session:
        wanted = await participants.resolve(session, data.participants)
        booking = Booking(
            data.starts_at,
            data.ends_at,
            frozenset(w.user_id for w in wanted if w.user_id),
            frozenset(w.endpoint_id for w in wanted if w.endpoint_id),
            data.room if data.mode.value != "online" else "",
        )
        exclude = [data.meeting_id] if data.meeting_id else []
        return await find_conflicts(session, booking, exclude=exclude)


async def current_conflicts(
    svc: Services, meeting: Meeting, views: Sequence[ParticipantView]
) -> list[ConflictingMeeting]:
    """What double-books this meeting now (shown on its page to the secretary)."""
    present = [v.row for v in views if v.row.rsvp not in ABSENT_ANSWERS]
    booking = Booking(
        meeting.starts_at,
        meeting.ends_at,
        frozenset(p.user_id for p in present if p.user_id),
        frozenset(p.endpoint_id for p in present if p.endpoint_id),
        meeting.room if meeting.mode.value != "online" else "",
    )
    async with svc.db.reading() as session:
        return await find_conflicts(session, booking, exclude=[meeting.id])
