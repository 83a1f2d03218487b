"""Export annotations as a PDF with real PDF annotations.

* "download my annotated copy": the copy the reader is served (watermarked for confidential
  documents) with their own annotations, and optionally those shared with them;
* the secretary's export of a meeting: every live document carrying annotations shared with
  the meeting (or with the secretary), joined into one PDF with a bookmark per document.

The result is written under ``derived/annotated/<user id>/`` — one file per user at a time
(the previous export is deleted when a new one is made) — because it holds private notes;
it is sealed like the blobs (``files/sealing.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from ..errors import Conflict
from ..files.annotate import PdfMark, PdfPart, SignedPdf, write_annotated
from ..models import Annotation, Document, User, Visibility
from . import document_access as access
from . import document_content as content
from .actor import Actor
from .annotation_access import visible_clause
from .context import Services, perform
from .document_access import Reader


async def _marks(
    svc: Services, reader: Reader, document: Document, *, shared_only: bool, include_shared: bool
) -> list[PdfMark]:
    async with svc.db.reading() as session:
        query = select(Annotation, User.full_name).join(User, User.id == Annotation.author_id)
        query = query.where(
            Annotation.document_id == document.id,
            Annotation.version == document.current_version,
            visible_clause(reader),
        )
        if shared_only:
            query = query.where(Annotation.visibility != Visibility.PRIVATE)
        elif not include_shared:
            query = query.where(Annotation.author_id == reader.user_id)
        rows = (await session.execute(query.order_by(Annotation.page, Annotation.id))).all()
    return [
        PdfMark(
            kind=a.kind.value,
            page=a.page,
            author=name,
            created=a.created_at,
            color=a.color,
            quote=a.quote,
            body=a.body,
            rects=a.geometry.get("rects", []),
            point=a.geometry.get("point"),
            strokes=a.geometry.get("strokes", []),
        )
        for a, name in rows
    ]


def _key(parts: list[PdfPart]) -> str:
    raw = repr([(str(p.source), p.title, p.marks) for p in parts])
    return hashlib.sha256(raw.encode()).hexdigest()


async def _write(svc: Services, actor: Actor, parts: list[PdfPart]) -> Path:
    folder = svc.files.derived / "annotated" / str(actor.user_id)
    target = folder / f"{_key(parts)}.pdf"
    async with svc.files.lock(f"annotated:{actor.user_id}"):
        if not target.exists():
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            plain_copy = svc.files.blobs.staging_dir / f"{secrets.token_hex(16)}.annotated.part"
            try:
                async with AsyncExitStack() as stack:
                    plain = [
                        replace(p, source=await stack.enter_async_context(
                            svc.files.blobs.plaintext(p.source)
                        ))
                        for p in parts
                    ]  # fmt: skip
                    await svc.files.in_worker(write_annotated, plain, plain_copy)
                await asyncio.to_thread(svc.files.blobs.seal_into, plain_copy, target)
            except SignedPdf:
                raise Conflict(
                    "This document is digitally signed; annotations are never written into it.",
                    code="document_signed",
                ) from None
            finally:
                plain_copy.unlink(missing_ok=True)
    return target


async def annotated_copy(
    svc: Services, actor: Actor, document_id: int, *, include_shared: bool
) -> tuple[Path, str]:
    served = await content.open_content(svc, actor, document_id, None, counts=False)
    async with svc.db.reading() as session:
        document, reader = await access.readable_document(session, actor, document_id)
    marks = await _marks(svc, reader, document, shared_only=False, include_shared=include_shared)
    path = await _write(svc, actor, [PdfPart(served.path, marks, document.title)])
    async with perform(svc, actor, "annotation.export") as act:
        act.record("document", document.id, version=served.version, annotations=len(marks))
    stem = served.filename[:-4] if served.filename.lower().endswith(".pdf") else served.filename
    return path, f"{stem} - ghi chú.pdf"


async def meeting_export(svc: Services, actor: Actor, meeting_id: int) -> tuple[Path, str]:
    """The secretary's copy: every live document with its shared annotations."""
    async with svc.db.reading() as session:
        reader = await access.managed_meeting(session, actor, meeting_id)
        documents = [
            d for d in await access.readable_documents(session, reader) if d.withdrawn_at is None
        ]
    parts: list[PdfPart] = []
    for document in documents:
        marks = await _marks(svc, reader, document, shared_only=True, include_shared=True)
        if marks:
            served = await content.open_content(svc, actor, document.id, None, counts=False)
            parts.append(PdfPart(served.path, marks, document.title))
    if not parts:
        raise Conflict("No document of this meeting has shared annotations.", code="nothing_shared")
    path = await _write(svc, actor, parts)
    async with perform(svc, actor, "annotation.export_meeting") as act:
        act.record(
            "meeting",
            meeting_id,
            documents=[p.title for p in parts],
            annotations=sum(len(p.marks) for p in parts),
        )
    return path, f"Ghi chú chia sẻ - cuộc họp {meeting_id}.pdf"
