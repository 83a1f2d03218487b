"""Listing follow-up tasks with filters, and the dashboard: counts per state and the on-time rate,
by assignee organization and by its level (ministry, province, district …).

States are those of :func:`task_access.state_of`: ``assigned``, ``in_progress``, ``overdue``
(derived from the clock), ``done`` (by the deadline) and ``done_late``. The **on-time rate** is
done by the deadline / tasks due, where the tasks due are those finished (on time or late) and
those overdue; tasks still running before their deadline are not due yet. No task due → no rate.
Everyone sees only the tasks :mod:`task_access` lets them see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.sql import Select

from ..models import Organization, OrganizationLevel, Task, TaskStatus
from . import task_access, tasks
from .actor import Actor
from .context import Services

STATES = ("assigned", "in_progress", "overdue", "done", "done_late")
# Filters take the states and "open" (not done yet: assigned, in progress or overdue).
FILTER_STATES = (*STATES, "open")
MAX_PAGE = 200


@dataclass(frozen=True)
class TaskFilter:
    meeting_id: int | None = None
    organization_id: int | None = None  # the assignee
    level: OrganizationLevel | None = None  # the assignee's level
    state: str = ""  # one of STATES
    due_from: datetime | None = None
    due_to: datetime | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class TaskPage:
    items: list[tasks.TaskView]
    total: int
    limit: int
    offset: int


@dataclass
class Tally:
    key: str
    name: str
    level: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    total: int = 0
    due: int = 0
    on_time: int = 0
    on_time_rate: float | None = None

    def add(self, state: str) -> None:
        self.counts[state] += 1
        self.total += 1

    def close(self) -> Tally:
        self.on_time = self.counts["done"]
        self.due = self.on_time + self.counts["done_late"] + self.counts["overdue"]
        self.on_time_rate = round(self.on_time / self.due, 4) if self.due else None
        return self


@dataclass
class Dashboard:
    total: Tally
    by_level: list[Tally]
    by_organization: list[Tally]


def state_clause(state: str, now: datetime) -> ColumnElement[bool]:
    return {
        "assigned": and_(Task.status == TaskStatus.ASSIGNED, Task.deadline >= now),
        "in_progress": and_(Task.status == TaskStatus.IN_PROGRESS, Task.deadline >= now),
        "overdue": and_(Task.status != TaskStatus.DONE, Task.deadline < now),
        "done": and_(Task.status == TaskStatus.DONE, Task.done_late.is_(False)),
        "done_late": and_(Task.status == TaskStatus.DONE, Task.done_late.is_(True)),
        "open": Task.status != TaskStatus.DONE,
    }[state]


def _filtered(actor: Actor, f: TaskFilter, now: datetime, columns: Sequence[Any]) -> Select[Any]:
    query = (
        select(*columns)
        .join(Organization, Organization.id == Task.assignee_id)
        .where(task_access.visible_clause(actor))
    )
    if f.meeting_id is not None:
        query = query.where(Task.meeting_id == f.meeting_id)
    if f.organization_id is not None:
        query = query.where(Task.assignee_id == f.organization_id)
    if f.level is not None:
        query = query.where(Organization.level == f.level)
    if f.state:
        query = query.where(state_clause(f.state, now))
    if f.due_from is not None:
        query = query.where(Task.deadline >= f.due_from)
    if f.due_to is not None:
        query = query.where(Task.deadline <= f.due_to)
    return query


async def list_tasks(svc: Services, actor: Actor, f: TaskFilter) -> TaskPage:
    """Nearest deadline first."""
    now = svc.clock.now()
    limit = max(1, min(f.limit, MAX_PAGE))
    offset = max(0, f.offset)
    async with svc.db.reading() as session:
        total = await session.scalar(
            select(func.count()).select_from(_filtered(actor, f, now, [Task.id]).subquery())
        )
        rows = list(
            await session.scalars(
                _filtered(actor, f, now, [Task])
                .order_by(Task.deadline, Task.id)
                .limit(limit)
                .offset(offset)
            )
        )
        items = await tasks.views_of(session, actor, rows, now)
    return TaskPage(items, int(total or 0), limit, offset)


async def dashboard(svc: Services, actor: Actor, f: TaskFilter) -> Dashboard:
    now = svc.clock.now()
    columns = [Task, Organization.name, Organization.level]
    async with svc.db.reading() as session:
        rows = (await session.execute(_filtered(actor, f, now, columns))).all()
    total = Tally("all", "")
    levels: dict[OrganizationLevel, Tally] = {}
    orgs: dict[int, Tally] = {}
    for task, name, level in rows:
        state = task_access.state_of(task, now)
        total.add(state)
        levels.setdefault(level, Tally(level.value, level.value, level.value)).add(state)
        orgs.setdefault(task.assignee_id, Tally(str(task.assignee_id), name, level.value)).add(
            state
        )
    order = list(OrganizationLevel)
    return Dashboard(
        total.close(),
        [levels[lv].close() for lv in sorted(levels, key=order.index)],
        [
            t.close()
            for t in sorted(
                orgs.values(), key=lambda t: (order.index(OrganizationLevel(t.level)), t.name)
            )
        ],
    )


async def meetings_with_tasks(svc: Services, actor: Actor) -> list[tuple[int, str, datetime]]:
    """The meetings whose tasks the actor may see (id, title, start), newest first: what the
    dashboard's meeting filter offers, by title rather than by number."""
    from ..models import Meeting

    async with svc.db.reading() as session:
        rows = await session.execute(
            select(Meeting.id, Meeting.title, Meeting.starts_at)
            .where(Meeting.id.in_(select(Task.meeting_id).where(task_access.visible_clause(actor))))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(MAX_PAGE)
        )
        return [(int(i), str(t), s) for i, t, s in rows.all()]
