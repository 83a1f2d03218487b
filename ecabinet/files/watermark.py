"""A visible per-recipient watermark stamped on every page of a distributed copy.

The mark is drawn once per page size with reportlab (diagonal text across the page plus a line
at the bottom) and added to each page as a shared form XObject with pikepdf, so a 100 MB file
grows by a few kilobytes and its own page content is copied, not re-encoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pikepdf
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from . import fonts
from .blobs import write_atomically

DIAGONAL_ALPHA = 0.16
FOOTER_ALPHA = 0.75


@dataclass(frozen=True, slots=True)
class WatermarkText:
    """What the mark says: who the copy is for and when it was made."""

    recipient: str
    organization: str
    issued_at: str
    label: str = ""

    @property
    def diagonal(self) -> str:
        return fonts.text(f"{self.recipient} · {self.organization}")

    @property
    def footer(self) -> str:
        parts = [self.label, self.recipient, self.organization, self.issued_at]
        return fonts.text(" · ".join(p for p in parts if p))


def _overlay_pdf(width: float, height: float, mark: WatermarkText) -> bytes:
    fonts.register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    c.setTitle("watermark")
    size = max(14.0, min(width, height) / 18)
    c.saveState()
    c.setFillColor(Color(0.55, 0.0, 0.0, alpha=DIAGONAL_ALPHA))
    c.setFont(fonts.BOLD, size)
    c.translate(width / 2, height / 2)
    c.rotate(35)
    diagonal = mark.diagonal
    for offset in (-2.5, 0.0, 2.5):
        c.drawCentredString(0, offset * size * 2.2, diagonal)
    c.restoreState()
    c.setFillColor(Color(0.45, 0.0, 0.0, alpha=FOOTER_ALPHA))
    footer_size = max(6.0, min(9.0, width / 80))
    c.setFont(fonts.REGULAR, footer_size)
    c.drawCentredString(width / 2, footer_size * 1.2, mark.footer)
    c.drawCentredString(width / 2, height - footer_size * 2.0, mark.footer)
    c.showPage()
    c.save()
    return buf.getvalue()


def _box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(Decimal(str(v))) for v in page.mediabox)
    return min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)


def stamp(source: Path, target: Path, mark: WatermarkText) -> int:
    """Write a copy of ``source`` with ``mark`` on every page to ``target``; returns page count.

    Blocking; run it in a thread. ``target`` is written directly, so pass a temporary path and
    rename it (see ``blobs.write_atomically``).
    """
    overlays: dict[tuple[int, int], pikepdf.Object] = {}
    keep_open: list[pikepdf.Pdf] = []
    with pikepdf.open(source) as pdf:
        for page in pdf.pages:
            x, y, width, height = _box(page)
            key = (round(width), round(height))
            if key not in overlays:
                overlay = pikepdf.open(io.BytesIO(_overlay_pdf(width, height, mark)))
                keep_open.append(overlay)
                overlays[key] = pdf.copy_foreign(overlay.pages[0].as_form_xobject())
            page.add_overlay(overlays[key], pikepdf.Rectangle(x, y, x + width, y + height))
        pdf.save(target, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        count = len(pdf.pages)
    for overlay in keep_open:
        overlay.close()
    return count


def stamp_into(source: Path, target: Path, mark: WatermarkText) -> int:
    """:func:`stamp` to a temporary file renamed into place (a reader never sees half a file)."""
    pages = 0

    def build(tmp: Path) -> None:
        nonlocal pages
        pages = stamp(source, tmp, mark)

    write_atomically(target, build)
    return pages
