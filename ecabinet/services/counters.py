"""Counter-proposals (iTIP COUNTER): an attendee's calendar proposes another time; the proposal
waits for the meeting's secretary, who accepts it (``meeting.counter_accept``: the meeting moves
through the same rules as any change — conflicts, SEQUENCE, the update to everyone) or declines
it (``meeting.counter_decline``: the attendee's calendar gets a DECLINECOUNTER)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound
from ..models import CounterStatus, Meeting, MeetingCounter, MeetingStatus, OutboxMail
from . import calendar, invitations, participants
from .actor import Actor
from .context import Services, perform
from .meetings import editable_meeting
from .outbox import mail_for, reachable_users
from .permissions import Permission

if TYPE_CHECKING:
    from .itip_inbound import Outcome


SUBJECTS = {
    "received": lambda m: f"Đề xuất đổi giờ họp / New time proposed: {m.title}",
    "declined": lambda m: f"Đề xuất đổi giờ không được chấp nhận / Proposal declined: {m.title}",
}


@dataclass(frozen=True)
class CounterView:
    id: int
    meeting_id: int
    participant_id: int
    address: str
    starts_at: datetime
    ends_at: datetime
    comment: str
    status: str
    received_at: datetime


def _view(row: MeetingCounter) -> CounterView:
    return CounterView(
        row.id,
        row.meeting_id,
        row.participant_id,
        row.address,
        row.starts_at,
        row.ends_at,
        row.comment,
        row.status.value,
        row.received_at,
    )


async def receive(
    svc: Services, event: icalendar.Event, uid: str, sender: str, dkim: str
) -> Outcome:
    """Keep a COUNTER from ``sender`` (already checked to be its attendee) as a proposal."""
    from . import itip_inbound  # the inbound parser calls us; import late to keep one direction

    start, end = itip_inbound.proposed_times(event)
    async with perform(svc, None, "meeting.counter") as act:
        meeting = await itip_inbound.meeting_by_uid(act.session, uid)
        _open(meeting)
        row = await itip_inbound.participant_by_address(act.session, meeting.id, sender)
        counter = MeetingCounter(
            meeting_id=meeting.id,
            participant_id=row.id,
            address=sender,
            starts_at=start,
            ends_at=end,
            comment=str(event.get("COMMENT", ""))[:2000],
            sequence=int(event.get("SEQUENCE", 0)),
            status=CounterStatus.PENDING,
            received_at=svc.clock.now(),
        )
        act.session.add(counter)
        await act.session.flush()
        await _tell_secretary(act.session, svc, meeting, counter)
        act.record(
            "meeting",
            meeting.id,
            counter_id=counter.id,
            participant_id=row.id,
            starts_at=start.isoformat(),
            ends_at=end.isoformat(),
            address=sender,
            dkim=dkim,
        )
    return itip_inbound.Outcome("COUNTER", meeting.id, row.id, "counter")


def _open(meeting: Meeting) -> None:
    if meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS):
        raise Conflict("This meeting no longer takes proposals.", code="meeting_closed")


async def _tell_secretary(
    session: AsyncSession, svc: Services, meeting: Meeting, counter: MeetingCounter
) -> None:
    """A plain mail to the meeting's secretary: someone proposes another time."""
    found = await reachable_users(session, [meeting.secretary_id] if meeting.secretary_id else [])
    zone = ZoneInfo(meeting.time_zone)
    start = counter.starts_at.astimezone(zone)
    end = counter.ends_at.astimezone(zone)
    proposed = f"{start:%H:%M}–{end:%H:%M} {start:%d/%m/%Y} ({meeting.time_zone})"
    url = f"{invitations.meeting_url(svc, meeting.id)}"
    for user in found:
        session.add(
            mail_for(
                user,
                subject=SUBJECTS["received"](meeting),
                text=(
                    f"{counter.address} đề xuất / proposes: {proposed}\n"
                    f"{counter.comment}\n\n{meeting.title}\n{invitations.when(meeting)}\n{url}\n"
                ),
                purpose="counter_received",
                key=f"counter:{counter.id}",
                now=svc.clock.now(),
                meeting_id=meeting.id,
            )
        )


async def list_for(svc: Services, actor: Actor, meeting_id: int) -> list[CounterView]:
    async with svc.db.reading() as session:
        await editable_meeting(session, actor, meeting_id)
        rows = await session.scalars(
            select(MeetingCounter)
            .where(MeetingCounter.meeting_id == meeting_id)
            .order_by(MeetingCounter.id)
        )
        return [_view(r) for r in rows]


async def _pending(session: AsyncSession, meeting_id: int, counter_id: int) -> MeetingCounter:
    row = await session.get(MeetingCounter, counter_id)
    if row is None or row.meeting_id != meeting_id:
        raise NotFound("No such proposal.", code="counter_not_found")
    if row.status is not CounterStatus.PENDING:
        raise Conflict("This proposal has been decided.", code="counter_decided")
    return row


async def accept(
    svc: Services, actor: Actor, meeting_id: int, counter_id: int, *, confirm_conflicts: bool
) -> CounterView:
    """Move the meeting to the proposed time, as ``meeting.update`` would (one transaction)."""
    from . import rescheduling  # rescheduling imports meetings, which the inbound path needs

    async with perform(svc, actor, "meeting.counter_accept", Permission.MEETING_SCHEDULE) as act:
        meeting = await editable_meeting(act.session, actor, meeting_id)
        _open(meeting)
        row = await _pending(act.session, meeting_id, counter_id)
        change = rescheduling.Change(
            {},
            row.starts_at - meeting.starts_at,
            row.ends_at - row.starts_at,
            None,
            None,
            confirm_conflicts,
            (meeting.id,),
        )
        mailed = await rescheduling.apply_change(act.session, svc, meeting, change)
        row.status, row.decided_at, row.decided_by_id = (
            CounterStatus.ACCEPTED,
            svc.clock.now(),
            actor.user_id,
        )
        act.record("meeting", meeting.id, counter_id=row.id, mails=mailed)
        return _view(row)


async def decline(svc: Services, actor: Actor, meeting_id: int, counter_id: int) -> CounterView:
    """Keep the meeting as it is and tell the proposer's calendar (METHOD:DECLINECOUNTER)."""
    async with perform(svc, actor, "meeting.counter_decline", Permission.MEETING_SCHEDULE) as act:
        session = act.session
        meeting = await editable_meeting(session, actor, meeting_id)
        row = await _pending(session, meeting_id, counter_id)
        row.status, row.decided_at, row.decided_by_id = (
            CounterStatus.DECLINED,
            svc.clock.now(),
            actor.user_id,
        )
        views = await participants.views(session, [meeting.id])
        mine = [v for v in views if v.row.id == row.participant_id and v.address]
        if mine:
            organizer = await invitations.organizer_of(session, svc, meeting)
            now = svc.clock.now()
            url = invitations.meeting_url(svc, meeting.id)
            ev = calendar.event(meeting, mine, organizer, stamp=now, url=url)
            session.add(
                OutboxMail(
                    to_address=mine[0].address,
                    to_name=mine[0].display_name,
                    subject=SUBJECTS["declined"](meeting),
                    text_body=(
                        "Thư ký giữ nguyên thời gian cuộc họp.\n"
                        "The secretary keeps the meeting's time.\n\n"
                        f"{meeting.title}\n{invitations.when(meeting)}\n{url}\n"
                    ),
                    html_body="",
                    ics=calendar.document("DECLINECOUNTER", [ev]).decode(),
                    ics_method="DECLINECOUNTER",
                    meeting_id=meeting.id,
                    purpose="counter_declined",
                    next_attempt_at=now,
                    created_at=now,
                    attempts=0,
                    last_error="",
                )
            )
        act.record("meeting", meeting.id, counter_id=row.id)
        return _view(row)
