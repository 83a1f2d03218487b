"""The Decree 30/2020 heading of the signed minutes (biên bản): the meeting's organization
issues them, numbered ``Số: {minutes id}/BB-{ABBR}``, dated the day of approval in the meeting's
zone; they go to the organizations of the people who took part."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Meeting, Minutes, Organization, Participant, User
from . import decree30


async def heading_of(
    session: AsyncSession, minutes: Minutes, now: datetime
) -> decree30.Heading | None:
    meeting = await session.get(Meeting, minutes.meeting_id)
    if meeting is None:
        return None
    issuer = await session.get(Organization, meeting.organization_id)
    if issuer is None:
        return None
    recipients = list(
        await session.scalars(
            select(Organization.name)
            .join(User, User.organization_id == Organization.id)
            .join(Participant, Participant.user_id == User.id)
            .where(Participant.meeting_id == meeting.id, Organization.id != issuer.id)
            .distinct()
            .order_by(Organization.name)
        )
    )
    return decree30.Heading(
        issuer=issuer.name,
        number=f"Số: {minutes.id}/BB-{decree30.symbol(issuer.slug)}",
        place=decree30.PLACE,
        issued_on=now.astimezone(ZoneInfo(meeting.time_zone)),
        recipients=["Các thành viên dự họp", *recipients],
    )
