"""Mail about the minutes, written to the outbox in the caller's transaction: a version to review,
a reply to your comment, your turn to sign, the minutes signed and final. Bilingual (Vietnamese
first), with a link."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Meeting, OutboxMail, User
from .context import Services
from .outbox import mail_for, reachable_users


def _mail(
    svc: Services, meeting: Meeting, user: User, purpose: str, key: str, text: str, path: str
) -> OutboxMail:
    return mail_for(
        user,
        subject=f"Biên bản / Minutes: {meeting.title}",
        text=f"{text}\n\n{meeting.title}\n{svc.settings.base_url}{path}\n",
        purpose=purpose,
        key=key,
        now=svc.clock.now(),
        meeting_id=meeting.id,
    )


async def review_requested(
    session: AsyncSession,
    svc: Services,
    meeting: Meeting,
    minutes_id: int,
    version: int,
    user_ids: Iterable[int],
) -> int:
    text = (
        f"Đề nghị đồng chí cho ý kiến về dự thảo biên bản (phiên bản {version}).\n"
        f"Please review the draft minutes (version {version})."
    )
    users = await reachable_users(session, user_ids)
    for user in users:
        key = f"minutes-review:{minutes_id}:{version}:{user.id}"
        session.add(
            _mail(svc, meeting, user, "minutes_review", key, text, f"/minutes/{minutes_id}")
        )
    return len(users)


async def replied(
    session: AsyncSession,
    svc: Services,
    meeting: Meeting,
    minutes_id: int,
    reply_id: int,
    user_id: int,
) -> int:
    """Tell the author of a thread's first comment that someone answered it."""
    text = (
        "Góp ý của đồng chí về dự thảo biên bản đã có trả lời.\n"
        "Your comment on the draft minutes has a reply."
    )
    users = await reachable_users(session, [user_id])
    for user in users:
        key = f"minutes-reply:{reply_id}:{user.id}"
        session.add(_mail(svc, meeting, user, "minutes_reply", key, text, f"/minutes/{minutes_id}"))
    return len(users)


async def turn_to_sign(
    session: AsyncSession,
    svc: Services,
    meeting: Meeting,
    minutes_id: int,
    round_id: int,
    position: int,
    user_id: int,
) -> int:
    text = (
        f"Đã đến lượt đồng chí ký số biên bản (thứ tự ký: {position}).\n"
        f"It is your turn to sign the minutes (position {position} in the signing order)."
    )
    users = await reachable_users(session, [user_id])
    for user in users:
        key = f"minutes-sign:{round_id}:{position}"
        session.add(
            _mail(svc, meeting, user, "minutes_sign", key, text, f"/minutes/{minutes_id}/sign")
        )
    return len(users)


async def signed_and_final(
    session: AsyncSession, svc: Services, meeting: Meeting, minutes_id: int, user_ids: Iterable[int]
) -> int:
    text = (
        "Biên bản cuộc họp đã được ký số đầy đủ và hoàn tất.\n"
        "The minutes of the meeting are signed by everyone and final."
    )
    users = await reachable_users(session, user_ids)
    for user in users:
        key = f"minutes-final:{minutes_id}:{user.id}"
        session.add(_mail(svc, meeting, user, "minutes_final", key, text, f"/minutes/{minutes_id}"))
    return len(users)
