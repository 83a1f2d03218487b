"""Changing a scheduled meeting (``meeting.update``): fields, time, participants, status.

Every change the organizer makes raises SEQUENCE and sends an update (iTIP REQUEST, same UID) to
the participants; new participants get an invitation and removed ones a cancellation. A change
of the people is a change too: everyone who stays gets the update with the new attendee list
(RFC 5546 §2.1.4), not only those added or removed. For an
occurrence of a series, ``scope="following"`` applies the same change to it and every later
occurrence in one action; ``scope="this"`` touches that one meeting only, so only its
participants hear about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from ..errors import ValidationFailed
from ..models import Meeting, MeetingStatus, Participant
from ..schemas.meetings import MeetingPatch
from . import invitations, participants
from .actor import Actor
from .conflicts import ABSENT_ANSWERS, Booking
from .context import Services, perform
from .meetings import (
    MeetingDetail,
    cancel_in_session,
    check_conflicts,
    check_transition,
    editable_meeting,
    following_occurrences,
    patch_changes,
)
from .participants import ParticipantView, Wanted
from .permissions import Permission

ACTIVE = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Change:
    fields: dict[str, Any]
    shift: timedelta | None
    duration: timedelta | None
    wanted: Sequence[Wanted] | None
    status: MeetingStatus | None
    confirm_conflicts: bool
    exclude: tuple[int, ...]


def _key(row: Participant) -> tuple[str, int]:
    return ("user", row.user_id) if row.user_id else ("endpoint", row.endpoint_id or 0)


def _timing(meeting: Meeting, fields: dict[str, Any]) -> tuple[timedelta | None, timedelta | None]:
    if "starts_at" not in fields and "ends_at" not in fields:
        return None, None
    start = fields.pop("starts_at", meeting.starts_at)
    if "ends_at" in fields:
        end = fields.pop("ends_at")
    else:
        end = start + (meeting.ends_at - meeting.starts_at)
    if end <= start:
        raise ValidationFailed("ends_at must be after starts_at.", code="invalid_times")
    return start - meeting.starts_at, end - start


async def update_meeting(
    svc: Services, actor: Actor, meeting_id: int, patch: MeetingPatch
) -> MeetingDetail:
    async with perform(svc, actor, "meeting.update", Permission.MEETING_SCHEDULE) as act:
        session = act.session
        meeting = await editable_meeting(session, actor, meeting_id)
        targets = [meeting]
        if patch.scope == "following" and meeting.series_id is not None:
            targets = await following_occurrences(session, meeting)
        if patch.status is MeetingStatus.CANCELLED:
            for target in targets:
                await cancel_in_session(session, svc, target)
            act.record("meeting", meeting.id, status="cancelled", scope=patch.scope)
            return MeetingDetail(meeting, await participants.views(session, [meeting.id]), True)
        fields = patch_changes(patch)
        shift, duration = _timing(meeting, fields)
        wanted = (
            await participants.resolve(session, patch.participants)
            if patch.participants is not None
            else None
        )
        change = Change(
            fields,
            shift,
            duration,
            wanted,
            patch.status,
            patch.confirm_conflicts,
            tuple(t.id for t in targets),
        )
        mailed = 0
        for target in targets:
            mailed += await _apply(session, svc, target, change)
        act.record(
            "meeting",
            meeting.id,
            changed=sorted(patch.model_fields_set - {"confirm_conflicts", "scope"}),
            scope=patch.scope,
            meetings=list(change.exclude),
            mails=mailed,
        )
        views = await participants.views(session, [meeting.id])
    return MeetingDetail(meeting, views, True)


async def _apply(session: Any, svc: Services, meeting: Meeting, change: Change) -> int:
    now = svc.clock.now()
    old_status = meeting.status
    if change.status is not None:
        check_transition(meeting, change.status)
        meeting.status = change.status
    material = False
    for name, value in change.fields.items():
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
            material = True
    moved = False
    if change.shift is not None and change.duration is not None:
        start = meeting.starts_at + change.shift
        end = start + change.duration
        if (start, end) != (meeting.starts_at, meeting.ends_at):
            meeting.starts_at, meeting.ends_at = start, end
            material = moved = True

    before = await participants.views(session, [meeting.id])
    removed: list[ParticipantView] = []
    added: list[Wanted] = []
    if change.wanted is not None:
        current = {_key(v.row): v for v in before}
        wanted = {w.key: w for w in change.wanted}
        principals_kept = {v.row.id for v in before if _key(v.row) in wanted}
        for key, view in current.items():
            row = view.row
            keep = key in wanted or (row.delegated_from_id in principals_kept)
            if not keep:
                removed.append(view)
            elif key in wanted and row.role is not wanted[key].role:
                row.role = wanted[key].role
                material = True
        added = [w for k, w in wanted.items() if k not in current]
        meeting.chair_id = participants.chair_of(change.wanted)
        if removed:
            await session.execute(
                delete(Participant).where(Participant.id.in_([v.row.id for v in removed]))
            )
        for w in added:
            participants.add(session, meeting.id, w, now)

    becomes_active = old_status not in ACTIVE and meeting.status in ACTIVE
    if (
        meeting.status in ACTIVE
        and not change.confirm_conflicts
        and (moved or added or becomes_active or "room" in change.fields or "mode" in change.fields)
    ):
        await session.flush()
        after = await participants.views(session, [meeting.id])
        present = [v.row for v in after if v.row.rsvp not in ABSENT_ANSWERS]
        await check_conflicts(
            session,
            Booking(
                meeting.starts_at,
                meeting.ends_at,
                frozenset(p.user_id for p in present if p.user_id),
                frozenset(p.endpoint_id for p in present if p.endpoint_id),
                meeting.room if meeting.mode.value != "online" else "",
            ),
            exclude=change.exclude,
        )
    # A changed attendee list is a change of the event (RFC 5546 §2.1.4): a higher SEQUENCE,
    # and the update goes to everyone who stays, so no one keeps the old list.
    if removed or added:
        material = True
    if material:
        meeting.sequence += 1
    if material or change.status is not None:
        meeting.updated_at = now
    await session.flush()
    after = await participants.views(session, [meeting.id])
    return await _announce(session, svc, meeting, old_status, after, removed, added, material)


apply_change = _apply  # for a change decided elsewhere (an accepted counter-proposal)


async def _announce(
    session: Any,
    svc: Services,
    meeting: Meeting,
    old_status: MeetingStatus,
    after: list[ParticipantView],
    removed: list[ParticipantView],
    added: list[Wanted],
    material: bool,
) -> int:
    if meeting.status not in ACTIVE:
        return 0
    if old_status not in ACTIVE:
        return await invitations.queue_itip(
            session, svc, meeting, after, after, purpose="invitation"
        )
    added_keys = {w.key for w in added}
    new = [v for v in after if _key(v.row) in added_keys]
    existing = [v for v in after if _key(v.row) not in added_keys]
    count = 0
    if new:
        count += await invitations.queue_itip(
            session, svc, meeting, after, new, purpose="invitation"
        )
    if material:
        count += await invitations.queue_itip(
            session, svc, meeting, after, existing, purpose="update"
        )
    if removed:
        count += await invitations.queue_itip(
            session, svc, meeting, removed, removed, purpose="cancellation"
        )
    return count
