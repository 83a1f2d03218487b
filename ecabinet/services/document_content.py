"""The bytes a recipient may read, and the receipt that records they opened them.

Public and internal documents are served from the blob itself. Confidential and secret ones are
served as a copy with the recipient's watermark (name, organization, time) on every page; the
copy is made once per recipient and version (the first time they open it) and kept under
``derived/watermarked/<sha256>/<user id>.pdf``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

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
            await svc.files.in_worker(watermark.stamp_into, source, target, mark)
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
            svc, actor, document.id, version.number, recipient=bool(reader.participant_ids)
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
    svc: Services, actor: Actor, document_id: int, version: int, *, recipient: bool
) -> None:
    """Someone opened the document: audited always; for a recipient (a participant, not a
    secretary looking at their own distribution) the receipt records first/last opened."""
    async with perform(svc, actor, "document.open") as act:
        act.record("document", document_id, version=version)
        if not recipient:
            return
        receipt = await act.session.scalar(
            select(DocumentReceipt).where(
                DocumentReceipt.document_id == document_id,
                DocumentReceipt.user_id == actor.user_id,
            )
        )
        now = svc.clock.now()
        if receipt is None:
            receipt = DocumentReceipt(
                document_id=document_id, user_id=actor.user_id, delivered_at=now, open_count=0
            )
            act.session.add(receipt)
        receipt.first_opened_at = receipt.first_opened_at or now
        receipt.last_opened_at = now
        receipt.opened_version = max(receipt.opened_version or 0, version)
        receipt.open_count = (receipt.open_count or 0) + 1
