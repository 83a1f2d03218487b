"""Real PDFs for tests, made with reportlab (and pikepdf for the encrypted one)."""

from __future__ import annotations

import io
import zipfile

import pikepdf
from reportlab.pdfgen import canvas

from ecabinet.files import fonts


def make_pdf(marker: str = "Tài liệu mẫu", pages: int = 2, *, filler: int = 0) -> bytes:
    """A valid PDF whose every page shows ``marker``; ``filler`` adds that many bytes of noise."""
    buf = io.BytesIO()
    fonts.register_fonts()
    c = canvas.Canvas(buf, pageCompression=0)
    for number in range(1, pages + 1):
        c.setFont(fonts.REGULAR, 12)
        c.drawString(72, 720, f"{marker} - page {number}")
        c.showPage()
    if filler:
        c.setKeywords("x" * filler)
    c.save()
    return buf.getvalue()


def encrypted_pdf(user_password: str = "secret") -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_pdf())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user_password, owner="owner"))
    return out.getvalue()


def zip_renamed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def truncated_pdf() -> bytes:
    data = make_pdf()
    return data[: len(data) * 2 // 3]
