"""Sending stored files: sendfile with Range and ETag (aiohttp FileResponse), safe headers."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

CHUNK = 256 * 1024


def content_disposition(filename: str) -> str:
    """RFC 6266 ``attachment`` with an ASCII fallback and the UTF-8 name (RFC 5987)."""
    clean = "".join(
        ch for ch in unicodedata.normalize("NFC", filename) if unicodedata.category(ch)[0] != "C"
    )
    clean = clean.replace("/", "_").replace("\\", "_").strip() or "document.pdf"
    ascii_name = unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip() or "document.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


def counts_as_open(request: web.Request) -> bool:
    """A GET that starts at the beginning of the file is an open; later Range pieces are not."""
    if request.method != "GET":
        return False
    try:
        start = request.http_range.start
    except ValueError:
        return False
    return start in (None, 0)


def send_pdf(path: Path, filename: str, *, private: bool) -> web.FileResponse:
    """The file with sendfile, Range and ETag/If-None-Match handled by aiohttp.

    ``private`` copies (watermarked, confidential) are ``no-store``; others may be kept by the
    browser but must be revalidated (``no-cache``), so every read passes the access check.
    """
    return web.FileResponse(
        path,
        chunk_size=CHUNK,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store" if private else "private, no-cache",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def send_file(path: Path, filename: str, content_type: str) -> web.FileResponse:
    """Any stored attachment: always a download, never rendered or sniffed by the browser."""
    return web.FileResponse(
        path,
        chunk_size=CHUNK,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "private, no-cache",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )
