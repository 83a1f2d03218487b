"""Documents of a meeting: upload, new versions, metadata, restriction and withdrawal.

An upload arrives as a :class:`StagedBlob` (streamed to a staging file by the web layer after
:func:`check_may_upload` said yes). It is inspected as a PDF, moved into the content-addressed
store, and recorded in one transaction; if anything fails, the staging file is removed and a
blob that this upload added is removed again — a refused upload leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import NotFound, UnsupportedMediaType, ValidationFailed
from ..files.blobs import BlobRef, StagedBlob
from ..files.names import clean_filename
from ..files.pdf import PdfInfo, PdfRejected, inspect_pdf
from ..models import (
    AgendaItem,
    Classification,
    Document,
    DocumentReceipt,
    DocumentRestriction,
    DocumentVersion,
    Meeting,
    Participant,
)
from ..schemas.documents import DocumentPatch
from . import annotation_carry
from . import document_access as access
from .actor import Actor
from .context import Services, perform

log = logging.getLogger("ecabinet.documents")


@dataclass(frozen=True, slots=True)
class UploadMeta:
    title: str
    classification: Classification
    agenda_item_id: int | None
    filename: str


@dataclass
class DocumentView:
    document: Document
    versions: list[DocumentVersion]
    restricted_to: list[int]
    receipt: DocumentReceipt | None


def safe_filename(name: str) -> str:
    """A document's display name: ``files.names.clean_filename`` for a PDF."""
    return clean_filename(name, ".pdf", fallback="document")


async def check_may_upload(svc: Services, actor: Actor, meeting_id: int) -> None:
    """Before reading a byte of the body: is this a secretary of this meeting?"""
    async with svc.db.reading() as session:
        await access.managed_meeting(session, actor, meeting_id)


async def check_may_add_version(svc: Services, actor: Actor, document_id: int) -> None:
    async with svc.db.reading() as session:
        document, _ = await access.managed_document(session, actor, document_id)
        if document.withdrawn_at is not None:
            raise ValidationFailed(
                "A withdrawn document takes no new versions.", code="document_withdrawn"
            )


async def inspect_upload(staged: StagedBlob) -> tuple[BlobRef, PdfInfo]:
    ref = await staged.finish()
    try:
        info = await asyncio.to_thread(inspect_pdf, staged.path)
    except PdfRejected as exc:
        error = UnsupportedMediaType if exc.code == "not_a_pdf" else ValidationFailed
        raise error(exc.message, code=exc.code) from exc
    return ref, info


async def _agenda_item(session: AsyncSession, meeting_id: int, item_id: int | None) -> int | None:
    if not item_id:
        return None
    item = await session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise ValidationFailed("No such agenda item in this meeting.", code="invalid_agenda_item")
    return item.id


async def deliver(session: AsyncSession, svc: Services, meeting: Meeting) -> int:
    """Make sure every current recipient of every document has a receipt (delivered now)."""
    documents = list(
        await session.scalars(select(Document).where(Document.meeting_id == meeting.id))
    )
    recipients = await access.recipients_of(session, meeting, documents)
    existing = set(
        (
            await session.execute(
                select(DocumentReceipt.document_id, DocumentReceipt.user_id).where(
                    DocumentReceipt.document_id.in_([d.id for d in documents])
                )
            )
        ).all()
    )
    now = svc.clock.now()
    added = 0
    for document_id, users in recipients.items():
        for user_id in sorted(users):
            if (document_id, user_id) not in existing:
                session.add(
                    DocumentReceipt(document_id=document_id, user_id=user_id, delivered_at=now)
                )
                added += 1
    await session.flush()
    return added


async def add_first_version(
    session: AsyncSession,
    actor: Actor,
    meta: UploadMeta,
    ref: BlobRef,
    info: PdfInfo,
    *,
    meeting_id: int | None,
    agenda_item_id: int | None,
    position: int,
    now: datetime,
) -> tuple[Document, DocumentVersion]:
    """A new document and its version 1 (an inspected, staged PDF), flushed so both have ids."""
    document = Document(
        meeting_id=meeting_id,
        agenda_item_id=agenda_item_id,
        position=position,
        title=meta.title,
        classification=meta.classification,
        current_version=1,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(document)
    await session.flush()
    version = DocumentVersion(
        document_id=document.id,
        number=1,
        sha256=ref.sha256,
        size=ref.size,
        pages=info.pages,
        filename=meta.filename,
        uploaded_by=actor.user_id,
        uploaded_at=now,
    )
    session.add(version)
    return document, version


async def upload(
    svc: Services, actor: Actor, meeting_id: int, staged: StagedBlob, meta: UploadMeta
) -> tuple[Document, DocumentVersion]:
    ref, info = await inspect_upload(staged)
    stored_new = False
    try:
        async with perform(svc, actor, "document.upload") as act:
            reader = await access.managed_meeting(act.session, actor, meeting_id)
            item_id = await _agenda_item(act.session, meeting_id, meta.agenda_item_id)
            position = await act.session.scalar(
                select(func.coalesce(func.max(Document.position), 0)).where(
                    Document.meeting_id == meeting_id
                )
            )
            document, version = await add_first_version(
                act.session,
                actor,
                meta,
                ref,
                info,
                meeting_id=meeting_id,
                agenda_item_id=item_id,
                position=int(position or 0) + 1,
                now=svc.clock.now(),
            )
            await deliver(act.session, svc, reader.meeting)
            _, stored_new = await svc.files.blobs.commit(staged)
            act.record(
                "document",
                document.id,
                meeting_id=meeting_id,
                title=meta.title,
                classification=meta.classification.value,
                sha256=ref.sha256,
                size=ref.size,
            )
    except BaseException:
        if stored_new:
            await forget_if_unused(svc, ref.sha256)
        raise
    return document, version


async def add_version(
    svc: Services, actor: Actor, document_id: int, staged: StagedBlob, filename: str
) -> DocumentVersion:
    ref, info = await inspect_upload(staged)
    stored_new = False
    try:
        async with perform(svc, actor, "document.version") as act:
            document, reader = await access.managed_document(act.session, actor, document_id)
            if document.withdrawn_at is not None:
                raise ValidationFailed(
                    "A withdrawn document takes no new versions.", code="document_withdrawn"
                )
            number = document.current_version + 1
            version = DocumentVersion(
                document_id=document.id,
                number=number,
                sha256=ref.sha256,
                size=ref.size,
                pages=info.pages,
                filename=filename,
                uploaded_by=actor.user_id,
                uploaded_at=svc.clock.now(),
            )
            act.session.add(version)
            document.current_version = number
            if reader.meeting is not None:  # a ballot's attachment has no distribution
                await deliver(act.session, svc, reader.meeting)
            _, stored_new = await svc.files.blobs.commit(staged)
            act.record("document", document.id, version=number, sha256=ref.sha256)
    except BaseException:
        if stored_new:
            await forget_if_unused(svc, ref.sha256)
        raise
    try:
        await annotation_carry.carry_over(svc, document_id, version.number)
    except Exception:  # the version is published; annotations stay on the earlier one
        log.exception("carrying annotations over to version %d failed", version.number)
    return version


async def forget_if_unused(svc: Services, sha256: str) -> None:
    async with svc.db.reading() as session:
        used = await session.scalar(
            select(func.count())
            .select_from(DocumentVersion)
            .where(DocumentVersion.sha256 == sha256)
        )
    if not used:
        svc.files.blobs.remove(sha256)


async def views_of(
    session: AsyncSession, user_id: int, documents: Sequence[Document], with_versions: bool
) -> list[DocumentView]:
    ids = [d.id for d in documents]
    versions: dict[int, list[DocumentVersion]] = {i: [] for i in ids}
    query = select(DocumentVersion).where(DocumentVersion.document_id.in_(ids))
    for version in await session.scalars(query.order_by(DocumentVersion.number)):
        versions[version.document_id].append(version)
    # Only restricted documents have restriction rows: most lists need no query for them.
    restricted = dict.fromkeys(ids, frozenset[int]())
    restricted.update(
        await access.restrictions_of(session, [d.id for d in documents if d.restricted])
    )
    receipts = {
        r.document_id: r
        for r in await session.scalars(
            select(DocumentReceipt).where(
                DocumentReceipt.document_id.in_(ids), DocumentReceipt.user_id == user_id
            )
        )
    }
    return [
        DocumentView(
            d,
            versions[d.id]
            if with_versions
            else [v for v in versions[d.id] if v.number == d.current_version],
            sorted(restricted[d.id]),
            receipts.get(d.id),
        )
        for d in documents
    ]


async def list_documents(svc: Services, actor: Actor, meeting_id: int) -> list[DocumentView]:
    async with svc.db.reading() as session:
        reader = await access.reader_of(session, actor, meeting_id)
        documents = await access.readable_documents(session, reader)
        return await views_of(session, actor.user_id, documents, with_versions=False)


async def get_document(svc: Services, actor: Actor, document_id: int) -> DocumentView:
    async with svc.db.reading() as session:
        document, _ = await access.readable_document(session, actor, document_id)
        return (await views_of(session, actor.user_id, [document], with_versions=True))[0]


async def update_document(
    svc: Services, actor: Actor, document_id: int, patch: DocumentPatch
) -> DocumentView:
    async with perform(svc, actor, "document.update") as act:
        document, reader = await access.managed_document(act.session, actor, document_id)
        changed = patch.model_dump(exclude_unset=True)
        if patch.title is not None:
            document.title = patch.title
        if patch.classification is not None:
            document.classification = patch.classification
        if "agenda_item_id" in changed:
            document.agenda_item_id = await _agenda_item(
                act.session, document.meeting_id, patch.agenda_item_id
            )
        if patch.restricted_to is not None:
            await _restrict(act.session, document, patch.restricted_to)
        if reader.meeting is not None:
            await deliver(act.session, svc, reader.meeting)
        act.record("document", document.id, **{k: v for k, v in changed.items() if v is not None})
        await act.session.flush()
        view = (await views_of(act.session, actor.user_id, [document], with_versions=True))[0]
    return view


async def _restrict(session: AsyncSession, document: Document, participant_ids: list[int]) -> None:
    wanted = set(participant_ids)
    if wanted:
        found = set(
            await session.scalars(
                select(Participant.id).where(
                    Participant.meeting_id == document.meeting_id,
                    Participant.id.in_(wanted),
                    Participant.user_id.is_not(None),
                )
            )
        )
        if found != wanted:
            raise ValidationFailed(
                "Restrict to participants (persons) of this meeting only.",
                code="invalid_participant",
                details={"unknown": sorted(wanted - found)},
            )
    await session.execute(
        delete(DocumentRestriction).where(DocumentRestriction.document_id == document.id)
    )
    session.add_all(DocumentRestriction(document_id=document.id, participant_id=p) for p in wanted)
    document.restricted = bool(wanted)


async def withdraw(svc: Services, actor: Actor, document_id: int) -> None:
    """Withdrawn documents vanish for everyone but the secretaries; versions stay for the record."""
    async with perform(svc, actor, "document.withdraw") as act:
        document, _ = await access.managed_document(act.session, actor, document_id)
        if document.withdrawn_at is None:
            document.withdrawn_at = svc.clock.now()
            document.withdrawn_by = actor.user_id
        act.record("document", document.id)


async def version_of(
    session: AsyncSession, document: Document, number: int | None
) -> DocumentVersion:
    version = await session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id,
            DocumentVersion.number == (number or document.current_version),
        )
    )
    if version is None:
        raise NotFound("No such version.", code="version_not_found")
    return version
