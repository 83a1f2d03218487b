"""The agenda (chương trình họp): items in order, edited by the secretaries, published in versions.

Participants see the last *published* agenda (with each item's live status); the secretaries see
and edit the working copy. Publishing stores a snapshot, computes what changed since the last
published one (added, removed, moved, changed) and mails every participant that list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    AgendaItem,
    AgendaItemStatus,
    AgendaVersion,
    MeetingStatus,
    Organization,
    Participant,
    User,
)
from ..schemas.agenda import AgendaItemIn, AgendaItemPatch, AgendaOrder
from . import document_access as access
from . import document_notices
from .actor import Actor
from .context import Services, perform
from .documents import deliver

COMPARED_FIELDS = ("title", "description", "presenter", "planned_minutes")
ITEM_NOT_FOUND = "No such agenda item."


@dataclass
class ItemView:
    id: int
    number: int
    title: str
    description: str
    presenter_user_id: int | None
    presenter_organization_id: int | None
    presenter: str
    planned_minutes: int
    status: AgendaItemStatus
    documents: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AgendaView:
    meeting_id: int
    items: list[ItemView]
    total_minutes: int
    published_version: int | None
    published_at: datetime | None
    unpublished_changes: list[dict[str, Any]]
    can_edit: bool


async def _items(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    return list(await session.scalars(query.order_by(AgendaItem.position, AgendaItem.id)))


async def _presenters(session: AsyncSession, items: Sequence[AgendaItem]) -> dict[int, str]:
    user_ids = {i.presenter_user_id for i in items if i.presenter_user_id}
    org_ids = {i.presenter_organization_id for i in items if i.presenter_organization_id}
    users: dict[int, str] = {}
    orgs: dict[int, str] = {}
    if user_ids:  # most items name no presenter: no query for nothing
        users = dict(
            (
                await session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
            ).all()  # type: ignore[arg-type]
        )
    if org_ids:
        orgs = dict(
            (
                await session.execute(
                    select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
                )
            ).all()  # type: ignore[arg-type]
        )
    return {
        i.id: " — ".join(
            p
            for p in (
                users.get(i.presenter_user_id or 0),
                orgs.get(i.presenter_organization_id or 0),
            )
            if p
        )
        for i in items
    }


async def snapshot(
    session: AsyncSession, meeting_id: int, items: list[AgendaItem] | None = None
) -> list[dict[str, Any]]:
    if items is None:
        items = await _items(session, meeting_id)
    presenters = await _presenters(session, items)
    return [
        {
            "id": item.id,
            "number": number,
            "title": item.title,
            "description": item.description,
            "presenter": presenters[item.id],
            "presenter_user_id": item.presenter_user_id,
            "presenter_organization_id": item.presenter_organization_id,
            "planned_minutes": item.planned_minutes,
        }
        for number, item in enumerate(items, start=1)
    ]


def changes_between(
    old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What a participant needs to know: items added, removed, moved, or changed."""
    before = {i["id"]: i for i in old}
    after = {i["id"]: i for i in new}
    changes: list[dict[str, Any]] = []
    for item in new:
        if item["id"] not in before:
            changes.append({"kind": "added", "id": item["id"], "title": item["title"]})
    for item in old:
        if item["id"] not in after:
            changes.append({"kind": "removed", "id": item["id"], "title": item["title"]})
    kept_before = [i["id"] for i in old if i["id"] in after]
    kept_after = [i["id"] for i in new if i["id"] in before]
    for item_id in kept_after:
        was, now = before[item_id], after[item_id]
        if kept_before.index(item_id) != kept_after.index(item_id):
            changes.append(
                {
                    "kind": "moved",
                    "id": item_id,
                    "title": now["title"],
                    "from": was["number"],
                    "to": now["number"],
                }
            )
        fields = [f for f in COMPARED_FIELDS if was.get(f) != now.get(f)]
        if fields:
            changes.append(
                {"kind": "changed", "id": item_id, "title": now["title"], "fields": fields}
            )
    return changes


async def _latest(session: AsyncSession, meeting_id: int) -> AgendaVersion | None:
    return await session.scalar(
        select(AgendaVersion)
        .where(AgendaVersion.meeting_id == meeting_id)
        .order_by(AgendaVersion.number.desc())
        .limit(1)
    )


async def _documents_by_item(
    session: AsyncSession, reader: access.Reader
) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for document in await access.readable_documents(session, reader):
        if document.agenda_item_id and document.withdrawn_at is None:
            found.setdefault(document.agenda_item_id, []).append(
                {
                    "id": document.id,
                    "title": document.title,
                    "classification": document.classification.value,
                }
            )
    return found


async def get_agenda(svc: Services, actor: Actor, meeting_id: int) -> AgendaView:
    async with svc.db.reading() as session:
        reader = await access.reader_of(session, actor, meeting_id)
        return await _view(session, reader)


async def _view(session: AsyncSession, reader: access.Reader) -> AgendaView:
    meeting_id = reader.meeting.id
    latest = await _latest(session, meeting_id)
    rows = await _items(session, meeting_id)
    current = await snapshot(session, meeting_id, rows)
    statuses = {i.id: i.status for i in rows}
    shown = current if reader.is_secretary else (latest.snapshot if latest else [])
    documents = await _documents_by_item(session, reader)
    items = [
        ItemView(
            id=i["id"],
            number=i["number"],
            title=i["title"],
            description=i["description"],
            presenter_user_id=i["presenter_user_id"],
            presenter_organization_id=i["presenter_organization_id"],
            presenter=i["presenter"],
            planned_minutes=i["planned_minutes"],
            status=statuses.get(i["id"], AgendaItemStatus.PENDING),
            documents=documents.get(i["id"], []),
        )
        for i in shown
    ]
    pending = changes_between(latest.snapshot if latest else [], current)
    return AgendaView(
        meeting_id=meeting_id,
        items=items,
        total_minutes=sum(i.planned_minutes for i in items),
        published_version=latest.number if latest else None,
        published_at=latest.published_at if latest else None,
        unpublished_changes=pending if reader.is_secretary else [],
        can_edit=reader.is_secretary,
    )


async def _check_presenter(session: AsyncSession, data: AgendaItemIn | AgendaItemPatch) -> None:
    if data.presenter_user_id and await session.get(User, data.presenter_user_id) is None:
        raise ValidationFailed("No such presenter.", code="invalid_presenter")
    org = data.presenter_organization_id
    if org and await session.get(Organization, org) is None:
        raise ValidationFailed("No such presenting organization.", code="invalid_presenter")


async def add_item(svc: Services, actor: Actor, meeting_id: int, data: AgendaItemIn) -> AgendaItem:
    async with perform(svc, actor, "agenda.item_add") as act:
        await access.managed_meeting(act.session, actor, meeting_id)
        await _check_presenter(act.session, data)
        last = await act.session.scalar(
            select(func.coalesce(func.max(AgendaItem.position), 0)).where(
                AgendaItem.meeting_id == meeting_id
            )
        )
        now = svc.clock.now()
        item = AgendaItem(
            meeting_id=meeting_id,
            position=int(last or 0) + 1,
            status=AgendaItemStatus.PENDING,
            created_at=now,
            updated_at=now,
            **data.model_dump(),
        )
        act.session.add(item)
        await act.session.flush()
        act.record("agenda_item", item.id, meeting_id=meeting_id, title=item.title)
    return item


async def _managed_item(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int
) -> AgendaItem:
    await access.managed_meeting(session, actor, meeting_id)
    item = await session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise NotFound(ITEM_NOT_FOUND, code="agenda_item_not_found")
    return item


async def update_item(
    svc: Services, actor: Actor, meeting_id: int, item_id: int, patch: AgendaItemPatch
) -> AgendaItem:
    async with perform(svc, actor, "agenda.item_update") as act:
        item = await _managed_item(act.session, actor, meeting_id, item_id)
        await _check_presenter(act.session, patch)
        changed = patch.model_dump(exclude_unset=True)
        for name, value in changed.items():
            if value is None and name in ("title", "description", "planned_minutes", "status"):
                continue
            setattr(item, name, value)
        item.updated_at = svc.clock.now()
        act.record("agenda_item", item.id, **{k: str(v) for k, v in changed.items()})
    return item


async def remove_item(svc: Services, actor: Actor, meeting_id: int, item_id: int) -> None:
    async with perform(svc, actor, "agenda.item_remove") as act:
        item = await _managed_item(act.session, actor, meeting_id, item_id)
        await act.session.delete(item)
        act.record("agenda_item", item_id, meeting_id=meeting_id, title=item.title)


async def reorder(svc: Services, actor: Actor, meeting_id: int, order: AgendaOrder) -> AgendaView:
    async with perform(svc, actor, "agenda.reorder") as act:
        reader = await access.managed_meeting(act.session, actor, meeting_id)
        items = {i.id: i for i in await _items(act.session, meeting_id)}
        if set(order.item_ids) != set(items):
            raise ValidationFailed(
                "List every item of this agenda exactly once.", code="incomplete_order"
            )
        for position, item_id in enumerate(order.item_ids, start=1):
            items[item_id].position = position
        act.record("meeting", meeting_id, order=order.item_ids)
        await act.session.flush()
        view = await _view(act.session, reader)
    return view


@dataclass
class Published:
    version: int
    published_at: datetime
    changes: list[dict[str, Any]]
    notified: int


async def publish(svc: Services, actor: Actor, meeting_id: int) -> Published:
    async with perform(svc, actor, "agenda.publish") as act:
        reader = await access.managed_meeting(act.session, actor, meeting_id)
        if reader.meeting.status in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED):
            raise Conflict(
                "Schedule the meeting before publishing its agenda.", code="meeting_not_scheduled"
            )
        latest = await _latest(act.session, meeting_id)
        current = await snapshot(act.session, meeting_id)
        if not current:
            raise ValidationFailed("The agenda has no items.", code="agenda_empty")
        changes = changes_between(latest.snapshot if latest else [], current)
        if latest is not None and not changes:
            raise Conflict("Nothing changed since the last version.", code="nothing_to_publish")
        number = (latest.number if latest else 0) + 1
        now = svc.clock.now()
        act.session.add(
            AgendaVersion(
                meeting_id=meeting_id,
                number=number,
                snapshot=current,
                changes=changes,
                published_by=actor.user_id,
                published_at=now,
            )
        )
        await deliver(act.session, svc, reader.meeting)
        people = await act.session.scalars(
            select(Participant.user_id).where(
                Participant.meeting_id == meeting_id, Participant.user_id.is_not(None)
            )
        )
        notified = await document_notices.agenda_published(
            act.session, svc, reader.meeting, number, changes, [u for u in people if u]
        )
        act.record("meeting", meeting_id, agenda_version=number, changes=len(changes))
    return Published(number, now, changes, notified)
