"""The TrueType fonts used in generated PDFs (cover, agenda, watermarks).

The PDF base fonts (Helvetica, Times) have no Vietnamese letters beyond Latin-1, so everything
we draw uses DejaVu Sans (Debian package ``fonts-dejavu-core``), which has every precomposed
Vietnamese vowel with its tone mark. Text is NFC-normalized before drawing so that decomposed
input (base letter + combining marks) still maps to those precomposed glyphs.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "EcabSans"
BOLD = "EcabSans-Bold"
SEARCH_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


class FontMissing(RuntimeError):
    """DejaVu Sans is not installed; install the Debian package fonts-dejavu-core."""


def find_font(file_name: str, extra_dirs: tuple[Path, ...] = ()) -> Path:
    for directory in (*extra_dirs, *SEARCH_DIRS):
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    raise FontMissing(
        f"{file_name} not found in {[str(d) for d in SEARCH_DIRS]}; "
        "install fonts-dejavu-core (apt-get install fonts-dejavu-core)"
    )


def register_fonts(extra_dirs: tuple[Path, ...] = ()) -> None:
    """Make REGULAR and BOLD available to reportlab (idempotent; reportlab keeps a registry)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file_name in FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(find_font(file_name, extra_dirs))))


def text(value: str) -> str:
    """Text ready for drawing: NFC (precomposed Vietnamese letters), no control characters."""
    cleaned = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch == " ")
    return unicodedata.normalize("NFC", cleaned)
