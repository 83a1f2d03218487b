"""Mails about follow-up tasks: the assignment (to the assignee organization's users, and to the
users of each co-operating organization, naming the lead), and reminders before the deadline.

Reminders go out ``settings.task_reminder_days`` days before a deadline (default 7 and 1), to the
active users with an address in the assignee organization, queued by the mail loop on the
injected clock. Each has a dedupe key (task, days, deadline, user) — unique in the outbox — so it
is queued once, and again only if the deadline moves. Only the nearest reminder that is due is
sent (a loop that was stopped does not send the 7-day one on the last day), and none that was
already due when the task was created (a task given 3 days sends only the 1-day one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Meeting, Organization, OutboxMail, Task, TaskStatus, User
from .context import Services, perform
from .outbox import mail_for


def _when(svc: Services, deadline: datetime) -> str:
    return deadline.astimezone(svc.settings.zone).strftime("%H:%M %d/%m/%Y")


def _mail(
    svc: Services,
    user: User,
    task: Task,
    meeting_title: str,
    kind: str,
    key: str,
    lead: str = "",
) -> OutboxMail:
    url = f"{svc.settings.base_url}/tasks/{task.id}"
    subject = {
        "assigned": "Nhiệm vụ được giao / Task assigned",
        "cooperating": "Nhiệm vụ phối hợp / Task to co-operate on",
        "reminder": "Nhắc hạn nhiệm vụ / Task deadline reminder",
    }[kind]
    due = _when(svc, task.deadline)
    led_by = f"Cơ quan chủ trì / Lead: {lead}\n" if lead else ""
    return mail_for(
        user,
        subject=f"{subject}: {task.title}",
        text=(
            f"{task.title}\n\n{led_by}Cuộc họp / Meeting: {meeting_title}\n"
            f"Hạn hoàn thành / Due: {due} ({svc.settings.time_zone})\n\n{url}\n"
        ),
        purpose=f"task_{kind}",
        key=key,
        now=svc.clock.now(),
        meeting_id=task.meeting_id,
    )


async def _members(session: AsyncSession, organization_id: int) -> list[User]:
    return list(
        await session.scalars(
            select(User)
            .where(
                User.organization_id == organization_id,
                User.is_active.is_(True),
                User.email != "",
            )
            .order_by(User.id)
        )
    )


async def queue_assigned(session: AsyncSession, svc: Services, task: Task) -> int:
    meeting = await session.get(Meeting, task.meeting_id)
    title = meeting.title if meeting else ""
    users = await _members(session, task.assignee_id)
    for user in users:
        key = f"task:{task.id}:assigned:{task.assignee_id}:{user.id}"
        session.add(_mail(svc, user, task, title, "assigned", key))
    return len(users)


async def queue_cooperating(
    session: AsyncSession, svc: Services, task: Task, organization_ids: list[int]
) -> int:
    """Tell the users of each newly co-operating organization what they co-operate on and who
    leads it; once per task, organization and user (the dedupe key)."""
    if not organization_ids:
        return 0
    meeting = await session.get(Meeting, task.meeting_id)
    lead = await session.get(Organization, task.assignee_id)
    title, name = meeting.title if meeting else "", lead.name if lead else ""
    queued = 0
    for org_id in organization_ids:
        for user in await _members(session, org_id):
            key = f"task:{task.id}:cooperating:{org_id}:{user.id}"
            session.add(_mail(svc, user, task, title, "cooperating", key, lead=name))
            queued += 1
    return queued


def due_reminder(task: Task, now: datetime, days: tuple[int, ...]) -> int | None:
    """The reminder (in days before the deadline) that is due now, if any."""
    if task.status is TaskStatus.DONE or now >= task.deadline:
        return None
    for d in sorted(days):
        point = task.deadline - timedelta(days=d)
        if now >= point:
            return d if task.created_at <= point else None
    return None


def reminder_key(task: Task, days: int, user_id: int) -> str:
    return f"task:{task.id}:reminder:{days}d:{task.deadline.isoformat()}:{user_id}"


async def _fresh(session: AsyncSession, task: Task, days: int) -> list[tuple[str, User]]:
    """The reminders of this task at ``days`` that are not in the outbox yet."""
    users = await _members(session, task.assignee_id)
    keys = {reminder_key(task, days, u.id): u for u in users}
    if not keys:
        return []
    sent = set(
        await session.scalars(
            select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(list(keys)))
        )
    )
    return [(k, u) for k, u in keys.items() if k not in sent]


async def queue_due(svc: Services) -> int:
    """Queue every task reminder that is due now and not queued yet; return how many."""
    days = svc.settings.task_reminder_days
    if not days:
        return 0
    now = svc.clock.now()
    async with svc.db.reading() as session:
        candidates = list(
            await session.scalars(
                select(Task).where(
                    Task.status != TaskStatus.DONE,
                    Task.deadline > now,
                    Task.deadline <= now + timedelta(days=max(days)),
                )
            )
        )
        due = [
            (t.id, d)
            for t in candidates
            if (d := due_reminder(t, now, days)) is not None and await _fresh(session, t, d)
        ]
    queued = 0
    for task_id, d in due:
        async with perform(svc, None, "task.reminded") as act:
            task = await act.session.get(Task, task_id)
            fresh = await _fresh(act.session, task, d) if task is not None else []
            if task is None or due_reminder(task, now, days) != d:
                fresh = []
            meeting = await act.session.get(Meeting, task.meeting_id) if task else None
            title = meeting.title if meeting else ""
            for key, user in fresh:
                assert task is not None
                act.session.add(_mail(svc, user, task, title, "reminder", key))
            act.record("task", task_id, days=d, users=[u.id for _, u in fresh])
            queued += len(fresh)
    return queued
