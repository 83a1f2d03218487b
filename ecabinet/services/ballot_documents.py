"""Documents attached to a written opinion ballot: real documents of the document store.

The sending organization's secretaries upload PDFs to an open ballot through the same streaming
upload path and checks as a meeting's documents (size limit, a PDF that opens, not encrypted;
content-addressed store). The document belongs to no meeting; ``ballot_document`` links it to
the ballot, and :mod:`document_access` decides who reads it (the ballot's recipients and the
sending organization's secretaries), so the reader, the content endpoint, the live socket and
annotations all apply the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound
from ..files.blobs import StagedBlob
from ..models import (
    BallotDocument,
    Document,
    DocumentVersion,
    OpinionBallot,
    OpinionBallotStatus,
)
from . import document_access as access
from .actor import Actor
from .context import Services, perform
from .documents import UploadMeta, add_first_version, forget_if_unused, inspect_upload

NOT_FOUND = "No such ballot."
MAX_ATTACHMENTS = 50


@dataclass(frozen=True, slots=True)
class Attachment:
    id: int
    title: str
    pages: int


async def _managed_open_ballot(
    session: AsyncSession, actor: Actor, ballot_id: int
) -> OpinionBallot:
    ballot = await session.get(OpinionBallot, ballot_id)
    if ballot is None or not access.manages_ballot(actor, ballot):
        raise NotFound(NOT_FOUND, code="ballot_not_found")
    if ballot.status is not OpinionBallotStatus.OPEN:
        raise Conflict("The ballot is closed.", code="ballot_closed")
    return ballot


async def check_may_attach(svc: Services, actor: Actor, ballot_id: int) -> None:
    """Before reading a byte of the upload: does the actor manage this open ballot?"""
    async with svc.db.reading() as session:
        await _managed_open_ballot(session, actor, ballot_id)


async def attach(
    svc: Services, actor: Actor, ballot_id: int, staged: StagedBlob, meta: UploadMeta
) -> tuple[Document, DocumentVersion]:
    ref, info = await inspect_upload(staged)
    stored_new = False
    try:
        async with perform(svc, actor, "ballot.document_attached") as act:
            await _managed_open_ballot(act.session, actor, ballot_id)
            count = int(
                await act.session.scalar(
                    select(func.count())
                    .select_from(BallotDocument)
                    .where(BallotDocument.ballot_id == ballot_id)
                )
                or 0
            )
            if count >= MAX_ATTACHMENTS:
                raise Conflict(
                    f"A ballot takes at most {MAX_ATTACHMENTS} documents.",
                    code="too_many_documents",
                )
            document, version = await add_first_version(
                act.session,
                actor,
                meta,
                ref,
                info,
                meeting_id=None,  # a ballot's document belongs to no meeting
                agenda_item_id=None,
                position=count + 1,
                now=svc.clock.now(),
            )
            act.session.add(BallotDocument(document_id=document.id, ballot_id=ballot_id))
            _, stored_new = await svc.files.blobs.commit(staged)
            act.record(
                "opinion_ballot",
                ballot_id,
                document_id=document.id,
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


async def attachments_of(session: AsyncSession, actor: Actor, ballot_id: int) -> list[Attachment]:
    """The ballot's documents the actor may read (withdrawn ones only for its managers)."""
    documents = await access.ballot_documents(session, actor, ballot_id)
    current = {(d.id, d.current_version) for d in documents}
    pages = {
        v.document_id: v.pages
        for v in await session.scalars(
            select(DocumentVersion).where(
                DocumentVersion.document_id.in_([d.id for d in documents])
            )
        )
        if (v.document_id, v.number) in current
    }
    return [Attachment(d.id, d.title, pages.get(d.id, 0)) for d in documents]


async def ballot_of(svc: Services, actor: Actor, document_id: int) -> int:
    """The ballot a readable document is attached to (for the reader's way back)."""
    async with svc.db.reading() as session:
        _, reader = await access.readable_document(session, actor, document_id)
    if reader.ballot_id is None:
        raise NotFound(access.DOCUMENT_NOT_FOUND, code="document_not_found")
    return reader.ballot_id
