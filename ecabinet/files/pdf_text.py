"""The text of PDF pages, for finding a highlight's quoted text again in a new version.

pypdf's extractor and the browser's text layer do not agree on spaces and line breaks, so text
is compared in a *search form*: NFC, case-folded, with every whitespace character removed.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

from pypdf import PdfReader

log = logging.getLogger("ecabinet.files")


def search_form(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).casefold().split())


def page_texts(path: Path, pages: list[int]) -> dict[int, str]:
    """Search forms of the given 1-based pages (pages that do not exist are left out)."""
    reader = PdfReader(path)
    found: dict[int, str] = {}
    for number in pages:
        if not 1 <= number <= len(reader.pages):
            continue
        try:
            found[number] = search_form(reader.pages[number - 1].extract_text() or "")
        except Exception:  # a page whose text cannot be extracted has no text to match
            log.warning("no text extracted from page %d of %s", number, path.name, exc_info=True)
            found[number] = ""
    return found
