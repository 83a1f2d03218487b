"""The board book of a meeting, built in the background and cached by content hash.

What goes in depends on who asks (restricted documents differ per reader), so the book is
keyed by the SHA-256 of its inputs: meeting heading, agenda, and the ordered list of document
versions (their own hashes) the reader may see. Readers with the same view share one build.
If any document in it is confidential or secret, the copy served is watermarked per recipient
(made once, like single documents).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import NotFound
from ..files import boardbook
from ..models import (
    BoardBook,
    BoardBookStatus,
    Classification,
    Document,
    DocumentVersion,
    Organization,
)
from . import decree30
from . import document_access as access
from .actor import Actor
from .agenda import snapshot
from .context import Services, perform
from .document_content import CLASSIFICATION_LABELS, watermarked_copy

log = logging.getLogger("ecabinet.board_book")
PROGRESS_POLL_SECONDS = 0.3
STALE_BUILD = timedelta(minutes=15)

LABELS = {
    "when": "Thời gian / When",
    "where": "Địa điểm / Where",
    "generated": "Tạo lúc / Generated",
    "no": "TT",
    "item": "Nội dung / Item",
    "presenter": "Trình bày / Presenter",
    "minutes": "Phút / Min",
    "agenda": "Chương trình họp / Agenda",
    "cover": "Bìa / Cover",
}


@dataclass(frozen=True)
class BookPlan:
    meeting_id: int
    content_key: str
    cover: boardbook.BookCover
    agenda: list[boardbook.BookAgendaItem]
    documents: list[tuple[str, str, int | None]]  # (title, sha256, agenda number)
    watermarked: bool


@dataclass(frozen=True)
class BookState:
    plan: BookPlan
    book: BoardBook | None


async def _plan(session: AsyncSession, svc: Services, reader: access.Reader) -> BookPlan:
    meeting = reader.meeting
    items = await snapshot(session, meeting.id)
    numbers = {i["id"]: i["number"] for i in items}
    live = [d for d in await access.readable_documents(session, reader) if d.withdrawn_at is None]
    versions = {
        (v.document_id, v.number): v
        for v in await session.scalars(
            select(DocumentVersion).where(DocumentVersion.document_id.in_([d.id for d in live]))
        )
    }

    def order(d: Document) -> tuple[int, int, int]:
        return (numbers.get(d.agenda_item_id or 0, 10**6), d.position, d.id)

    live.sort(key=order)
    docs = [
        (d.title, versions[(d.id, d.current_version)].sha256, numbers.get(d.agenda_item_id or 0))
        for d in live
    ]
    titles_by_item: dict[int, list[str]] = {}
    for d in live:
        if d.agenda_item_id:
            titles_by_item.setdefault(d.agenda_item_id, []).append(d.title)
    organization = await session.get(Organization, meeting.organization_id)
    zone = meeting.time_zone
    starts = meeting.starts_at.astimezone(ZoneInfo(zone) if zone else svc.settings.zone)
    strongest = max(
        (d.classification for d in live),
        key=lambda c: list(Classification).index(c),
        default=Classification.PUBLIC,
    )
    cover = boardbook.BookCover(
        title=meeting.title,
        organization=organization.name if organization else "",
        when=starts.strftime("%H:%M %d/%m/%Y"),
        where=meeting.room or "—",
        classification=CLASSIFICATION_LABELS.get(strongest, ""),
        generated="",
        labels=LABELS,
        place_date=decree30.place_date(decree30.PLACE, starts) if organization else "",
    )
    agenda = [
        boardbook.BookAgendaItem(
            i["number"],
            i["title"],
            i["presenter"],
            i["planned_minutes"],
            tuple(titles_by_item.get(i["id"], [])),
        )
        for i in items
    ]
    key_source: dict[str, Any] = {
        "format": 1,
        "cover": [cover.title, cover.organization, cover.when, cover.where, cover.classification],
        "agenda": [[a.number, a.title, a.presenter, a.minutes, list(a.documents)] for a in agenda],
        "documents": docs,
    }
    key = hashlib.sha256(json.dumps(key_source, ensure_ascii=False).encode()).hexdigest()
    return BookPlan(meeting.id, key, cover, agenda, docs, strongest.watermarked)


async def state(svc: Services, actor: Actor, meeting_id: int) -> BookState:
    async with svc.db.reading() as session:
        reader = await access.reader_of(session, actor, meeting_id)
        plan = await _plan(session, svc, reader)
        book = await session.scalar(
            select(BoardBook).where(
                BoardBook.meeting_id == meeting_id, BoardBook.content_key == plan.content_key
            )
        )
    return BookState(plan, book)


def _needs_build(svc: Services, book: BoardBook) -> bool:
    """Failed, or 'building' with no build running here for longer than a build can take
    (the process that ran it stopped)."""
    if book.status is BoardBookStatus.FAILED:
        return True
    if book.status is BoardBookStatus.BUILDING:
        stale = svc.clock.now() - book.created_at > STALE_BUILD
        return stale and not svc.files.running(f"book:{book.content_key}")
    return False


async def request_build(svc: Services, actor: Actor, meeting_id: int) -> BookState:
    """Start building the book for what this reader sees, unless it is built or building."""
    current = await state(svc, actor, meeting_id)
    if current.book is not None and not _needs_build(svc, current.book):
        return current
    plan = current.plan
    async with perform(svc, actor, "board_book.build") as act:
        await access.reader_of(act.session, actor, meeting_id)
        book = await act.session.scalar(
            select(BoardBook).where(
                BoardBook.meeting_id == meeting_id, BoardBook.content_key == plan.content_key
            )
        )
        if book is None:
            book = BoardBook(meeting_id=meeting_id, content_key=plan.content_key)
            act.session.add(book)
        book.status = BoardBookStatus.BUILDING
        book.progress = 0
        book.error = ""
        book.watermarked = plan.watermarked
        book.requested_by = actor.user_id
        book.created_at = svc.clock.now()
        await act.session.flush()
        act.record("board_book", book.id, meeting_id=meeting_id, content_key=plan.content_key)
    svc.files.start(f"book:{plan.content_key}", _build(svc, book.id, plan))
    return BookState(plan, book)


async def _set(svc: Services, book_id: int, **values: Any) -> None:
    async with svc.db.transaction() as session:
        await session.execute(update(BoardBook).where(BoardBook.id == book_id).values(**values))


async def _build(svc: Services, book_id: int, plan: BookPlan) -> None:
    work = svc.files.derived / "books"
    await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
    target = work / f".{plan.content_key}.building.pdf"
    progress_file = work / f".{plan.content_key}.progress"
    generated = svc.clock.now().astimezone(svc.settings.zone)
    cover = replace(plan.cover, generated=generated.strftime("%H:%M %d/%m/%Y"))
    try:
        async with AsyncExitStack() as plaintexts:  # the workers read plaintext copies
            documents = [
                boardbook.BookDocument(
                    title,
                    await plaintexts.enter_async_context(
                        svc.files.blobs.plaintext(svc.files.blobs.path_of(sha))
                    ),
                    number,
                )
                for title, sha, number in plan.documents
            ]
            await _assemble(svc, book_id, plan, target, cover, documents, progress_file)
    except Exception as exc:  # a document could not be read (_assemble handles the rest)
        log.exception("board book %s: a document cannot be read", plan.content_key)
        await _set(
            svc,
            book_id,
            status=BoardBookStatus.FAILED,
            error=type(exc).__name__[:500],
            finished_at=svc.clock.now(),
        )


async def _assemble(
    svc: Services,
    book_id: int,
    plan: BookPlan,
    target: Path,
    cover: Any,
    documents: list[boardbook.BookDocument],
    progress_file: Path,
) -> None:
    job = asyncio.ensure_future(
        svc.files.in_worker(
            boardbook.assemble_reporting, target, cover, plan.agenda, documents, progress_file
        )
    )
    try:
        shown = 0
        while not job.done():
            await asyncio.wait([job], timeout=PROGRESS_POLL_SECONDS)
            seen = await asyncio.to_thread(boardbook.read_progress, progress_file)
            if seen is not None:
                percent = min(99, seen[0] * 100 // max(seen[1], 1))
                if percent != shown:
                    shown = percent
                    await _set(svc, book_id, progress=percent)
        pages = job.result()
        ref = await svc.files.blobs.adopt(target)
        await _set(
            svc,
            book_id,
            status=BoardBookStatus.READY,
            progress=100,
            sha256=ref.sha256,
            size=ref.size,
            pages=pages,
            finished_at=svc.clock.now(),
        )
    except Exception as exc:
        log.exception("board book %s failed", plan.content_key)
        await asyncio.to_thread(target.unlink, missing_ok=True)
        await _set(
            svc,
            book_id,
            status=BoardBookStatus.FAILED,
            error=type(exc).__name__[:500],
            finished_at=svc.clock.now(),
        )
    finally:
        await asyncio.to_thread(progress_file.unlink, missing_ok=True)


async def ready_book(svc: Services, actor: Actor, meeting_id: int) -> tuple[BookState, BoardBook]:
    """The reader's book state and its finished book, or 404 (not visible, or not built yet)."""
    current = await state(svc, actor, meeting_id)
    book = current.book
    if book is None or book.status is not BoardBookStatus.READY or not book.sha256:
        raise NotFound("The board book is not built yet.", code="board_book_not_ready")
    return current, book


async def book_file(svc: Services, actor: Actor, meeting_id: int) -> tuple[Path, str]:
    """The finished book for this reader (watermarked for them if it holds confidential pages)."""
    current, book = await ready_book(svc, actor, meeting_id)
    path = svc.files.blobs.path_of(book.sha256)
    if book.watermarked:
        path = await watermarked_copy(
            svc, actor, path, book.sha256, current.plan.cover.classification
        )
    async with perform(svc, actor, "board_book.download") as act:
        act.record("board_book", book.id, meeting_id=meeting_id)
    return path, f"board-book-{meeting_id}.pdf"
