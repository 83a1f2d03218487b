"""Demo meetings for ``run.py seed-demo``: the monthly Government session as a series and an
online meeting with the provinces next week, scheduled by the demo secretary."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..models import Endpoint, MeetingKind, MeetingMode, MeetingRole, User
from ..schemas.meetings import MeetingIn, ParticipantRef, SeriesIn
from . import meetings, series
from .actor import Actor
from .context import Services


async def seed_demo_meetings(svc: Services, secretary_username: str = "thuky") -> None:
    async with svc.db.reading() as session:
        secretary = await session.scalar(select(User).where(User.username == secretary_username))
        people = list(await session.scalars(select(User).where(User.role == "member")))
        endpoints = list(await session.scalars(select(Endpoint).order_by(Endpoint.id)))
    if secretary is None:
        return
    actor = Actor(
        secretary.id,
        secretary.username,
        secretary.full_name,
        secretary.role,
        secretary.organization_id,
        secretary.language,
        session_id="seed",
    )
    zone = svc.settings.zone
    today = svc.clock.now().astimezone(zone).date()
    members = [
        ParticipantRef(
            username=u.username,
            role=MeetingRole.CHAIR if u.username == "thutuong" else MeetingRole.MEMBER,
        )
        for u in people
    ]
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first_of_next_month, time(8, 30), zone)
    await series.create_series(
        svc,
        actor,
        SeriesIn(
            title="Phiên họp Chính phủ thường kỳ",
            starts_at=start,
            ends_at=start + timedelta(hours=3, minutes=30),
            mode=MeetingMode.HYBRID,
            kind=MeetingKind.REGULAR,
            room="Phòng họp Chính phủ, 1 Hoàng Hoa Thám",
            participants=members,
            rrule="FREQ=MONTHLY;BYDAY=1TH;COUNT=6",
            confirm_conflicts=True,
        ),
    )
    next_week = datetime.combine(today + timedelta(days=7 - today.weekday() + 1), time(14), zone)
    await meetings.create_meeting(
        svc,
        actor,
        MeetingIn(
            title="Họp trực tuyến với các địa phương về ứng phó mưa lũ",
            starts_at=next_week,
            ends_at=next_week + timedelta(hours=2),
            mode=MeetingMode.ONLINE,
            kind=MeetingKind.ONLINE_LOCALITIES,
            participants=[
                *members,
                *(ParticipantRef(endpoint=e.id, role=MeetingRole.MEMBER) for e in endpoints),
            ],
            confirm_conflicts=True,
        ),
    )
