"""Mail written to the outbox (``models/outbox.py``) in the caller's transaction, so that it is
sent if and only if the change it announces commits: who can be mailed, and one row for one
recipient. The mail loop (``mail_loop.py``) sends the rows; each notice module writes its words."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import OutboxMail, User


async def reachable_users(session: AsyncSession, user_ids: Iterable[int]) -> list[User]:
    """The active users among ``user_ids`` that have an address, in id order."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    query = (
        select(User)
        .where(User.id.in_(ids), User.is_active.is_(True), User.email != "")
        .order_by(User.id)
    )
    return list(await session.scalars(query))


def mail_for(
    user: User,
    *,
    subject: str,
    text: str,
    purpose: str,
    key: str,
    now: datetime,
    meeting_id: int | None = None,
) -> OutboxMail:
    """One plain-text mail to ``user``, due now; ``key`` makes it unique (never sent twice)."""
    return OutboxMail(
        to_address=user.email,
        to_name=user.full_name,
        subject=subject,
        text_body=text,
        html_body="",
        ics="",
        ics_method="",
        meeting_id=meeting_id,
        purpose=purpose,
        dedupe_key=key,
        next_attempt_at=now,
        created_at=now,
        attempts=0,
        last_error="",
    )
