"""Opinions (ý kiến): threaded comments on an agenda item or a document of a meeting.

Visible to the meeting's participants and secretaries — the people who see the meeting's
documents (:mod:`document_access`): an opinion on a document only to those who may read that
document, an opinion on an agenda item only once the item is published (secretaries see the
working agenda). Authors edit and delete their own; a deleted opinion keeps its place in the
thread with its text removed. The secretary compiles them per item into a summary PDF.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Forbidden, NotFound, ValidationFailed
from ..files.opinion_summary import SummaryOpinion, SummarySection, render_summary
from ..models import AgendaItem, AgendaVersion, Document, Opinion, Organization, User
from ..schemas.annotations import OpinionIn
from . import document_access as access
from .actor import Actor
from .context import Services, perform
from .document_access import Reader

OPINION_NOT_FOUND = "No such opinion."


@dataclass(frozen=True, slots=True)
class OpinionView:
    opinion: Opinion
    author_name: str
    organization: str
    mine: bool


@dataclass(frozen=True, slots=True)
class Subjects:
    """What a reader may comment on in one meeting."""

    items: dict[int, str]
    documents: dict[int, Document]


async def _subjects(session: AsyncSession, reader: Reader) -> Subjects:
    items = {
        i.id: i.title
        for i in await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == reader.meeting.id)
            .order_by(AgendaItem.position)
        )
    }
    if not reader.is_secretary:
        latest = await session.scalar(
            select(AgendaVersion)
            .where(AgendaVersion.meeting_id == reader.meeting.id)
            .order_by(AgendaVersion.number.desc())
            .limit(1)
        )
        published = {i["id"] for i in latest.snapshot} if latest else set()
        items = {k: v for k, v in items.items() if k in published}
    documents = {d.id: d for d in await access.readable_documents(session, reader)}
    return Subjects(items, documents)


def _visible(opinion: Opinion, subjects: Subjects) -> bool:
    if opinion.document_id is not None:
        return opinion.document_id in subjects.documents
    return opinion.agenda_item_id in subjects.items


async def _views(session: AsyncSession, actor: Actor, opinions: list[Opinion]) -> list[OpinionView]:
    authors = {o.author_id for o in opinions}
    rows = (
        await session.execute(
            select(User.id, User.full_name, Organization.name)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.id.in_(authors))
        )
    ).all()
    names = {uid: (name, org) for uid, name, org in rows}
    return [
        OpinionView(o, *names.get(o.author_id, ("", "")), o.author_id == actor.user_id)
        for o in opinions
    ]


async def _visible_opinions(session: AsyncSession, reader: Reader) -> list[Opinion]:
    subjects = await _subjects(session, reader)
    opinions = await session.scalars(
        select(Opinion)
        .where(Opinion.meeting_id == reader.meeting.id)
        .order_by(Opinion.created_at, Opinion.id)
    )
    return [o for o in opinions if _visible(o, subjects)]


async def list_opinions(
    svc: Services,
    actor: Actor,
    meeting_id: int,
    *,
    agenda_item_id: int | None = None,
    document_id: int | None = None,
) -> list[OpinionView]:
    async with svc.db.reading() as session:
        reader = await access.reader_of(session, actor, meeting_id)
        opinions = await _visible_opinions(session, reader)
        if agenda_item_id is not None:
            opinions = [o for o in opinions if o.agenda_item_id == agenda_item_id]
        if document_id is not None:
            opinions = [o for o in opinions if o.document_id == document_id]
        return await _views(session, actor, opinions)


async def post(svc: Services, actor: Actor, meeting_id: int, data: OpinionIn) -> OpinionView:
    async with perform(svc, actor, "opinion.create") as act:
        session = act.session
        reader = await access.reader_of(session, actor, meeting_id)
        subjects = await _subjects(session, reader)
        item_id, document_id = data.agenda_item_id, data.document_id
        if data.parent_id is not None:
            parent = await session.get(Opinion, data.parent_id)
            if parent is None or parent.meeting_id != meeting_id or not _visible(parent, subjects):
                raise ValidationFailed("No such opinion to reply to.", code="invalid_parent")
            if (item_id or document_id) and (item_id, document_id) != (
                parent.agenda_item_id,
                parent.document_id,
            ):
                raise ValidationFailed(
                    "A reply is about what the opinion it answers is about.", code="invalid_parent"
                )
            item_id, document_id = parent.agenda_item_id, parent.document_id
        elif item_id is not None and item_id not in subjects.items:
            raise ValidationFailed("No such agenda item.", code="invalid_agenda_item")
        elif document_id is not None and document_id not in subjects.documents:
            raise ValidationFailed("No such document.", code="invalid_document")
        opinion = Opinion(
            meeting_id=meeting_id,
            agenda_item_id=item_id,
            document_id=document_id,
            parent_id=data.parent_id,
            author_id=actor.user_id,
            body=data.body,
            created_at=svc.clock.now(),
        )
        session.add(opinion)
        await session.flush()
        act.record(
            "opinion",
            opinion.id,
            meeting_id=meeting_id,
            agenda_item_id=item_id,
            document_id=document_id,
            parent_id=data.parent_id,
        )
        view = (await _views(session, actor, [opinion]))[0]
    return view


async def _own(session: AsyncSession, actor: Actor, opinion_id: int) -> Opinion:
    opinion = await session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound(OPINION_NOT_FOUND, code="opinion_not_found")
    try:
        reader = await access.reader_of(session, actor, opinion.meeting_id)
    except NotFound:
        raise NotFound(OPINION_NOT_FOUND, code="opinion_not_found") from None
    if not _visible(opinion, await _subjects(session, reader)):
        raise NotFound(OPINION_NOT_FOUND, code="opinion_not_found")
    if opinion.author_id != actor.user_id:
        raise Forbidden("Only the author may change an opinion.", code="not_author")
    if opinion.deleted_at is not None:
        raise NotFound(OPINION_NOT_FOUND, code="opinion_not_found")
    return opinion


async def edit(svc: Services, actor: Actor, opinion_id: int, body: str) -> OpinionView:
    async with perform(svc, actor, "opinion.update") as act:
        opinion = await _own(act.session, actor, opinion_id)
        opinion.body = body
        opinion.edited_at = svc.clock.now()
        act.record("opinion", opinion.id, meeting_id=opinion.meeting_id)
        view = (await _views(act.session, actor, [opinion]))[0]
    return view


async def remove(svc: Services, actor: Actor, opinion_id: int) -> None:
    async with perform(svc, actor, "opinion.delete") as act:
        opinion = await _own(act.session, actor, opinion_id)
        opinion.deleted_at = svc.clock.now()
        opinion.body = ""
        act.record("opinion", opinion.id, meeting_id=opinion.meeting_id)


def _threads(views: list[OpinionView], zone_name: str, svc: Services) -> list[SummaryOpinion]:
    zone = svc.settings.zone
    children: dict[int | None, list[OpinionView]] = {}
    for v in views:
        children.setdefault(v.opinion.parent_id, []).append(v)

    def build(v: OpinionView) -> SummaryOpinion:
        o = v.opinion
        return SummaryOpinion(
            author=v.author_name,
            organization=v.organization,
            written_at=o.created_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
            body=o.body if o.deleted_at is None else "(đã xóa / deleted)",
            replies=[build(c) for c in children.get(o.id, [])],
        )

    return [build(v) for v in children.get(None, [])]


async def summary_pdf(svc: Services, actor: Actor, meeting_id: int) -> tuple[bytes, str]:
    """The secretary's compilation: one section per agenda item (its own opinions and those on
    its documents), then documents that belong to no item."""
    async with svc.db.reading() as session:
        reader = await access.managed_meeting(session, actor, meeting_id)
        subjects = await _subjects(session, reader)
        views = await _views(session, actor, await _visible_opinions(session, reader))
    by_item: dict[int | None, list[OpinionView]] = {}
    for v in views:
        o = v.opinion
        item = o.agenda_item_id
        if o.document_id is not None:
            item = subjects.documents[o.document_id].agenda_item_id
        by_item.setdefault(item, []).append(v)
    sections = [
        SummarySection(f"{n}. {title}", _threads(by_item.get(item_id, []), "", svc))
        for n, (item_id, title) in enumerate(subjects.items.items(), start=1)
    ]
    if by_item.get(None):
        sections.append(
            SummarySection("Tài liệu khác / Other documents", _threads(by_item[None], "", svc))
        )
    meeting = reader.meeting
    when = meeting.starts_at.astimezone(svc.settings.zone).strftime("%d/%m/%Y %H:%M")
    data = await asyncio.to_thread(
        render_summary,
        "Tổng hợp ý kiến / Summary of opinions",
        f"{meeting.title} · {when} · {len(views)} ý kiến",
        sections,
    )
    async with perform(svc, actor, "opinion.summary") as act:
        act.record("meeting", meeting_id, opinions=len(views))
    return data, f"Tổng hợp ý kiến - {meeting.title}.pdf"
