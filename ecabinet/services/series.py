"""Series (e.g. the regular Government session on the first Thursday of each month).

The RRULE is expanded once, with ``dateutil.rrule``, in the meeting's own time zone (so 09:00
stays 09:00 across daylight-saving changes); each occurrence becomes its own meeting with its own
UID, agenda and minutes, linked to the series. Outlook handles RRULE exceptions badly, so no
RRULE ever goes into an invitation.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil import rrule as dateutil_rrule
from sqlalchemy import select

from ..errors import NotFound, ValidationFailed
from ..models import Meeting, MeetingStatus, Series
from ..schemas.meetings import MeetingSummary, SeriesIn, SeriesOut
from . import participants
from .actor import Actor
from .context import Services, perform
from .meetings import insert_meeting, visible_to
from .permissions import Permission

MAX_OCCURRENCES = 120
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def occurrences(rule: str, first: datetime, time_zone: str) -> list[datetime]:
    """The start of every occurrence, in ``time_zone``; the rule must end (COUNT or UNTIL)."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = dict(p.split("=", 1) for p in text.upper().split(";") if "=" in p)
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise ValidationFailed(
            "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.", code="invalid_rrule"
        )
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationFailed("The rule needs COUNT or UNTIL.", code="invalid_rrule")
    start = first.astimezone(ZoneInfo(time_zone))
    try:
        rule_obj = dateutil_rrule.rrulestr(text, dtstart=start)
        found = list(rule_obj.xafter(start, count=MAX_OCCURRENCES + 1, inc=True))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(f"The RRULE is not valid: {exc}", code="invalid_rrule") from exc
    if not found:
        raise ValidationFailed("The rule produces no meeting.", code="invalid_rrule")
    if len(found) > MAX_OCCURRENCES:
        raise ValidationFailed(
            f"A series has at most {MAX_OCCURRENCES} meetings.", code="series_too_long"
        )
    return found


def _out(series: Series, meetings: list[Meeting]) -> SeriesOut:
    result = SeriesOut.model_validate(series)
    result.meetings = [MeetingSummary.model_validate(m) for m in meetings]
    return result


async def create_series(svc: Services, actor: Actor, data: SeriesIn) -> SeriesOut:
    time_zone = data.time_zone or svc.settings.time_zone
    starts = occurrences(data.rrule, data.starts_at, time_zone)
    duration = data.ends_at - data.starts_at
    async with perform(svc, actor, "series.create", Permission.MEETING_SCHEDULE) as act:
        wanted = await participants.resolve(act.session, data.participants)
        series = Series(
            rrule=data.rrule.strip(),
            dtstart=data.starts_at,
            time_zone=time_zone,
            duration_minutes=int(duration.total_seconds() // 60),
            title=data.title,
            organization_id=actor.organization_id,
            template={
                "kind": data.kind.value,
                "mode": data.mode.value,
                "room": data.room,
                "confidentiality": data.confidentiality.value,
                "description": data.description,
            },
            created_by=actor.user_id,
            created_at=svc.clock.now(),
        )
        act.session.add(series)
        await act.session.flush()
        created: list[Meeting] = []
        for start in starts:
            fields = data.model_copy(
                update={"starts_at": start, "ends_at": start + duration, "time_zone": time_zone}
            )
            meeting, _ = await insert_meeting(
                act.session,
                svc,
                actor,
                fields,
                wanted,
                status=MeetingStatus.SCHEDULED,
                series_id=series.id,
            )
            created.append(meeting)
        act.record("series", series.id, rrule=series.rrule, meetings=[m.id for m in created])
    return _out(series, created)


async def get_series(svc: Services, actor: Actor, series_id: int) -> SeriesOut:
    async with svc.db.reading() as session:
        series = await session.get(Series, series_id)
        if series is None:
            raise NotFound("No such series.", code="series_not_found")
        meetings = list(
            await session.scalars(
                select(Meeting)
                .where(Meeting.series_id == series.id, visible_to(actor))
                .order_by(Meeting.starts_at)
            )
        )
        if not meetings:
            raise NotFound("No such series.", code="series_not_found")
    return _out(series, meetings)
