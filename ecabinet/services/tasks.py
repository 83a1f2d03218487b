"""Follow-up tasks (nhiệm vụ): created when a conclusions notice is published, reported on by
the assignee organization (text, percentage, attachments), changed by the meeting's secretary.

Status is stored as assigned → in_progress → done; "overdue" is derived from the clock and never
stored (:func:`task_access.state_of`); finishing after the deadline is recorded as ``done_late``.
Every change is a named action through :func:`perform` (``task.*``), audited with its meeting.
Access rules: :mod:`task_access`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, NotFound, UnsupportedMediaType, ValidationFailed
from ..files.attachments import AttachmentKind, AttachmentRejected, sniff
from ..files.blobs import StagedBlob
from ..files.names import clean_filename
from ..models import (
    Conclusion,
    DocumentVersion,
    Meeting,
    Organization,
    Task,
    TaskAttachment,
    TaskCooperator,
    TaskProgress,
    TaskStatus,
    User,
)
from ..schemas.tasks import PlannedTaskIn, ProgressIn, TaskPatch
from . import conclusion_access, task_reminders
from . import task_access as access
from .actor import Actor
from .context import Services, perform


@dataclass
class OrgRef:
    id: int
    name: str
    level: str


@dataclass
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass
class ProgressView:
    id: int
    author: str
    note: str
    percent: int
    status: str
    created_at: datetime
    attachments: list[AttachmentView] = field(default_factory=list)


@dataclass
class TaskView:
    id: int
    meeting_id: int
    meeting_title: str
    notice_id: int
    conclusion_id: int
    conclusion_number: int
    title: str
    description: str
    assignee: OrgRef
    cooperating: list[OrgRef]
    deadline: datetime
    status: str
    state: str
    overdue: bool
    percent: int
    done_at: datetime | None
    done_late: bool
    created_at: datetime
    can_report: bool = False
    can_edit: bool = False
    may_read_notice: bool = False  # the conclusions notice it comes from (conclusion_access)
    progress: list[ProgressView] = field(default_factory=list)


def _ref(org: Organization) -> OrgRef:
    return OrgRef(org.id, org.name, org.level.value)


async def views_of(
    session: AsyncSession, actor: Actor, tasks: Sequence[Task], now: datetime
) -> list[TaskView]:
    ids = [t.id for t in tasks]
    helpers = list(
        await session.scalars(select(TaskCooperator).where(TaskCooperator.task_id.in_(ids)))
    )
    wanted = {t.assignee_id for t in tasks} | {h.organization_id for h in helpers}
    orgs = {
        o.id: o
        for o in await session.scalars(select(Organization).where(Organization.id.in_(wanted)))
    }
    cooperating: dict[int, list[OrgRef]] = {i: [] for i in ids}
    for row in helpers:
        cooperating[row.task_id].append(_ref(orgs[row.organization_id]))
    rows = (
        await session.execute(
            select(Task.id, Meeting.title, Conclusion.position, Conclusion.notice_id)
            .join(Meeting, Meeting.id == Task.meeting_id)
            .join(Conclusion, Conclusion.id == Task.conclusion_id)
            .where(Task.id.in_(ids))
        )
    ).all()
    context = {r[0]: (r[1], r[2], r[3]) for r in rows}
    views = []
    for t in tasks:
        title, position, notice_id = context[t.id]
        state = access.state_of(t, now)
        views.append(
            TaskView(
                id=t.id,
                meeting_id=t.meeting_id,
                meeting_title=title,
                notice_id=notice_id,
                conclusion_id=t.conclusion_id,
                conclusion_number=position,
                title=t.title,
                description=t.description,
                assignee=_ref(orgs[t.assignee_id]),
                cooperating=sorted(cooperating[t.id], key=lambda o: o.name),
                deadline=t.deadline,
                status=t.status.value,
                state=state,
                overdue=state == "overdue",
                percent=t.percent,
                done_at=t.done_at,
                done_late=t.done_late,
                created_at=t.created_at,
                can_report=access.may_report(actor, t) and t.status is not TaskStatus.DONE,
            )
        )
    return views


async def _progress(session: AsyncSession, task_id: int) -> list[ProgressView]:
    rows = (
        await session.execute(
            select(TaskProgress, User.full_name)
            .outerjoin(User, User.id == TaskProgress.author_id)
            .where(TaskProgress.task_id == task_id)
            .order_by(TaskProgress.id)
        )
    ).all()
    files: dict[int, list[AttachmentView]] = {}
    for a in await session.scalars(
        select(TaskAttachment).where(TaskAttachment.task_id == task_id).order_by(TaskAttachment.id)
    ):
        files.setdefault(a.progress_id, []).append(
            AttachmentView(a.id, a.filename, a.content_type, a.size)
        )
    return [
        ProgressView(
            p.id, name or "—", p.note, p.percent, p.status.value, p.created_at, files.get(p.id, [])
        )
        for p, name in rows
    ]


async def detail(session: AsyncSession, actor: Actor, task: Task, now: datetime) -> TaskView:
    view = (await views_of(session, actor, [task], now))[0]
    view.can_edit = task.status is not TaskStatus.DONE and await access.may_edit(
        session, actor, task
    )
    meeting = await conclusion_access.meeting_of(session, task.meeting_id)
    view.may_read_notice = (await conclusion_access.standing(session, actor, meeting))[1]
    view.progress = await _progress(session, task.id)
    return view


async def get_task(svc: Services, actor: Actor, task_id: int) -> TaskView:
    async with svc.db.reading() as session:
        task = await access.visible_task(session, actor, task_id)
        return await detail(session, actor, task, svc.clock.now())


async def check_may_report(svc: Services, actor: Actor, task_id: int) -> None:
    """Before reading a byte of an upload: may this actor report on this task?"""
    async with svc.db.reading() as session:
        task = await access.visible_task(session, actor, task_id)
        access.require_reporter(actor, task)


async def check_organizations(session: AsyncSession, ids: Sequence[int]) -> None:
    found = set(await session.scalars(select(Organization.id).where(Organization.id.in_(ids))))
    missing = sorted(set(ids) - found)
    if missing:
        raise ValidationFailed(
            "An organization does not exist.",
            code="organization_not_found",
            details={"missing": missing},
        )


async def create(
    session: AsyncSession,
    svc: Services,
    conclusion: Conclusion,
    meeting_id: int,
    plan: PlannedTaskIn,
    actor: Actor,
) -> Task:
    """Create one planned task of a conclusion being published (inside the publish action)."""
    now = svc.clock.now()
    task = Task(
        conclusion_id=conclusion.id,
        meeting_id=meeting_id,
        title=plan.title,
        description=plan.description,
        assignee_id=plan.assignee_id,
        deadline=plan.deadline,
        status=TaskStatus.ASSIGNED,
        percent=0,
        done_late=False,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    cooperating = sorted(set(plan.cooperating_ids) - {plan.assignee_id})
    for org_id in cooperating:
        session.add(TaskCooperator(task_id=task.id, organization_id=org_id))
    await task_reminders.queue_assigned(session, svc, task)
    await task_reminders.queue_cooperating(session, svc, task, cooperating)
    return task


async def report_progress(
    svc: Services,
    actor: Actor,
    task_id: int,
    data: ProgressIn,
    upload: tuple[StagedBlob, str] | None = None,
) -> TaskView:
    """A progress report by the assignee; ``done`` finishes the task (late if past the deadline).
    An attachment is checked by its bytes before anything is stored; if the report is rolled
    back, a blob it added to the store is removed again."""
    kind = await _sniff(upload[0]) if upload is not None else None
    added: list[str] = []
    try:
        async with perform(svc, actor, "task.progress") as act:
            task = await access.visible_task(act.session, actor, task_id)
            access.require_reporter(actor, task)
            if task.status is TaskStatus.DONE:
                raise Conflict("The task is done; it takes no more reports.", code="task_done")
            now = svc.clock.now()
            task.percent = 100 if data.done else data.percent
            task.status = TaskStatus.DONE if data.done else TaskStatus.IN_PROGRESS
            if data.done:
                task.done_at, task.done_late = now, now > task.deadline
            task.updated_at = now
            row = TaskProgress(
                task_id=task.id,
                author_id=actor.user_id,
                note=data.note,
                percent=task.percent,
                status=task.status,
                created_at=now,
            )
            act.session.add(row)
            await act.session.flush()
            recorded: dict[str, object] = {"percent": task.percent, "status": task.status.value}
            if data.done:
                recorded["done_late"] = task.done_late
            if upload is not None and kind is not None:
                staged, filename = upload
                ref, new = await svc.files.blobs.commit(staged)
                if new:
                    added.append(ref.sha256)
                name = _filename(filename, kind.extension)
                act.session.add(
                    TaskAttachment(
                        progress_id=row.id,
                        task_id=task.id,
                        filename=name,
                        content_type=kind.content_type,
                        sha256=ref.sha256,
                        size=ref.size,
                    )
                )
                recorded["attachment"] = {"sha256": ref.sha256, "size": ref.size, "name": name}
            act.record("task", task.id, meeting_id=task.meeting_id, **recorded)
            await act.session.flush()
            return await detail(act.session, actor, task, now)
    except BaseException:
        for sha256 in added:
            await _forget_if_unused(svc, sha256)
        raise


async def _forget_if_unused(svc: Services, sha256: str) -> None:
    """Remove a blob a rolled-back report added, unless something stored meanwhile uses it."""
    async with svc.db.reading() as session:
        used = await session.scalar(
            select(TaskAttachment.id).where(TaskAttachment.sha256 == sha256).limit(1)
        ) or await session.scalar(
            select(DocumentVersion.id).where(DocumentVersion.sha256 == sha256).limit(1)
        )
    if not used:
        svc.files.blobs.remove(sha256)


async def _sniff(staged: StagedBlob) -> AttachmentKind:
    await staged.finish()
    try:
        return await asyncio.to_thread(sniff, staged.path)
    except AttachmentRejected as exc:
        error = UnsupportedMediaType if exc.code == "attachment_type" else ValidationFailed
        raise error(exc.message, code=exc.code) from exc


def _filename(name: str, extension: str) -> str:
    return clean_filename(name, extension, fallback="attachment")


async def update_task(svc: Services, actor: Actor, task_id: int, data: TaskPatch) -> TaskView:
    """The meeting's secretary changes a task that is not done (a new deadline re-arms the
    reminders: their keys carry the deadline)."""
    async with perform(svc, actor, "task.update") as act:
        task = await access.visible_task(act.session, actor, task_id)
        if not await access.may_edit(act.session, actor, task):
            raise Forbidden("Only the meeting's secretaries change a task.", code="secretary_only")
        if task.status is TaskStatus.DONE:
            raise Conflict("A finished task is not changed.", code="task_done")
        changed: dict[str, object] = {}
        if data.title is not None and data.title != task.title:
            task.title = changed["title"] = data.title
        if data.deadline is not None and data.deadline != task.deadline:
            task.deadline = data.deadline
            changed["deadline"] = data.deadline.isoformat()
        if data.assignee_id is not None and data.assignee_id != task.assignee_id:
            await check_organizations(act.session, [data.assignee_id])
            task.assignee_id = changed["assignee_id"] = data.assignee_id
            await task_reminders.queue_assigned(act.session, svc, task)
        if data.cooperating_ids is not None:
            await check_organizations(act.session, data.cooperating_ids)
            before = set(
                await act.session.scalars(
                    select(TaskCooperator.organization_id).where(TaskCooperator.task_id == task.id)
                )
            )
            await act.session.execute(
                delete(TaskCooperator).where(TaskCooperator.task_id == task.id)
            )
            wanted = sorted(set(data.cooperating_ids) - {task.assignee_id})
            for org_id in wanted:
                act.session.add(TaskCooperator(task_id=task.id, organization_id=org_id))
            changed["cooperating_ids"] = wanted
            added = [org_id for org_id in wanted if org_id not in before]
            await task_reminders.queue_cooperating(act.session, svc, task, added)
        task.updated_at = svc.clock.now()
        act.record("task", task.id, meeting_id=task.meeting_id, **changed)
        await act.session.flush()
        return await detail(act.session, actor, task, svc.clock.now())


async def attachment_file(
    svc: Services, actor: Actor, task_id: int, attachment_id: int
) -> tuple[Path, str, str]:
    async with svc.db.reading() as session:
        await access.visible_task(session, actor, task_id)
        row = await session.get(TaskAttachment, attachment_id)
        if row is None or row.task_id != task_id:
            raise NotFound("No such attachment.", code="attachment_not_found")
    return svc.files.blobs.path_of(row.sha256), row.filename, row.content_type
