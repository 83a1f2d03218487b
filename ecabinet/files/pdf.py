"""Is this upload a PDF we can distribute? Decided from the bytes, never from the name or header.

A file is accepted only if it starts with ``%PDF-``, ends with an ``%%EOF`` marker, opens with
qpdf (through pikepdf) without needing a repair, is not encrypted and has at least one page.
Everything else is refused with one :class:`PdfRejected` whose ``code`` is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
EOF_WINDOW = 2048


class PdfRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PdfInfo:
    pages: int
    version: str


def inspect_pdf(path: Path) -> PdfInfo:
    """Check a file on disk; blocking (run it in a thread)."""
    with path.open("rb") as fh:
        head = fh.read(8)
        size = fh.seek(0, 2)
        fh.seek(max(0, size - EOF_WINDOW))
        tail = fh.read()
    if head.startswith(ZIP_MAGIC):
        raise PdfRejected("not_a_pdf", "The file is a ZIP archive (e.g. DOCX), not a PDF.")
    if not head.startswith(PDF_MAGIC):
        raise PdfRejected("not_a_pdf", "The file is not a PDF (it does not start with %PDF-).")
    if b"%%EOF" not in tail:
        raise PdfRejected("pdf_truncated", "The PDF is incomplete (no end-of-file marker).")
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted:
                raise PdfRejected(
                    "pdf_encrypted", "The PDF is encrypted; upload it without a password."
                )
            if pdf.get_warnings():
                raise PdfRejected("pdf_damaged", "The PDF is damaged and needed repairing.")
            pages = len(pdf.pages)
            version = str(pdf.pdf_version)
    except pikepdf.PasswordError as exc:
        raise PdfRejected(
            "pdf_encrypted", "The PDF is protected by a password; upload it without one."
        ) from exc
    except pikepdf.PdfError as exc:
        raise PdfRejected("pdf_damaged", "The PDF is damaged and cannot be opened.") from exc
    if pages == 0:
        raise PdfRejected("pdf_empty", "The PDF has no pages.")
    return PdfInfo(pages=pages, version=version)
