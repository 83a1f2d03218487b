"""The board book: one PDF for a meeting — cover, agenda, then every document, with bookmarks.

Blocking code (run it in a thread). :func:`assemble` reports progress after each part so the
caller can show it; it copies page objects with pikepdf (qpdf), so the documents' content is
not decoded or re-compressed and memory stays small even for hundreds of megabytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..services.decree30 import QUOC_HIEU, TIEU_NGU
from . import fonts


@dataclass(frozen=True, slots=True)
class BookAgendaItem:
    number: int
    title: str
    presenter: str
    minutes: int
    documents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BookDocument:
    title: str
    path: Path
    agenda_number: int | None = None


@dataclass(frozen=True, slots=True)
class BookCover:
    title: str
    organization: str
    when: str
    where: str
    classification: str
    generated: str
    labels: dict[str, str]
    place_date: str = ""  # "Hà Nội, ngày 07 tháng 12 năm 2026": with it, the Decree 30 heading


Progress = Callable[[int, int], None]


def _styles() -> dict[str, ParagraphStyle]:
    fonts.register_fonts()
    return {
        "title": ParagraphStyle("title", fontName=fonts.BOLD, fontSize=20, leading=28),
        "h2": ParagraphStyle("h2", fontName=fonts.BOLD, fontSize=14, leading=20, spaceAfter=8),
        "body": ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=11, leading=16),
        "small": ParagraphStyle("small", fontName=fonts.REGULAR, fontSize=9, leading=13),
        "issuer": ParagraphStyle(
            "issuer", fontName=fonts.BOLD, fontSize=10.5, leading=14, alignment=TA_CENTER
        ),
        "motto": ParagraphStyle(
            "motto", fontName=fonts.BOLD, fontSize=11.5, leading=16, alignment=TA_CENTER
        ),
        "place": ParagraphStyle(
            "place", fontName=fonts.REGULAR, fontSize=10.5, leading=14, alignment=TA_CENTER
        ),
        "mark": ParagraphStyle(
            "mark", fontName=fonts.BOLD, fontSize=13, leading=18, textColor=colors.darkred
        ),
    }


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    escaped = fonts.text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, style)


def _administrative_heading(cover: BookCover, st: dict[str, ParagraphStyle]) -> Table:
    """Decree 30/2020's heading: the issuing body on the left; the national title, the
    underlined motto and the place and date on the right."""
    left = [_p(cover.organization.upper(), st["issuer"])]
    right = [
        _p(QUOC_HIEU, st["issuer"]),
        Paragraph(f"<u>{fonts.text(TIEU_NGU)}</u>", st["motto"]),
        Spacer(1, 3 * mm),
        _p(cover.place_date, st["place"]),
    ]
    table = Table([[left, right]], colWidths=[72 * mm, 102 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render_front_matter(cover: BookCover, agenda: Sequence[BookAgendaItem]) -> tuple[bytes, int]:
    """The cover page and the agenda pages; returns (pdf bytes, pages before the agenda)."""
    st = _styles()
    label = cover.labels
    story: list[object]
    if cover.place_date:
        story = [_administrative_heading(cover, st), Spacer(1, 30 * mm)]
    else:
        story = [Spacer(1, 40 * mm)]
    if cover.classification:
        story += [_p(cover.classification, st["mark"]), Spacer(1, 6 * mm)]
    if not cover.place_date:
        story += [_p(cover.organization, st["h2"])]
    story += [
        Spacer(1, 8 * mm),
        _p(cover.title, st["title"]),
        Spacer(1, 10 * mm),
        _p(f"{label['when']}: {cover.when}", st["body"]),
        _p(f"{label['where']}: {cover.where}", st["body"]),
        Spacer(1, 60 * mm),
        _p(f"{label['generated']}: {cover.generated}", st["small"]),
    ]
    rows: list[list[object]] = [
        [
            _p(label["no"], st["small"]),
            _p(label["item"], st["small"]),
            _p(label["presenter"], st["small"]),
            _p(label["minutes"], st["small"]),
        ]
    ]
    for item in agenda:
        docs = "".join(f"<br/>• {_p(d, st['small']).text}" for d in item.documents)
        rows.append(
            [
                _p(str(item.number), st["body"]),
                Paragraph(_p(item.title, st["body"]).text + docs, st["body"]),
                _p(item.presenter, st["body"]),
                _p(str(item.minutes), st["body"]),
            ]
        )
    table = Table(rows, colWidths=[12 * mm, 95 * mm, 50 * mm, 18 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [PageBreak(), _p(label["agenda"], st["h2"]), table]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, title=fonts.text(cover.title), leftMargin=18 * mm, rightMargin=18 * mm
    )
    doc.build(story)
    return buf.getvalue(), 1


def assemble(
    target: Path,
    cover: BookCover,
    agenda: Sequence[BookAgendaItem],
    documents: Sequence[BookDocument],
    progress: Progress | None = None,
) -> int:
    """Write the board book to ``target``; returns its page count.

    Bookmarks: "Cover", "Agenda", then one per document, prefixed with its agenda item's number
    when it belongs to one.
    """
    total = len(documents) + 2
    report = progress or (lambda done, of: None)
    front_bytes, cover_pages = render_front_matter(cover, agenda)
    report(1, total)
    sources: list[pikepdf.Pdf] = []
    try:
        with pikepdf.new() as book:
            front = pikepdf.open(io.BytesIO(front_bytes))
            sources.append(front)
            book.pages.extend(front.pages)
            marks: list[tuple[str, int]] = [
                (cover.labels["cover"], 0),
                (cover.labels["agenda"], cover_pages),
            ]
            for done, document in enumerate(documents, start=2):
                source = pikepdf.open(document.path)
                sources.append(source)
                title = fonts.text(document.title)
                if document.agenda_number is not None:
                    title = f"{document.agenda_number}. {title}"
                marks.append((title, len(book.pages)))
                book.pages.extend(source.pages)
                report(done, total)
            with book.open_outline() as outline:
                outline.root.extend(pikepdf.OutlineItem(title, page) for title, page in marks)
            book.docinfo["/Title"] = fonts.text(cover.title)
            book.save(target)
            pages = len(book.pages)
    finally:
        for source in sources:
            source.close()
    report(total, total)
    return pages


def assemble_reporting(
    target: Path,
    cover: BookCover,
    agenda: Sequence[BookAgendaItem],
    documents: Sequence[BookDocument],
    progress_file: Path,
) -> int:
    """:func:`assemble` for a child process: progress goes to a small file ("done total")."""

    def report(done: int, total: int) -> None:
        tmp = progress_file.with_suffix(".tmp")
        tmp.write_text(f"{done} {total}", encoding="ascii")
        tmp.replace(progress_file)

    return assemble(target, cover, agenda, documents, report)


def read_progress(progress_file: Path) -> tuple[int, int] | None:
    try:
        done, total = progress_file.read_text(encoding="ascii").split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None
