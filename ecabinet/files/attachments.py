"""What kind of file is this attachment? Decided from the bytes, never from the name or header.

Progress reports on tasks take PDFs, PNG and JPEG pictures (scans, photos), and Word and Excel
files (Office Open XML). Anything else is refused with one :class:`AttachmentRejected`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .pdf import PdfRejected, inspect_pdf

IMAGE_TYPES = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg")}
OFFICE_TYPES = (
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
)
ACCEPTED = "PDF, PNG, JPEG, DOCX, XLSX"


class AttachmentRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AttachmentKind:
    content_type: str
    extension: str


def sniff(path: Path) -> AttachmentKind:
    """Blocking (run it in a thread)."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF-"):
        try:
            inspect_pdf(path)
        except PdfRejected as exc:
            raise AttachmentRejected(exc.code, exc.message) from exc
        return AttachmentKind("application/pdf", ".pdf")
    if head.startswith(b"PK\x03\x04"):
        return _office(path)
    try:
        with Image.open(path) as image:
            kind = IMAGE_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind is None:
        raise AttachmentRejected(
            "attachment_type", f"This kind of file is not accepted (only {ACCEPTED})."
        )
    return AttachmentKind(*kind)


def _office(path: Path) -> AttachmentKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise AttachmentRejected("attachment_damaged", "The file is damaged.") from exc
    if "[Content_Types].xml" in names:
        for marker, content_type, extension in OFFICE_TYPES:
            if marker in names:
                return AttachmentKind(content_type, extension)
    raise AttachmentRejected(
        "attachment_type", f"This kind of file is not accepted (only {ACCEPTED})."
    )
