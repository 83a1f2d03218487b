"""Write annotations into a copy of a PDF as real PDF annotations (ISO 32000-1 §12.5).

Highlights become ``/Highlight`` with ``/QuadPoints``, notes ``/Text`` (a sticky note),
ink ``/Ink`` with ``/InkList``; each gets an appearance stream (``/AP``) so every reader shows
it the same way, the author in ``/T`` and the text in ``/Contents``. The source file is never
changed, and a signed PDF is refused: comments added after signing are "unsafe changes" to a
validator (pyHanko), so annotations never go into signed minutes.

Input coordinates are fractions of the page as displayed (0..1, origin top-left); they are
mapped onto the page's crop box, taking ``/Rotate`` into account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

NOTE_SIZE = 20.0
INK_WIDTH = 2.0


class SignedPdf(Exception):
    """The PDF carries a digital signature; it must not be changed."""


@dataclass(frozen=True, slots=True)
class PdfMark:
    kind: str  # "highlight" | "note" | "ink"
    page: int  # 1-based
    author: str
    created: datetime
    color: str = "#ffd400"
    quote: str = ""
    body: str = ""
    rects: list[list[float]] = field(default_factory=list)
    point: list[float] | None = None
    strokes: list[list[list[float]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PdfPart:
    """One document of an export: its file, its marks and its bookmark title."""

    source: Path
    marks: list[PdfMark]
    title: str = ""


def is_signed(pdf: Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if acroform is not None:
        if int(acroform.get("/SigFlags", 0)) & 1:
            return True
        for fld in acroform.get("/Fields", Array()):
            if fld.get("/FT") == Name.Sig and fld.get("/V") is not None:
                return True
    return False


def _rgb(color: str) -> list[float]:
    return [round(int(color[i : i + 2], 16) / 255, 4) for i in (1, 3, 5)]


def _pdf_date(when: datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%SZ")


class _PageFrame:
    """Maps normalized display coordinates (top-left origin) to PDF user space."""

    def __init__(self, page: pikepdf.Page) -> None:
        box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
        self.x0, self.y0 = min(box[0], box[2]), min(box[1], box[3])
        self.w, self.h = abs(box[2] - box[0]), abs(box[3] - box[1])
        self.rotate = int(page.obj.get("/Rotate", 0)) % 360

    def point(self, x: float, y: float) -> tuple[float, float]:
        if self.rotate == 90:
            return self.x0 + y * self.w, self.y0 + x * self.h
        if self.rotate == 180:
            return self.x0 + (1 - x) * self.w, self.y0 + y * self.h
        if self.rotate == 270:
            return self.x0 + (1 - y) * self.w, self.y0 + (1 - x) * self.h
        return self.x0 + x * self.w, self.y0 + (1 - y) * self.h


def _bbox(points: list[tuple[float, float]], pad: float = 0.0) -> list[float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad]


def _appearance(pdf: Pdf, rect: list[float], content: str, alpha: float | None) -> pikepdf.Object:
    resources = Dictionary()
    if alpha is not None:
        resources.ExtGState = Dictionary(
            GS0=Dictionary(Type=Name.ExtGState, CA=alpha, ca=alpha, BM=Name.Multiply)
        )
    stream = pikepdf.Stream(pdf, content.encode("ascii"))
    stream.Type = Name.XObject
    stream.Subtype = Name.Form
    stream.BBox = Array(rect)
    stream.Resources = resources
    return Dictionary(N=pdf.make_indirect(stream))


def _f(value: float) -> str:
    return f"{value:.3f}"


def _highlight(pdf: Pdf, frame: _PageFrame, mark: PdfMark) -> Dictionary:
    quads: list[float] = []
    corners: list[tuple[float, float]] = []
    paths = []
    for x, y, w, h in mark.rects:
        tl, tr = frame.point(x, y), frame.point(x + w, y)
        bl, br = frame.point(x, y + h), frame.point(x + w, y + h)
        quads += [*tl, *tr, *bl, *br]
        corners += [tl, tr, bl, br]
        paths.append(
            f"{_f(tl[0])} {_f(tl[1])} m {_f(tr[0])} {_f(tr[1])} l "
            f"{_f(br[0])} {_f(br[1])} l {_f(bl[0])} {_f(bl[1])} l h f"
        )
    rect = _bbox(corners)
    r, g, b = _rgb(mark.color)
    content = f"/GS0 gs {r} {g} {b} rg " + " ".join(paths)
    return Dictionary(
        Subtype=Name.Highlight,
        QuadPoints=Array(quads),
        Rect=Array(rect),
        Contents=pikepdf.String(mark.body or mark.quote),
        AP=_appearance(pdf, rect, content, 0.4),
    )


def _note(pdf: Pdf, frame: _PageFrame, mark: PdfMark) -> Dictionary:
    x, y = frame.point(*(mark.point or [0.0, 0.0]))
    rect = [x, y - NOTE_SIZE, x + NOTE_SIZE, y]
    r, g, b = _rgb(mark.color)
    s = NOTE_SIZE
    content = (
        f"{r} {g} {b} rg 0 0 0 RG 0.8 w {_f(x + 1)} {_f(y - s + 1)} {_f(s - 2)} {_f(s - 2)} re B "
        f"{_f(x + 4)} {_f(y - 6)} m {_f(x + s - 4)} {_f(y - 6)} l "
        f"{_f(x + 4)} {_f(y - 10)} m {_f(x + s - 4)} {_f(y - 10)} l "
        f"{_f(x + 4)} {_f(y - 14)} m {_f(x + s - 8)} {_f(y - 14)} l S"
    )
    return Dictionary(
        Subtype=Name.Text,
        Rect=Array(rect),
        Contents=pikepdf.String(mark.body),
        Name=Name.Comment,
        Open=False,
        AP=_appearance(pdf, rect, content, None),
    )


def _ink(pdf: Pdf, frame: _PageFrame, mark: PdfMark) -> Dictionary:
    ink_list = Array()
    all_points: list[tuple[float, float]] = []
    paths = []
    for stroke in mark.strokes:
        points = [frame.point(x, y) for x, y in stroke]
        all_points += points
        ink_list.append(Array([v for p in points for v in p]))
        first, *rest = points
        path = f"{_f(first[0])} {_f(first[1])} m " + " ".join(
            f"{_f(px)} {_f(py)} l" for px, py in rest or [first]
        )
        paths.append(path + " S")
    rect = _bbox(all_points, INK_WIDTH)
    r, g, b = _rgb(mark.color)
    content = f"{r} {g} {b} RG {INK_WIDTH} w 1 J 1 j " + " ".join(paths)
    return Dictionary(
        Subtype=Name.Ink,
        InkList=ink_list,
        Rect=Array(rect),
        BS=Dictionary(W=INK_WIDTH, S=Name.S),
        Contents=pikepdf.String(mark.body),
        AP=_appearance(pdf, rect, content, None),
    )


BUILDERS = {"highlight": _highlight, "note": _note, "ink": _ink}


def _annotate(pdf: Pdf, marks: list[PdfMark], page_offset: int = 0) -> None:
    for mark in marks:
        if not 1 <= mark.page <= len(pdf.pages) - page_offset:
            continue
        page = pdf.pages[page_offset + mark.page - 1]
        annot = BUILDERS[mark.kind](pdf, _PageFrame(page), mark)
        annot.Type = Name.Annot
        annot.T = pikepdf.String(mark.author)
        annot.M = pikepdf.String(_pdf_date(mark.created))
        annot.CreationDate = pikepdf.String(_pdf_date(mark.created))
        annot.C = Array(_rgb(mark.color))
        annot.F = 4  # print
        annot.P = page.obj
        if mark.kind == "highlight" and mark.body and mark.quote:
            annot.Subj = pikepdf.String(mark.quote[:500])
        ref = pdf.make_indirect(annot)
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(Array())
        page.obj.Annots.append(ref)


def write_annotated(parts: list[PdfPart], target: Path) -> int:
    """Copy the parts (one PDF, or several joined with a bookmark each) into ``target`` with
    their marks; returns the number of annotations written. Raises :class:`SignedPdf`."""
    count = 0
    with Pdf.new() as out:
        for part in parts:
            with Pdf.open(part.source) as src:
                if is_signed(src):
                    raise SignedPdf(str(part.source.name))
                if len(parts) == 1:
                    _annotate(src, part.marks)
                    tmp = target.with_name(f".{target.name}.tmp")
                    src.save(tmp)
                    tmp.replace(target)
                    return len(part.marks)
                start = len(out.pages)
                out.pages.extend(src.pages)
                _annotate(out, part.marks, start)
                count += len(part.marks)
                with out.open_outline() as outline:
                    outline.root.append(pikepdf.OutlineItem(part.title or "—", start))
        tmp = target.with_name(f".{target.name}.tmp")
        out.save(tmp)
        tmp.replace(target)
    return count
