"""Distribution receipts: who has the documents, who opened which version, who needs a reminder.

Receipts are for the secretaries of the meeting; a participant sees only their own (in the
document list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Document, DocumentReceipt, Organization, User
from . import document_access as access
from . import document_notices
from .actor import Actor
from .context import Services, perform
from .documents import DocumentView, deliver, views_of


@dataclass
class ReceiptRow:
    user_id: int
    full_name: str
    organization: str
    delivered_at: datetime | None = None
    first_opened_at: datetime | None = None
    last_opened_at: datetime | None = None
    opened_version: int | None = None
    open_count: int = 0
    reminded_at: datetime | None = None
    state: str = "unread"


@dataclass
class DistributionRow:
    user_id: int
    full_name: str
    organization: str
    states: dict[str, str] = field(default_factory=dict)
    unread: int = 0


def state_of(receipt: DocumentReceipt | None, current_version: int) -> str:
    if receipt is None or receipt.opened_version is None:
        return "unread"
    return "read" if receipt.opened_version >= current_version else "read_old_version"


async def _people(session: AsyncSession, user_ids: set[int]) -> dict[int, tuple[str, str]]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(User.id, User.full_name, Organization.name)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.id.in_(user_ids))
    )
    return {uid: (name, org) for uid, name, org in rows.all()}


async def _matrix(
    session: AsyncSession, reader: access.Reader, documents: list[Document]
) -> tuple[dict[int, set[int]], dict[tuple[int, int], DocumentReceipt]]:
    recipients = await access.recipients_of(session, reader.meeting, documents)
    receipts = {
        (r.document_id, r.user_id): r
        for r in await session.scalars(
            select(DocumentReceipt).where(
                DocumentReceipt.document_id.in_([d.id for d in documents])
            )
        )
    }
    return recipients, receipts


async def document_receipts(
    svc: Services, actor: Actor, document_id: int
) -> tuple[Document, list[ReceiptRow]]:
    async with svc.db.reading() as session:
        document, reader = await access.managed_meeting_document(session, actor, document_id)
        recipients, receipts = await _matrix(session, reader, [document])
        users = recipients[document.id] | {u for (_, u) in receipts}
        people = await _people(session, users)
        rows = []
        for user_id in sorted(users, key=lambda u: people.get(u, ("", ""))):
            receipt = receipts.get((document.id, user_id))
            name, org = people.get(user_id, ("", ""))
            row = ReceiptRow(user_id, name, org, state=state_of(receipt, document.current_version))
            if receipt is not None:
                row.delivered_at = receipt.delivered_at
                row.first_opened_at = receipt.first_opened_at
                row.last_opened_at = receipt.last_opened_at
                row.opened_version = receipt.opened_version
                row.open_count = receipt.open_count
                row.reminded_at = receipt.reminded_at
            rows.append(row)
        return document, rows


async def distribution(
    svc: Services, actor: Actor, meeting_id: int
) -> tuple[list[DocumentView], list[DistributionRow]]:
    """The secretary's dashboard: every live document × every recipient, with read state."""
    async with svc.db.reading() as session:
        reader = await access.managed_meeting(session, actor, meeting_id)
        documents = [
            d for d in await access.readable_documents(session, reader) if d.withdrawn_at is None
        ]
        recipients, receipts = await _matrix(session, reader, documents)
        users = set().union(*recipients.values()) if recipients else set()
        people = await _people(session, users)
        rows: list[DistributionRow] = []
        for user_id in sorted(users, key=lambda u: people.get(u, ("", ""))):
            name, org = people.get(user_id, ("", ""))
            row = DistributionRow(user_id, name, org)
            for document in documents:
                if user_id in recipients[document.id]:
                    state = state_of(receipts.get((document.id, user_id)), document.current_version)
                    row.states[str(document.id)] = state
                    row.unread += state != "read"
            rows.append(row)
        views = await views_of(session, actor.user_id, documents, with_versions=False)
        return views, rows


async def remind(
    svc: Services, actor: Actor, meeting_id: int, document_id: int | None = None
) -> int:
    """Mail every recipient who has not read the current version of (one or all) documents."""
    async with perform(svc, actor, "document.remind") as act:
        reader = await access.managed_meeting(act.session, actor, meeting_id)
        await deliver(act.session, svc, reader.meeting)
        documents = [
            d
            for d in await access.readable_documents(act.session, reader)
            if d.withdrawn_at is None and (document_id is None or d.id == document_id)
        ]
        recipients, receipts = await _matrix(act.session, reader, documents)
        unread: dict[int, list[str]] = {}
        now = svc.clock.now()
        for document in documents:
            for user_id in sorted(recipients[document.id]):
                receipt = receipts.get((document.id, user_id))
                if state_of(receipt, document.current_version) != "read":
                    unread.setdefault(user_id, []).append(document.title)
                    if receipt is not None:
                        receipt.reminded_at = now
        mailed = await document_notices.documents_unread(act.session, svc, reader.meeting, unread)
        act.record(
            "meeting", meeting_id, document_id=document_id, users=sorted(unread), mailed=mailed
        )
    return len(unread)


async def remind_document(svc: Services, actor: Actor, document_id: int) -> int:
    async with svc.db.reading() as session:
        document, _ = await access.managed_meeting_document(session, actor, document_id)
    return await remind(svc, actor, document.meeting_id, document.id)
