"""Who may see and compose a meeting's conclusions notices — every decision about them is here.

The rule (:func:`standing`), in one place, for every surface (the JSON API, the PDF, the meeting's
conclusions page, the mail's link):

* the **organizing office** — the meeting's **secretaries** (its named secretary and the
  secretaries of the organizing organization, :func:`document_access.is_secretary_of`) —
  compose, edit and publish, and see drafts;
* a **published** notice is also read by its **recipients**: the meeting's participants
  (persons, deputies, operators of invited endpoints: those the publication mails), the users of
  the organizations those participants belong to (the organizations the notice is addressed to),
  and the users of the organizations given a task or co-operating on one (those the task mails
  go to);
* **nobody else**: no role reads notices by being that role — not administrators, not task
  overseers, not the secretaries of an organization with no part in the meeting (overseeing
  tasks shows the tasks, through :mod:`task_access`, not the notices). Drafts are for the
  secretaries only.
* Anything else answers exactly like a notice or meeting that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Forbidden, NotFound
from ..models import (
    ConclusionNotice,
    Endpoint,
    Meeting,
    MeetingStatus,
    NoticeStatus,
    Participant,
    Task,
    TaskCooperator,
    User,
)
from .actor import Actor
from .document_access import is_secretary_of
from .meetings import taking_part

NOT_FOUND = "No such conclusions notice."


async def meeting_of(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("No such meeting.", code="meeting_not_found")
    return meeting


async def standing(session: AsyncSession, actor: Actor, meeting: Meeting) -> tuple[bool, bool]:
    """(is the meeting's secretary, may read its published notices)."""
    if is_secretary_of(actor, meeting):
        return True, True
    if meeting.status is MeetingStatus.DRAFT:
        return False, False
    taking = await session.scalar(
        select(Meeting.id).where(Meeting.id == meeting.id, Meeting.id.in_(taking_part(actor)))
    )
    if taking is not None:
        return False, True
    here = Participant.meeting_id == meeting.id
    orgs = set(
        await session.scalars(
            union(
                select(User.organization_id)
                .join(Participant, Participant.user_id == User.id)
                .where(here),
                select(Endpoint.organization_id)
                .join(Participant, Participant.endpoint_id == Endpoint.id)
                .where(here),
                select(Task.assignee_id).where(Task.meeting_id == meeting.id),
                select(TaskCooperator.organization_id)
                .join(Task, Task.id == TaskCooperator.task_id)
                .where(Task.meeting_id == meeting.id),
            )
        )
    )
    return False, actor.organization_id in orgs


async def visible_notice(
    session: AsyncSession, actor: Actor, notice_id: int
) -> tuple[ConclusionNotice, Meeting, bool]:
    notice = await session.get(ConclusionNotice, notice_id)
    if notice is None:
        raise NotFound(NOT_FOUND, code="notice_not_found")
    meeting = await meeting_of(session, notice.meeting_id)
    secretary, reads = await standing(session, actor, meeting)
    if not secretary and not (reads and notice.status is NoticeStatus.PUBLISHED):
        raise NotFound(NOT_FOUND, code="notice_not_found")
    return notice, meeting, secretary


async def managed_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await meeting_of(session, meeting_id)
    secretary, reads = await standing(session, actor, meeting)
    if not secretary:
        if reads:
            raise Forbidden("Only the meeting's secretaries may do this.", code="secretary_only")
        raise NotFound("No such meeting.", code="meeting_not_found")
    return meeting
