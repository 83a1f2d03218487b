"""Each user's subscribable calendar (webcal) of the meetings they take part in.

The secret in the feed address is an HMAC over the user id and a generation number; rotating
bumps the generation, so every earlier address stops working at once. Nothing secret is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import select

from ..errors import NotFound
from ..models import CalendarFeed, Meeting, MeetingStatus, User
from . import calendar, participants
from .actor import Actor
from .context import Services, perform
from .invitations import meeting_url, organizer_of
from .meetings import taking_part

PAST = timedelta(days=90)
FUTURE = timedelta(days=400)
NOT_FOUND = "No such calendar."


def _mac(svc: Services, user_id: int, generation: int) -> str:
    key = svc.keys.hmac_key("calendar-feed")
    return hmac.new(key, f"{user_id}.{generation}".encode(), hashlib.sha256).hexdigest()[:40]


def secret_for(svc: Services, user_id: int, generation: int) -> str:
    return f"{user_id}-{generation}-{_mac(svc, user_id, generation)}"


def urls(svc: Services, secret: str) -> tuple[str, str]:
    https = f"{svc.settings.base_url}/calendar/{secret}.ics"
    return https, "webcal://" + https.split("://", 1)[1]


async def feed_secret(svc: Services, actor: Actor) -> str:
    async with svc.db.reading() as session:
        feed = await session.get(CalendarFeed, actor.user_id)
    return secret_for(svc, actor.user_id, feed.generation if feed else 1)


async def rotate(svc: Services, actor: Actor) -> str:
    """A new feed address; the old one answers 404 from now on."""
    async with perform(svc, actor, "calendar_feed.rotate") as act:
        feed = await act.session.get(CalendarFeed, actor.user_id)
        if feed is None:
            feed = CalendarFeed(user_id=actor.user_id, generation=1, rotated_at=svc.clock.now())
            act.session.add(feed)
        feed.generation += 1
        feed.rotated_at = svc.clock.now()
        act.record("user", actor.user_id, generation=feed.generation)
        generation = feed.generation
    return secret_for(svc, actor.user_id, generation)


def _parse(secret: str) -> tuple[int, int, str] | None:
    parts = secret.split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if len(parts[0]) > 10 or len(parts[1]) > 10:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


async def render(svc: Services, secret: str) -> bytes:
    """The feed behind ``secret``; a wrong, old or disabled user's secret is simply not found."""
    parsed = _parse(secret)
    if parsed is None:
        raise NotFound(NOT_FOUND)
    user_id, generation, mac = parsed
    if not hmac.compare_digest(mac, _mac(svc, user_id, generation)):
        raise NotFound(NOT_FOUND)
    now = svc.clock.now()
    async with svc.db.reading() as session:
        user = await session.get(User, user_id)
        feed = await session.get(CalendarFeed, user_id)
        if user is None or not user.is_active or generation != (feed.generation if feed else 1):
            raise NotFound(NOT_FOUND)
        actor = Actor(
            user.id,
            user.username,
            user.full_name,
            user.role,
            user.organization_id,
            user.language,
            session_id="",
        )
        meetings = (
            await session.scalars(
                select(Meeting)
                .where(
                    Meeting.id.in_(taking_part(actor)),
                    Meeting.status != MeetingStatus.DRAFT,
                    Meeting.ends_at > now - PAST,
                    Meeting.starts_at < now + FUTURE,
                )
                .order_by(Meeting.starts_at)
                .limit(2000)
            )
        ).all()
        views = await participants.views(session, [m.id for m in meetings])
        by_meeting: dict[int, list[participants.ParticipantView]] = {}
        for v in views:
            by_meeting.setdefault(v.row.meeting_id, []).append(v)
        events = []
        for m in meetings:
            organizer = await organizer_of(session, svc, m)
            events.append(
                calendar.event(
                    m,
                    by_meeting.get(m.id, []),
                    organizer,
                    stamp=now,
                    url=meeting_url(svc, m.id),
                    cancelled=m.status is MeetingStatus.CANCELLED,
                )
            )
    return calendar.feed(events, name=f"e-Cabinet · {user.full_name}")
