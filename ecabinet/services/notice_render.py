"""A published conclusions notice as a PDF (in Vietnamese, DejaVu Sans through
:mod:`pdf_render`) and as the mail that tells the meeting's participants it is out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    ConclusionNotice,
    Endpoint,
    Meeting,
    Organization,
    OutboxMail,
    Participant,
    User,
)
from . import decree30, pdf_render
from .context import Services
from .invitations import when

if TYPE_CHECKING:
    from .conclusions import NoticeView


def paragraphs(
    view: NoticeView, meeting: Meeting, previous: ConclusionNotice | None, zone: ZoneInfo
) -> list[str]:
    lines = [
        f"Thông báo số {view.number} — cuộc họp: {meeting.title}",
        f"Thời gian họp: {when(meeting)}",
    ]
    if previous is not None:
        lines.append(f"Thông báo này đính chính và thay thế Thông báo số {previous.number}.")
    for conclusion in view.conclusions:
        lines.append(f"{conclusion.number}. {conclusion.text}")
        for task in conclusion.tasks:
            helpers = ", ".join(o.name for o in task.cooperating)
            due = task.deadline.astimezone(zone).strftime("%d/%m/%Y")
            line = f"    – Giao {task.assignee.name}: {task.title} (hạn {due})"
            if helpers:
                line += f"; phối hợp: {helpers}"
            lines.append(line)
    if view.published_at is not None:
        stamp = view.published_at.astimezone(zone).strftime("%H:%M %d/%m/%Y")
        lines.append(f"Công bố lúc {stamp}.")
    return lines


SIGNATURE_FIELD = pdf_render.field_name(1)


def render(
    view: NoticeView,
    meeting: Meeting,
    previous: ConclusionNotice | None,
    zone: ZoneInfo,
    signer: User,
    heading: decree30.Heading | None = None,
) -> bytes:
    """The notice with one empty signature field (``SIGNATURE_FIELD``) labelled with the
    publisher, who signs it as it is published. Blocking (run it in a thread)."""
    slot = pdf_render.SignatureSlot(SIGNATURE_FIELD, signer.full_name, signer.title)
    return pdf_render.render(
        view.title, paragraphs(view, meeting, previous, zone), [slot], administrative=heading
    )


def heading_of(
    view: NoticeView, issuer: Organization, zone: ZoneInfo, now: datetime
) -> decree30.Heading:
    """The notice's Decree 30 heading: the meeting's organization issues it, numbered
    ``Số: {n}/TB-{ABBR}``; it goes to the organizations given tasks."""
    assignees = sorted(
        {t.assignee.name for c in view.conclusions for t in c.tasks}
        | {o.name for c in view.conclusions for t in c.tasks for o in t.cooperating}
    )
    return decree30.Heading(
        issuer=issuer.name,
        number=f"Số: {view.number}/TB-{decree30.symbol(issuer.slug)}",
        place="Hà Nội",
        issued_on=(view.published_at or now).astimezone(zone),
        recipients=assignees,
    )


def mail_subject(meeting: Meeting) -> str:
    return f"Thông báo kết luận / Conclusions: {meeting.title}"


async def queue_mails(
    session: AsyncSession, svc: Services, notice: ConclusionNotice, meeting: Meeting
) -> int:
    """One mail per participant (person, deputy, operator of an invited endpoint) with an
    address; the dedupe key makes it once per notice and user."""
    persons = select(Participant.user_id).where(
        Participant.meeting_id == meeting.id, Participant.user_id.is_not(None)
    )
    operators = (
        select(Endpoint.operator_id)
        .join(Participant, Participant.endpoint_id == Endpoint.id)
        .where(Participant.meeting_id == meeting.id, Endpoint.operator_id.is_not(None))
    )
    users = list(
        await session.scalars(
            select(User)
            .where(User.id.in_(union(persons, operators)), User.email != "")
            .where(User.is_active.is_(True))
            .order_by(User.id)
        )
    )
    now = svc.clock.now()
    url = f"{svc.settings.base_url}/conclusions/{notice.id}"
    for user in users:
        session.add(
            OutboxMail(
                to_address=user.email,
                to_name=user.full_name,
                subject=mail_subject(meeting),
                text_body=(
                    f"Thông báo kết luận số {notice.number} của cuộc họp đã được công bố.\n"
                    f"The conclusions notice no. {notice.number} of this meeting is published.\n\n"
                    f"{meeting.title}\n{url}\n"
                ),
                html_body="",
                ics="",
                ics_method="",
                meeting_id=meeting.id,
                purpose="conclusions_published",
                dedupe_key=f"notice:{notice.id}:{user.id}",
                next_attempt_at=now,
                created_at=now,
                attempts=0,
                last_error="",
            )
        )
    return len(users)
