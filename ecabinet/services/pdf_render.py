"""Render a document to PDF (Vietnamese text in DejaVu Sans) with empty signature fields.

The fields are created before anyone signs (one per signer, in signing order, chair last), so
every signature only fills an existing field: pyHanko's difference analysis then accepts each
later revision as "form filling and signing", and a certifying first signature stays possible.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from fpdf import FPDF
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from . import decree30

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian/Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu"),  # Fedora, Arch
    Path("/usr/share/fonts/TTF"),
)
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
STAMP_FONT = "DejaVuSans-stamp-upem1000.ttf"
# Latin, Latin Extended (Vietnamese ă â đ ê ô ơ ư), combining marks, Latin Extended Additional
# (ạ ả ấ … ỹ), general punctuation and the đồng sign: enough for names and titles in the stamp.
STAMP_UNICODES = "U+0020-024F,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+20AB"

A4 = (595.28, 841.89)
MARGIN = 48.0
COLUMNS = 3
ROWS_PER_PAGE = 9
BOX_HEIGHT = 46.0
GAP = 8.0
# The label above a box: the signer's name, then the title, wrapped to the box's width (never
# cut: "Thư ký Văn phòng Chính phủ" is read in full), at most LABEL_LINES lines.
LABEL_FONT_SIZE = 6.5
LABEL_LEADING = 7.5
LABEL_LINES = 3
LABEL_HEIGHT = LABEL_LINES * LABEL_LEADING + 1.5
# A paragraph that starts with one of these markers is a heading, printed bold at this size.
HEADINGS = {"## ": 13, "### ": 11.5}
BULLET, BULLET_INDENT = "• ", 10.0  # a paragraph starting with a bullet is a list entry


class FontMissing(RuntimeError):
    """DejaVu Sans is not installed (Debian: apt-get install fonts-dejavu-core)."""


def find_font(name: str) -> Path:
    override = os.environ.get("ECABINET_FONT_DIR")
    for directory in ((Path(override),) if override else ()) + FONT_DIRS:
        if (directory / name).is_file():
            return directory / name
    raise FontMissing(f"{name} not found; install fonts-dejavu-core or set ECABINET_FONT_DIR")


def stamp_font(cache_dir: Path) -> Path:
    """DejaVu Sans cut to the Vietnamese/Latin repertoire and rescaled to 1000 units per em.

    pyHanko's stamp writes glyph widths in font units where PDF expects 1/1000 em, so a 2048-upem
    font comes out letter-spaced; and subsetting a small font per stamp is much faster. Built once
    into ``cache_dir`` (atomically, so concurrent first uses are harmless).
    """
    target = cache_dir / STAMP_FONT
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    font = TTFont(find_font(REGULAR))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(STAMP_UNICODES))
    subsetter.subset(font)
    scale_upem(font, 1000)
    tmp = cache_dir / f".{STAMP_FONT}.{os.getpid()}.{secrets.token_hex(4)}"
    font.save(tmp)
    os.replace(tmp, target)
    return target


@dataclass(frozen=True)
class SignatureSlot:
    """One signer's place on the signature page: the field and the printed name above it."""

    field_name: str
    full_name: str
    title: str


@dataclass(frozen=True)
class FieldBox:
    field_name: str
    page: int  # 0-based
    box: tuple[int, int, int, int]  # PDF user space (points, origin bottom left)


def field_name(position: int) -> str:
    return f"Sig{position:02d}"


def layout(count: int, first_page: int) -> list[FieldBox]:
    """A grid of boxes, left to right, top to bottom, ROWS_PER_PAGE rows per page."""
    width = (A4[0] - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
    top = A4[1] - MARGIN - 40
    boxes = []
    per_page = COLUMNS * ROWS_PER_PAGE
    for i in range(count):
        page, index = divmod(i, per_page)
        row, col = divmod(index, COLUMNS)
        x1 = MARGIN + col * (width + GAP)
        y2 = top - LABEL_HEIGHT - row * (BOX_HEIGHT + LABEL_HEIGHT + GAP)
        boxes.append(
            FieldBox(
                field_name(i + 1),
                first_page + page,
                (round(x1), round(y2 - BOX_HEIGHT), round(x1 + width), round(y2)),
            )
        )
    return boxes


def label_lines(pdf: FPDF, slot: SignatureSlot, width: float) -> list[str]:
    """The name, then the title, each wrapped at word boundaries to ``width``; at most
    LABEL_LINES lines (only a title longer than that ends in "…")."""
    lines: list[str] = []
    for text in (slot.full_name, slot.title):
        line = ""
        for word in text.split():
            candidate = f"{line} {word}".strip()
            if line and pdf.get_string_width(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        if line:
            lines.append(line)
    if len(lines) > LABEL_LINES:
        last = " ".join(lines[LABEL_LINES - 1 :])
        while len(last) > 1 and pdf.get_string_width(last + "…") > width:
            last = last[:-1].rstrip()
        lines = [*lines[: LABEL_LINES - 1], last + "…"]
    return lines


def render(
    title: str,
    paragraphs: list[str],
    slots: list[SignatureSlot],
    stamp: Path | None = None,
    administrative: decree30.Heading | None = None,
) -> bytes:
    """The document's pages, then signature pages with labelled empty signature fields; with a
    ``administrative`` heading, in the layout of Decree 30/2020 (:mod:`decree30`).

    A paragraph starting with ``## `` or ``### `` is a heading (the marker is not printed); one
    starting with ``• `` is an indented list entry. With ``stamp`` (the stamp font), one font
    subset for every signer's stamp is embedded now, so signatures do not each add one."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_creator("e-Cabinet")
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", str(find_font(REGULAR)))
    pdf.add_font("DejaVu", "B", str(find_font(BOLD)))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, MARGIN)
    pdf.add_page()
    if administrative is not None:
        decree30.draw_heading(pdf, administrative, margin=MARGIN, width=A4[0] - 2 * MARGIN)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 20, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for paragraph in paragraphs:
        heading = next((h for h in HEADINGS if paragraph.startswith(h)), None)
        if heading is not None:
            pdf.ln(4)
            pdf.set_font("DejaVu", "B", HEADINGS[heading])
            paragraph = paragraph[len(heading) :]
        else:
            pdf.set_font("DejaVu", "", 11)
        if paragraph.startswith(BULLET):  # a list entry: indented, not justified, close together
            pdf.set_x(MARGIN + BULLET_INDENT)
            pdf.multi_cell(0, 15, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            continue
        pdf.multi_cell(0, 15, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(5)
    if administrative is not None:
        decree30.draw_recipients(pdf, administrative, margin=MARGIN)
    boxes = layout(len(slots), pdf.page)  # pdf.page is 1-based: the next page's 0-based index
    for box, slot in zip(boxes, slots, strict=True):
        if box.page >= pdf.page:
            pdf.add_page()
            pdf.set_font("DejaVu", "B", 12)
            pdf.set_xy(MARGIN, MARGIN)
            pdf.cell(0, 16, "Chữ ký / Signatures", new_x="LMARGIN", new_y="NEXT")
        x1, y1, x2, y2 = box.box
        pdf.set_font("DejaVu", "", LABEL_FONT_SIZE)
        lines = label_lines(pdf, slot, x2 - x1)
        top = A4[1] - y2 - LABEL_HEIGHT + (LABEL_LINES - len(lines)) * LABEL_LEADING
        for n, line in enumerate(lines):
            pdf.set_xy(x1, top + n * LABEL_LEADING)
            pdf.cell(x2 - x1, LABEL_LEADING, line)
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(x1, A4[1] - y2, x2 - x1, y2 - y1)
    writer = IncrementalPdfFileWriter(io.BytesIO(bytes(pdf.output())))
    for box in boxes:
        append_signature_field(writer, SigFieldSpec(box.field_name, on_page=box.page, box=box.box))
    if stamp is not None:
        from . import pades, stamp_font  # pades signs; this module only lays out

        lines = [line for s in slots for line in pades.StampText(s.full_name, s.title, "").lines()]
        stamp_font.embed(writer, stamp, pades.STAMP_FONT_SIZE, lines)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
