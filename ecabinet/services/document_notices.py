"""Mail about agendas and documents, written to the scheduling outbox in the caller's transaction.

If the change rolls back, nothing is sent; if it commits, the outbox sender delivers it.
Bodies are bilingual (Vietnamese first), plain text with a link back to the meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Meeting, OutboxMail, User
from .context import Services
from .outbox import mail_for, reachable_users

CHANGE_TEXT = {
    "added": ("Thêm nội dung", "Added"),
    "removed": ("Bỏ nội dung", "Removed"),
    "moved": ("Đổi thứ tự", "Moved"),
    "changed": ("Sửa nội dung", "Changed"),
}


def describe_change(change: dict[str, Any]) -> str:
    vi, en = CHANGE_TEXT[change["kind"]]
    line = f"- {vi} / {en}: {change['title']}"
    if change["kind"] == "moved":
        line += f" ({change['from']} → {change['to']})"
    if change["kind"] == "changed":
        line += f" [{', '.join(change['fields'])}]"
    return line


def _mail(
    svc: Services, meeting: Meeting, user: User, purpose: str, key: str, subject: str, text: str
) -> OutboxMail:
    url = f"{svc.settings.base_url}/meetings/{meeting.id}/documents"
    return mail_for(
        user,
        subject=f"{subject}: {meeting.title}",
        text=f"{text}\n\n{meeting.title}\n{url}\n",
        purpose=purpose,
        key=key,
        now=svc.clock.now(),
        meeting_id=meeting.id,
    )


async def agenda_published(
    session: AsyncSession,
    svc: Services,
    meeting: Meeting,
    version: int,
    changes: Sequence[dict[str, Any]],
    user_ids: Iterable[int],
) -> int:
    if version == 1:
        summary = "Chương trình họp đã được gửi. / The agenda has been published."
    else:
        lines = [describe_change(c) for c in changes] or ["- (không đổi / no changes)"]
        summary = (
            f"Chương trình họp đã cập nhật (bản {version}). / "
            f"The agenda was updated (version {version}).\n" + "\n".join(lines)
        )
    users = await reachable_users(session, user_ids)
    for user in users:
        session.add(
            _mail(
                svc,
                meeting,
                user,
                "agenda",
                f"agenda:{meeting.id}:{version}:{user.id}",
                "Chương trình họp / Agenda",
                summary,
            )
        )
    return len(users)


async def documents_unread(
    session: AsyncSession, svc: Services, meeting: Meeting, unread: dict[int, list[str]]
) -> int:
    """One reminder per user listing the titles they have not opened."""
    stamp = svc.clock.now().strftime("%Y%m%d%H%M%S")
    users = await reachable_users(session, unread)
    for user in users:
        titles = "\n".join(f"- {t}" for t in unread[user.id])
        session.add(
            _mail(
                svc,
                meeting,
                user,
                "document_reminder",
                f"docs-reminder:{meeting.id}:{user.id}:{stamp}",
                "Nhắc đọc tài liệu / Please read the documents",
                "Đồng chí chưa mở các tài liệu sau: / You have not opened:\n" + titles,
            )
        )
    return len(users)
