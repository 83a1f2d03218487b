"""The bytes a recipient may read, and the receipt that records they opened them.

Public and internal documents are served from the blob itself. Confidential and secret ones are
served as a copy with the recipient's watermark (name, organization, time) on every page; the
copy is made once per recipient and version (the first time they open it) and kept under
``derived/watermarked/<sha256>/<user id>.pdf``, sealed like the blobs (``files/sealing.py``).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Insert, case, func, literal
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import upsert
from ..files import watermark
from ..models import Classification, DocumentReceipt, Organization
from . import document_access as access
from .actor import Actor
from .context import Services, perform
from .documents import version_of

CLASSIFICATION_LABELS = {
    Classification.CONFIDENTIAL: "HẠN CHẾ PHỔ BIẾN / CONFIDENTIAL",
    Classification.SECRET: "MẬT / SECRET",
}


@dataclass(frozen=True, slots=True)
class ServedFile:
    path: Path
    filename: str
    classification: Classification
    version: int
    watermarked: bool


async def watermark_mark(svc: Services, actor: Actor, label: str) -> watermark.WatermarkText:
    async with svc.db.reading() as session:
        organization = await session.get(Organization, actor.organization_id)
    issued = svc.clock.now().astimezone(svc.settings.zone)
    return watermark.WatermarkText(
        recipient=actor.full_name,
        organization=organization.name if organization else "",
        issued_at=issued.strftime("%d/%m/%Y %H:%M %Z").strip(),
        label=label,
    )


async def watermarked_copy(
    svc: Services, actor: Actor, source: Path, sha256: str, label: str
) -> Path:
    """The recipient's stamped copy of a blob, built the first time it is asked for."""
    target = svc.files.derived / "watermarked" / sha256 / f"{actor.user_id}.pdf"
    if target.exists():
        return target
    async with svc.files.lock(f"wm:{sha256}:{actor.user_id}"):
        if not target.exists():
            mark = await watermark_mark(svc, actor, label)
            plain_copy = svc.files.blobs.staging_dir / f"{secrets.token_hex(16)}.wm.part"
            try:
                async with svc.files.blobs.plaintext(source) as plain:
                    await svc.files.in_worker(watermark.stamp_into, plain, plain_copy, mark)
                await asyncio.to_thread(svc.files.blobs.seal_into, plain_copy, target)
            finally:
                plain_copy.unlink(missing_ok=True)
    return target


async def open_content(
    svc: Services, actor: Actor, document_id: int, version_number: int | None, *, counts: bool
) -> ServedFile:
    """Authorize, record the open (when ``counts``), and say which file to send."""
    async with svc.db.reading() as session:
        document, reader = await access.readable_document(session, actor, document_id)
        version = await version_of(session, document, version_number)
    if counts:
        await record_open(
            svc,
            actor,
            document.id,
            version.number,
            recipient=bool(reader.participant_ids),
            meeting_id=document.meeting_id,
        )
    path = svc.files.blobs.path_of(version.sha256)
    if document.classification.watermarked:
        label = CLASSIFICATION_LABELS[document.classification]
        path = await watermarked_copy(svc, actor, path, version.sha256, label)
    return ServedFile(
        path=path,
        filename=version.filename,
        classification=document.classification,
        version=version.number,
        watermarked=document.classification.watermarked,
    )


async def record_open(
    svc: Services,
    actor: Actor,
    document_id: int,
    version: int,
    *,
    recipient: bool,
    meeting_id: int | None = None,
) -> None:
    """Someone opened the document: audited always; for a recipient (a participant, not a
    secretary looking at their own distribution) the receipt records first/last opened.

    Every download writes here, so the transaction is kept short (it holds SQLite's write lock
    and, on PostgreSQL, the audit chain's lock at its end): one upsert for the receipt, the
    meeting passed in rather than looked up again, then the audit entry."""
    async with perform(svc, actor, "document.open") as act:
        act.record("document", document_id, version=version)
        act.meeting_id = meeting_id
        if recipient:
            await act.session.execute(
                _opened(act.session, document_id, actor.user_id, version, svc.clock.now())
            )


def _opened(
    session: AsyncSession, document_id: int, user_id: int, version: int, now: datetime
) -> Insert:
    """Create the receipt, or count one more open on it, in one statement (both databases
    support ``INSERT … ON CONFLICT DO UPDATE``; the conflict target is the unique index)."""
    receipt = DocumentReceipt.__table__.c
    opened_at = literal(now, receipt.first_opened_at.type)  # stored as the column stores times
    return (
        upsert(session, DocumentReceipt)
        .values(
            document_id=document_id,
            user_id=user_id,
            delivered_at=now,
            first_opened_at=now,
            last_opened_at=now,
            opened_version=version,
            open_count=1,
        )
        .on_conflict_do_update(
            index_elements=[receipt.document_id, receipt.user_id],
            set_={
                "first_opened_at": func.coalesce(receipt.first_opened_at, opened_at),
                "last_opened_at": now,
                "opened_version": case(
                    (receipt.opened_version >= version, receipt.opened_version), else_=version
                ),
                "open_count": func.coalesce(receipt.open_count, 0) + 1,
            },
        )
    )
