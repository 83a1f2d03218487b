"""File names from the outside, made safe in one place, and the header that names a download.

Every upload path (documents and their versions, ballot attachments, task progress
attachments) stores ``clean_filename(…)`` of what the client sent, and every download names
its file with ``content_disposition(…)``: RFC 6266 with the UTF-8 name (RFC 5987
``filename*``), which browsers use, and a plain ASCII ``filename`` for the others. A name can
hold quotes or semicolons (a Vietnamese title may); it never reaches a header unencoded.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME = 150
"""Characters in a stored name, extension included (the columns hold 200)."""

_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()-]")
_VIETNAMESE_D = str.maketrans({"đ": "d", "Đ": "D"})


def _visible(name: str) -> str:
    """NFC; no control or format characters (NUL, CR/LF, bidi overrides); single spaces."""
    name = unicodedata.normalize("NFC", name)
    kept = (
        " " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") or ch in "\t\r\n" else ch
        for ch in name
        if unicodedata.category(ch)[0] != "C" or ch in "\t\r\n"
    )
    return re.sub(r" +", " ", "".join(kept)).strip()


def clean_filename(raw: str, extension: str, *, fallback: str = "file") -> str:
    """The name to store for an uploaded file whose content is of type ``extension``.

    The last path component only (``/`` and ``\\``), visible characters only, no leading or
    trailing dots or spaces, at most ``MAX_NAME`` characters, ending in ``extension`` (an
    extension the client gave is replaced: the content decides the type).
    """
    name = _visible(raw.replace("\\", "/").rsplit("/", 1)[-1])
    if match := _EXTENSION.search(name):
        name = name[: match.start()]
    stem = name[: MAX_NAME - len(extension)].strip(" .") or fallback
    return f"{stem}{extension.lower()}"


def ascii_fallback(name: str) -> str:
    """The name without accents, for clients that ignore ``filename*``."""
    plain = unicodedata.normalize("NFKD", name.translate(_VIETNAMESE_D))
    plain = plain.encode("ascii", "ignore").decode()
    return _ASCII_UNSAFE.sub("_", plain).strip(" .") or "file"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` value naming a download (RFC 6266, RFC 5987)."""
    name = _visible(filename).replace("/", "_").replace("\\", "_") or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
