"""Invitation, update, cancellation and reminder mails, written to the outbox.

Each mail is a row in the caller's transaction: if the change rolls back, no mail is sent; if it
commits, the sender delivers it even when the SMTP server is down for a while. Bodies are in
Vietnamese and English; invitations carry signed single-purpose RSVP links because Google often
sends no iTIP REPLY for invitations it did not create.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Meeting, OutboxMail, Rsvp, User
from . import calendar
from .context import Services
from .participants import ParticipantView
from .tokens import TokenType

RSVP_ANSWERS = (
    (Rsvp.ACCEPTED, "Tham dự", "Accept"),
    (Rsvp.TENTATIVE, "Chưa chắc chắn", "Tentative"),
    (Rsvp.DECLINED, "Vắng mặt", "Decline"),
)
SUBJECTS = {
    "invitation": ("Giấy mời họp", "Invitation"),
    "update": ("Thay đổi lịch họp", "Updated"),
    "cancellation": ("Hủy cuộc họp", "Cancelled"),
    "reminder": ("Nhắc lịch họp", "Reminder"),
}
LEADS = {
    "invitation": ("Trân trọng kính mời đồng chí dự họp.", "You are invited to this meeting."),
    "update": ("Cuộc họp đã được thay đổi.", "This meeting has changed."),
    "cancellation": ("Cuộc họp đã bị hủy.", "This meeting has been cancelled."),
    "reminder": ("Cuộc họp sắp bắt đầu.", "This meeting starts soon."),
}


def meeting_url(svc: Services, meeting_id: int) -> str:
    return f"{svc.settings.base_url}/meetings/{meeting_id}"


def rsvp_link(svc: Services, meeting: Meeting, participant_id: int, answer: Rsvp) -> str:
    token = svc.tokens.issue(
        TokenType.RSVP,
        str(participant_id),
        ttl=max(meeting.ends_at - svc.clock.now(), timedelta(0)) + timedelta(days=1),
        mid=meeting.id,
        ans=answer.value,
    )
    return f"{svc.settings.base_url}/rsvp/{token}"


async def organizer_of(
    session: AsyncSession, svc: Services, meeting: Meeting
) -> calendar.Organizer:
    """The secretary, named at the reply address (``ECABINET_ITIP_REPLY_ADDRESS``, our inbound
    receiver) when one is set, else at their own; SENT-BY the From address of our mails."""
    user = await session.get(User, meeting.secretary_id) if meeting.secretary_id else None
    name = user.full_name if user is not None and user.email else "e-Cabinet"
    own = user.email if user is not None and user.email else svc.settings.mail_from
    address = svc.settings.itip_reply_address or own
    return calendar.Organizer(name, address, sent_by=svc.settings.mail_from)


def when(meeting: Meeting) -> str:
    zone = ZoneInfo(meeting.time_zone)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    return f"{start:%H:%M}–{end:%H:%M} {start:%d/%m/%Y} ({meeting.time_zone})"


def _bodies(
    svc: Services, meeting: Meeting, purpose: str, links: Sequence[tuple[str, str, str]]
) -> tuple[str, str]:
    url = meeting_url(svc, meeting.id)
    vi, en = LEADS[purpose]
    where = meeting.room or "—"
    text = [
        vi,
        f"Cuộc họp: {meeting.title}",
        f"Thời gian: {when(meeting)}",
        f"Địa điểm: {where}",
        "",
        en,
        f"Meeting: {meeting.title}",
        f"When: {when(meeting)}",
        f"Where: {where}",
        "",
        f"{url}",
    ]
    text += [f"{label_vi} / {label_en}: {href}" for href, label_vi, label_en in links]
    e = html.escape
    buttons = "".join(
        f'<a href="{e(href)}" style="display:inline-block;margin:4px;padding:8px 14px;'
        f'border:1px solid #8a1c1c;border-radius:4px;color:#8a1c1c;text-decoration:none">'
        f"{e(label_vi)} / {e(label_en)}</a>"
        for href, label_vi, label_en in links
    )
    body = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f'<p lang="vi">{e(vi)}</p><p lang="en">{e(en)}</p>'
        f"<h2>{e(meeting.title)}</h2>"
        f"<p><strong>Thời gian / When:</strong> {e(when(meeting))}<br>"
        f"<strong>Địa điểm / Where:</strong> {e(where)}</p>"
        f"<p>{e(meeting.description)}</p>"
        f'<p><a href="{e(url)}">Mở cuộc họp / Open the meeting</a></p>'
        f"<p>{buttons}</p></body></html>"
    )
    return "\n".join(text), body


def _subject(purpose: str, meeting: Meeting) -> str:
    vi, en = SUBJECTS[purpose]
    return f"{vi} / {en}: {meeting.title}"


async def queue_itip(
    session: AsyncSession,
    svc: Services,
    meeting: Meeting,
    everyone: Sequence[ParticipantView],
    recipients: Sequence[ParticipantView],
    *,
    purpose: str,
) -> int:
    """Queue a REQUEST (invitation/update) or CANCEL (cancellation) mail to each recipient."""
    cancel = purpose == "cancellation"
    method = "CANCEL" if cancel else "REQUEST"
    organizer = await organizer_of(session, svc, meeting)
    now = svc.clock.now()
    url = meeting_url(svc, meeting.id)
    # A CANCEL lists the attendees it is addressed to; a REQUEST lists everyone.
    listed = recipients if cancel else everyone
    count = 0
    ev = calendar.event(
        meeting, listed, organizer, stamp=now, url=url, rsvp=not cancel, cancelled=cancel
    )
    ics = calendar.document(method, [ev]).decode()  # the same for every recipient
    for view in recipients:
        if not view.address:
            continue
        links = (
            []
            if cancel
            else [(rsvp_link(svc, meeting, view.row.id, a), vi, en) for a, vi, en in RSVP_ANSWERS]
        )
        text, body = _bodies(svc, meeting, purpose, links)
        session.add(
            OutboxMail(
                to_address=view.address,
                to_name=view.display_name,
                subject=_subject(purpose, meeting),
                text_body=text,
                html_body=body,
                ics=ics,
                ics_method=method,
                meeting_id=meeting.id,
                purpose=purpose,
                next_attempt_at=now,
                created_at=now,
                attempts=0,
                last_error="",
            )
        )
        count += 1
    return count


def queue_reminder(
    session: AsyncSession,
    svc: Services,
    meeting: Meeting,
    view: ParticipantView,
    *,
    kind: str,
) -> None:
    now = svc.clock.now()
    text, body = _bodies(svc, meeting, "reminder", [])
    session.add(
        OutboxMail(
            to_address=view.address,
            to_name=view.display_name,
            subject=_subject("reminder", meeting),
            text_body=text,
            html_body=body,
            ics="",
            ics_method="",
            meeting_id=meeting.id,
            purpose=f"reminder_{kind}",
            dedupe_key=f"reminder:{kind}:{view.row.id}:{meeting.starts_at.isoformat()}",
            next_attempt_at=now,
            created_at=now,
            attempts=0,
            last_error="",
        )
    )


async def pending_reminder_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    rows = await session.scalars(
        select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(keys))
    )
    return {k for k in rows if k}
