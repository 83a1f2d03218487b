"""Who may see and touch a follow-up task — every access decision about tasks is made here.

* Holders of ``task.oversee`` (admins, and secretaries: the Government Office's staff who follow
  up the conclusions) see every task.
* Users of an organization see the tasks assigned to it or on which it co-operates, and those of
  every organization below it in the directory tree (a province sees its districts' tasks).
* Nobody else: a task someone may not see answers exactly like one that does not exist.
* Progress is reported by users of the **assignee** organization only; the meeting's
  secretaries (:func:`document_access.is_secretary_of`) change the task itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Forbidden, NotFound
from ..models import Meeting, Organization, Task, TaskCooperator, TaskStatus
from .actor import Actor
from .document_access import is_secretary_of
from .permissions import Permission

TASK_NOT_FOUND = "No such task."


def subtree(organization_id: int) -> Any:
    """A SELECT of the organization's id and every id below it (recursive CTE, both databases)."""
    tree = (
        select(Organization.id)
        .where(Organization.id == literal(organization_id))
        .cte("org_subtree", recursive=True)
    )
    tree = tree.union_all(select(Organization.id).where(Organization.parent_id == tree.c.id))
    return select(tree.c.id)


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.can(Permission.TASK_OVERSEE):
        return true()
    mine = subtree(actor.organization_id)
    cooperating = select(TaskCooperator.task_id).where(TaskCooperator.organization_id.in_(mine))
    return or_(Task.assignee_id.in_(mine), Task.id.in_(cooperating))


async def visible_task(session: AsyncSession, actor: Actor, task_id: int) -> Task:
    task = await session.scalar(select(Task).where(Task.id == task_id, visible_clause(actor)))
    if task is None:
        raise NotFound(TASK_NOT_FOUND, code="task_not_found")
    return task


def may_report(actor: Actor, task: Task) -> bool:
    return actor.organization_id == task.assignee_id


async def may_edit(session: AsyncSession, actor: Actor, task: Task) -> bool:
    meeting = await session.get(Meeting, task.meeting_id)
    return meeting is not None and is_secretary_of(actor, meeting)


def require_reporter(actor: Actor, task: Task) -> None:
    if not may_report(actor, task):
        raise Forbidden(
            "Only the assignee organization reports progress on this task.",
            code="not_assignee",
        )


def state_of(task: Task, now: datetime) -> str:
    """assigned, in_progress, overdue (derived: not done and the deadline has passed), done,
    done_late."""
    if task.status is TaskStatus.DONE:
        return "done_late" if task.done_late else "done"
    if now > task.deadline:
        return "overdue"
    return task.status.value
