"""Carry annotations over to a new version of a document.

When a version is published, each annotation anchored to the version before it is examined:

* a **highlight** moves to the new version when its quoted text is still found on the same
  page (compared without spaces, case-folded — see :mod:`files.pdf_text`);
* a **note** or **ink** moves when the text of its page did not change at all;
* anything else stays on the version it was made on and is shown as "made on an earlier
  version" (``earlier_version`` in the API).

Coordinates are kept: a quote found on the same page is, in a revised draft, almost always
where it was. Text extraction runs in a child process (large PDFs).
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from ..files.pdf_text import page_texts, search_form
from ..models import Annotation, AnnotationKind, DocumentVersion
from .context import Services, perform

log = logging.getLogger("ecabinet.annotations")


def carries(annotation: Annotation, old_text: str, new_text: str) -> bool:
    if annotation.kind is AnnotationKind.HIGHLIGHT:
        quote = search_form(annotation.quote)
        return bool(quote) and quote in new_text
    return old_text == new_text


async def carry_over(svc: Services, document_id: int, new_number: int) -> list[int]:
    """Move what still fits from version ``new_number - 1`` to ``new_number``; the moved ids."""
    previous = new_number - 1
    async with svc.db.reading() as session:
        versions = {
            v.number: v
            for v in await session.scalars(
                select(DocumentVersion).where(
                    DocumentVersion.document_id == document_id,
                    DocumentVersion.number.in_((previous, new_number)),
                )
            )
        }
        annotations = list(
            await session.scalars(
                select(Annotation).where(
                    Annotation.document_id == document_id, Annotation.version == previous
                )
            )
        )
    if not annotations or len(versions) != 2:
        return []
    pages = sorted({a.page for a in annotations})
    old_path = svc.files.blobs.path_of(versions[previous].sha256)
    new_path = svc.files.blobs.path_of(versions[new_number].sha256)
    async with svc.files.blobs.plaintext(old_path) as old_plain:
        old_texts = await svc.files.in_worker(page_texts, old_plain, pages)
    async with svc.files.blobs.plaintext(new_path) as new_plain:
        new_texts = await svc.files.in_worker(page_texts, new_plain, pages)
    moved = [
        a.id
        for a in annotations
        if a.page in new_texts and carries(a, old_texts.get(a.page, ""), new_texts[a.page])
    ]
    async with perform(svc, None, "annotation.carry_over") as act:
        if moved:
            await act.session.execute(
                update(Annotation)
                .where(Annotation.id.in_(moved), Annotation.version == previous)
                .values(version=new_number)
            )
        act.record(
            "document",
            document_id,
            version=new_number,
            carried=len(moved),
            left=len(annotations) - len(moved),
        )
    return moved
