"""Sending stored files: sendfile with Range and ETag (aiohttp FileResponse), safe headers."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..files.names import content_disposition

__all__ = ["content_disposition", "counts_as_open", "send_file", "send_pdf"]

CHUNK = 256 * 1024


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
