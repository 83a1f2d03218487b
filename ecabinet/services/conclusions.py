"""The conclusions notice (thông báo kết luận): composed by the meeting's secretary after the
meeting from the items' conclusions, published once, never changed afterwards.

* A draft is a numbered list of conclusions, each optionally about an agenda item and carrying
  the tasks to assign. Without a list the draft starts from the conclusions the chair recorded
  per item during the session (or, for a correction, from the notice it supersedes).
* Publishing gives the notice its number (1, 2 … per meeting), creates the tasks, renders the PDF
  (DejaVu Sans, :mod:`pdf_render`), signs it with the publisher's certificate (PAdES, as the
  minutes are signed: an official notice is issued signed; 409 ``no_signing_certificate``
  without one), stores it in the blob store, and queues the mails — all in one action
  (``conclusions.publish``). A published notice is immutable; a correction is a new notice that
  names the one it supersedes.
* Who sees what is decided in :mod:`conclusion_access`: drafts only the meeting's secretaries;
  a published notice also the meeting's participants (persons, deputies, operators of invited
  endpoints), the users of their organizations and of the organizations given tasks, and task
  overseers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import (
    AgendaItem,
    Conclusion,
    ConclusionNotice,
    ItemConclusion,
    Meeting,
    MeetingStatus,
    NoticeStatus,
    Organization,
    Task,
    User,
)
from ..schemas.tasks import NoticeConclusionIn, NoticeIn, NoticePatch, PlannedTaskIn
from . import conclusion_access as access
from . import notice_render, signing, task_access, tasks
from .actor import Actor
from .context import Services, perform

FINISHED = (MeetingStatus.ENDED, MeetingStatus.CLOSED)


@dataclass
class ConclusionView:
    id: int
    number: int
    text: str
    agenda_item_id: int | None
    agenda_item_title: str
    planned_tasks: list[dict[str, object]]
    tasks: list[tasks.TaskView] = field(default_factory=list)


@dataclass
class NoticeView:
    id: int
    meeting_id: int
    meeting_title: str
    number: int | None
    title: str
    status: str
    supersedes_id: int | None
    superseded_by_id: int | None
    published_at: datetime | None
    pdf_sha256: str
    conclusions: list[ConclusionView]
    can_edit: bool


async def _view(
    session: AsyncSession,
    actor: Actor,
    notice: ConclusionNotice,
    meeting: Meeting,
    secretary: bool,
    now: datetime,
) -> NoticeView:
    rows = (
        await session.execute(
            select(Conclusion, AgendaItem.title)
            .outerjoin(AgendaItem, AgendaItem.id == Conclusion.agenda_item_id)
            .where(Conclusion.notice_id == notice.id)
            .order_by(Conclusion.position)
        )
    ).all()
    query = select(Task).where(Task.conclusion_id.in_([c.id for c, _ in rows]))
    if not secretary:  # the PDF lists every assignment; the task rows follow the task rule
        query = query.where(task_access.visible_clause(actor))
    task_rows = list(await session.scalars(query.order_by(Task.id)))
    views = await tasks.views_of(session, actor, task_rows, now)
    by_conclusion: dict[int, list[tasks.TaskView]] = {}
    for view in views:
        by_conclusion.setdefault(view.conclusion_id, []).append(view)
    successor = await session.scalar(
        select(ConclusionNotice.id).where(
            ConclusionNotice.supersedes_id == notice.id,
            ConclusionNotice.status == NoticeStatus.PUBLISHED,
        )
    )
    return NoticeView(
        id=notice.id,
        meeting_id=meeting.id,
        meeting_title=meeting.title,
        number=notice.number,
        title=notice.title,
        status=notice.status.value,
        supersedes_id=notice.supersedes_id,
        superseded_by_id=successor,
        published_at=notice.published_at,
        pdf_sha256=notice.pdf_sha256,
        conclusions=[
            ConclusionView(
                c.id,
                c.position,
                c.text,
                c.agenda_item_id,
                item_title or "",
                list(c.planned_tasks) if secretary else [],
                by_conclusion.get(c.id, []),
            )
            for c, item_title in rows
        ],
        can_edit=secretary and notice.status is NoticeStatus.DRAFT,
    )


def _require_finished(meeting: Meeting) -> None:
    if meeting.status not in FINISHED:
        raise Conflict(
            "The conclusions notice is composed after the meeting has ended.",
            code="meeting_not_ended",
        )


async def _check_items(
    session: AsyncSession, meeting_id: int, items: list[NoticeConclusionIn]
) -> None:
    wanted = {i.agenda_item_id for i in items if i.agenda_item_id is not None}
    found = set(
        await session.scalars(
            select(AgendaItem.id).where(
                AgendaItem.id.in_(wanted), AgendaItem.meeting_id == meeting_id
            )
        )
    )
    if wanted - found:
        raise ValidationFailed("No such agenda item in this meeting.", code="invalid_agenda_item")
    orgs = {o for i in items for t in i.tasks for o in (t.assignee_id, *t.cooperating_ids)}
    await tasks.check_organizations(session, sorted(orgs))


async def _prefill(
    session: AsyncSession, meeting_id: int, supersedes: ConclusionNotice | None
) -> list[NoticeConclusionIn]:
    if supersedes is not None:
        previous = await session.scalars(
            select(Conclusion)
            .where(Conclusion.notice_id == supersedes.id)
            .order_by(Conclusion.position)
        )
        return [NoticeConclusionIn(text=c.text, agenda_item_id=c.agenda_item_id) for c in previous]
    rows = await session.execute(
        select(ItemConclusion.text, AgendaItem.id)
        .join(AgendaItem, AgendaItem.id == ItemConclusion.agenda_item_id)
        .where(ItemConclusion.meeting_id == meeting_id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return [NoticeConclusionIn(text=text, agenda_item_id=item_id) for text, item_id in rows.all()]


async def _replace_items(
    session: AsyncSession, notice: ConclusionNotice, items: list[NoticeConclusionIn]
) -> None:
    await session.execute(delete(Conclusion).where(Conclusion.notice_id == notice.id))
    await session.flush()
    for position, item in enumerate(items, start=1):
        session.add(
            Conclusion(
                notice_id=notice.id,
                position=position,
                text=item.text,
                agenda_item_id=item.agenda_item_id,
                planned_tasks=[t.model_dump(mode="json") for t in item.tasks],
            )
        )
    await session.flush()


async def create_draft(svc: Services, actor: Actor, meeting_id: int, data: NoticeIn) -> NoticeView:
    async with perform(svc, actor, "conclusions.draft") as act:
        meeting = await access.managed_meeting(act.session, actor, meeting_id)
        _require_finished(meeting)
        draft = await act.session.scalar(
            select(ConclusionNotice.id).where(
                ConclusionNotice.meeting_id == meeting_id,
                ConclusionNotice.status == NoticeStatus.DRAFT,
            )
        )
        if draft is not None:
            raise Conflict(
                "This meeting already has a draft notice; edit or publish it.",
                code="draft_exists",
                details={"notice_id": draft},
            )
        supersedes = None
        if data.supersedes_id is not None:
            supersedes = await act.session.get(ConclusionNotice, data.supersedes_id)
            if (
                supersedes is None
                or supersedes.meeting_id != meeting_id
                or supersedes.status is not NoticeStatus.PUBLISHED
            ):
                raise ValidationFailed(
                    "A correction supersedes a published notice of this meeting.",
                    code="invalid_supersedes",
                )
            taken = await act.session.scalar(
                select(ConclusionNotice.id).where(ConclusionNotice.supersedes_id == supersedes.id)
            )
            if taken is not None:
                raise Conflict("That notice is already superseded.", code="already_superseded")
        items = data.conclusions
        if items is None:
            items = await _prefill(act.session, meeting_id, supersedes)
        await _check_items(act.session, meeting_id, items)
        now = svc.clock.now()
        notice = ConclusionNotice(
            meeting_id=meeting_id,
            title=data.title or f"Thông báo kết luận: {meeting.title}"[:500],
            status=NoticeStatus.DRAFT,
            supersedes_id=supersedes.id if supersedes else None,
            pdf_sha256="",
            pdf_size=0,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        act.session.add(notice)
        await act.session.flush()
        await _replace_items(act.session, notice, items)
        act.record(
            "conclusion_notice",
            notice.id,
            meeting_id=meeting_id,
            conclusions=len(items),
            supersedes=notice.supersedes_id,
        )
        return await _view(act.session, actor, notice, meeting, True, now)


async def _draft(
    session: AsyncSession, actor: Actor, notice_id: int
) -> tuple[ConclusionNotice, Meeting]:
    notice, meeting, secretary = await access.visible_notice(session, actor, notice_id)
    if not secretary:
        raise Forbidden("Only the meeting's secretaries may do this.", code="secretary_only")
    if notice.status is not NoticeStatus.DRAFT:
        raise Conflict(
            "A published notice is not changed; publish a correction instead.",
            code="notice_published",
        )
    return notice, meeting


async def update_draft(
    svc: Services, actor: Actor, notice_id: int, data: NoticePatch
) -> NoticeView:
    async with perform(svc, actor, "conclusions.edit") as act:
        notice, meeting = await _draft(act.session, actor, notice_id)
        changed: dict[str, object] = {}
        if data.title is not None:
            notice.title = changed["title"] = data.title
        if data.conclusions is not None:
            await _check_items(act.session, meeting.id, data.conclusions)
            await _replace_items(act.session, notice, data.conclusions)
            changed["conclusions"] = len(data.conclusions)
        notice.updated_at = svc.clock.now()
        act.record("conclusion_notice", notice.id, meeting_id=meeting.id, **changed)
        await act.session.flush()
        return await _view(act.session, actor, notice, meeting, True, svc.clock.now())


async def delete_draft(svc: Services, actor: Actor, notice_id: int) -> None:
    async with perform(svc, actor, "conclusions.discard") as act:
        notice, meeting = await _draft(act.session, actor, notice_id)
        await act.session.delete(notice)
        act.record("conclusion_notice", notice_id, meeting_id=meeting.id)


async def publish(svc: Services, actor: Actor, notice_id: int) -> NoticeView:
    stored: str | None = None
    font = await signing.stamp_font(svc)
    timestamper = signing.timestamper_for(svc)
    try:
        async with perform(svc, actor, "conclusions.publish") as act:
            query = select(ConclusionNotice).where(ConclusionNotice.id == notice_id)
            if not svc.db.is_sqlite:
                await act.session.scalar(query.with_for_update())
            notice, meeting = await _draft(act.session, actor, notice_id)
            _require_finished(meeting)
            now = svc.clock.now()
            conclusions = list(
                await act.session.scalars(
                    select(Conclusion)
                    .where(Conclusion.notice_id == notice.id)
                    .order_by(Conclusion.position)
                )
            )
            if not conclusions:
                raise ValidationFailed("The notice has no conclusions.", code="notice_empty")
            plans = [
                (c, [PlannedTaskIn.model_validate(t, strict=False) for t in c.planned_tasks])
                for c in conclusions
            ]
            late = [p.title for _, ps in plans for p in ps if p.deadline <= now]
            if late:
                raise ValidationFailed(
                    "A task's deadline has already passed.", code="deadline_in_past", details=late
                )
            number = await act.session.scalar(
                select(func.coalesce(func.max(ConclusionNotice.number), 0)).where(
                    ConclusionNotice.meeting_id == meeting.id
                )
            )
            notice.number = int(number or 0) + 1
            notice.status, notice.published_at, notice.published_by = (
                NoticeStatus.PUBLISHED,
                now,
                actor.user_id,
            )
            notice.updated_at = now
            created: list[Task] = []
            for conclusion, planned in plans:
                for plan in planned:
                    created.append(
                        await tasks.create(act.session, svc, conclusion, meeting.id, plan, actor)
                    )
                conclusion.planned_tasks = []
            await act.session.flush()
            view = await _view(act.session, actor, notice, meeting, True, now)
            previous = (
                await act.session.get(ConclusionNotice, notice.supersedes_id)
                if notice.supersedes_id
                else None
            )
            publisher = await act.session.get(User, actor.user_id)
            if publisher is None:
                raise NotFound("No such user.", code="user_not_found")
            issuer = await act.session.get(Organization, meeting.organization_id)
            heading = (
                notice_render.heading_of(view, issuer, svc.settings.zone, now) if issuer else None
            )
            pdf = await asyncio.to_thread(
                notice_render.render,
                view,
                meeting,
                previous,
                svc.settings.zone,
                publisher,
                heading,
            )
            pdf, credential = await signing.signed_by(
                act.session,
                svc,
                actor,
                pdf,
                notice_render.SIGNATURE_FIELD,
                now=now,
                font=font,
                timestamper=timestamper,
                reason="Ban hành / Issued",
            )
            staged = svc.files.blobs.stage(len(pdf) + 1)
            async with staged:
                await staged.write(pdf)
                ref, new = await svc.files.blobs.commit(staged)
            stored = ref.sha256 if new else None
            notice.pdf_sha256, notice.pdf_size = ref.sha256, ref.size
            mailed = await notice_render.queue_mails(act.session, svc, notice, meeting)
            act.record(
                "conclusion_notice",
                notice.id,
                meeting_id=meeting.id,
                number=notice.number,
                supersedes=notice.supersedes_id,
                tasks=[t.id for t in created],
                pdf_sha256=ref.sha256,
                certificate=credential.fingerprint,
                mailed=mailed,
            )
            view.pdf_sha256 = ref.sha256
            return view
    except BaseException:
        if stored is not None:
            svc.files.blobs.remove(stored)
        raise


async def get_notice(svc: Services, actor: Actor, notice_id: int) -> NoticeView:
    async with svc.db.reading() as session:
        notice, meeting, secretary = await access.visible_notice(session, actor, notice_id)
        return await _view(session, actor, notice, meeting, secretary, svc.clock.now())


async def list_notices(svc: Services, actor: Actor, meeting_id: int) -> list[NoticeView]:
    async with svc.db.reading() as session:
        meeting = await access.meeting_of(session, meeting_id)
        secretary, reads = await access.standing(session, actor, meeting)
        if not (secretary or reads):
            raise NotFound("No such meeting.", code="meeting_not_found")
        query = select(ConclusionNotice).where(ConclusionNotice.meeting_id == meeting_id)
        if not secretary:
            query = query.where(ConclusionNotice.status == NoticeStatus.PUBLISHED)
        notices = await session.scalars(
            query.order_by(
                ConclusionNotice.number.is_(None), ConclusionNotice.number, ConclusionNotice.id
            )
        )
        now = svc.clock.now()
        return [await _view(session, actor, n, meeting, secretary, now) for n in notices]


async def notice_pdf(svc: Services, actor: Actor, notice_id: int) -> tuple[Path, str]:
    async with svc.db.reading() as session:
        notice, meeting, _ = await access.visible_notice(session, actor, notice_id)
    if notice.status is not NoticeStatus.PUBLISHED or not notice.pdf_sha256:
        raise NotFound("The notice has no PDF until it is published.", code="notice_not_published")
    return svc.files.blobs.path_of(
        notice.pdf_sha256
    ), f"thong-bao-ket-luan-{meeting.id}-{notice.number}.pdf"
