"""Reminders 24 hours and 15 minutes before a meeting, queued by the sender's loop.

Driven by the injected clock. Each reminder has a dedupe key (kind, participant, start time),
so it is queued once, and again only if the meeting moves. The 24-hour reminder is skipped when
the meeting was scheduled less than a day ahead, or when it is already within 15 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..models import Meeting, MeetingStatus
from . import invitations, participants
from .conflicts import ABSENT_ANSWERS
from .context import Services

DAY_BEFORE = timedelta(hours=24)
SHORTLY_BEFORE = timedelta(minutes=15)


def _due(meeting: Meeting, now: datetime) -> list[str]:
    start = meeting.starts_at
    if start - SHORTLY_BEFORE <= now < start:
        return ["15m"]
    if start - DAY_BEFORE <= now and meeting.created_at <= start - DAY_BEFORE:
        return ["24h"]
    return []


async def queue_due(svc: Services) -> int:
    """Queue every reminder that is due now and not queued yet; return how many."""
    now = svc.clock.now()
    async with svc.db.reading() as session:
        upcoming = list(
            await session.scalars(
                select(Meeting).where(
                    Meeting.status == MeetingStatus.SCHEDULED,
                    Meeting.starts_at > now,
                    Meeting.starts_at <= now + DAY_BEFORE,
                )
            )
        )
    due = {m.id: _due(m, now) for m in upcoming}
    if not any(due.values()):
        return 0
    queued = 0
    async with svc.db.transaction() as session:
        meetings = {m.id: m for m in upcoming if due[m.id]}
        views = await participants.views(session, list(meetings))
        wanted = [
            (meetings[v.row.meeting_id], v, kind)
            for v in views
            if v.address and v.row.rsvp not in ABSENT_ANSWERS
            for kind in due[v.row.meeting_id]
        ]
        keys = [f"reminder:{kind}:{v.row.id}:{m.starts_at.isoformat()}" for m, v, kind in wanted]
        existing = await invitations.pending_reminder_keys(session, keys)
        for (meeting, view, kind), key in zip(wanted, keys, strict=True):
            if key not in existing:
                invitations.queue_reminder(session, svc, meeting, view, kind=kind)
                queued += 1
    return queued
