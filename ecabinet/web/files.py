"""Sending stored files: decrypted as they stream, with Range, ETag and safe headers.

Blobs and derived copies are sealed at rest (``files/sealing.py``), so they cannot go out with
sendfile: :func:`send_pdf` and :func:`send_file` answer ``Range`` (one range, 206 / 416),
``If-None-Match`` (304) and ``If-Range`` themselves and stream the plaintext, decrypting only the
64 KiB segments the range touches. The ETag is the SHA-256 of the plaintext (the blob's name), so
it survives a re-wrap after a secret rotation. The first chunk is decrypted before the response
starts: a damaged file gives ``500 stored_file_damaged`` (logged), never garbage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web

from ..errors import NotFound, StoredFileDamaged
from ..files.blobs import BlobStore
from ..files.names import content_disposition
from ..files.sealing import SealError

__all__ = ["content_disposition", "counts_as_open", "send_file", "send_pdf"]

log = logging.getLogger("ecabinet.files")
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


class _StoredFileResponse(web.StreamResponse):
    """A response whose body is a plaintext byte range of a stored file, read in a thread."""

    def __init__(self, first: bytes, rest: Iterator[bytes] | None, headers: dict[str, str]):
        super().__init__(headers=headers)
        self._first = first
        self._rest = rest

    async def prepare(self, request: web.BaseRequest):
        writer = await super().prepare(request)
        if self._rest is None or request.method == "HEAD":
            return writer
        rest, self._rest = self._rest, None
        await self.write(self._first)
        while True:
            try:
                chunk = await asyncio.to_thread(_next_batch, rest)
            except SealError:
                log.exception("stored file damaged mid-stream on %s", request.path)
                raise
            if not chunk:
                break
            await self.write(chunk)
        await self.write_eof()
        return writer


def _next_batch(chunks: Iterator[bytes]) -> bytes:
    batch = bytearray()
    for chunk in chunks:
        batch += chunk
        if len(batch) >= CHUNK:
            break
    return bytes(batch)


def _open(store: BlobStore, path: Path, start: int, end: int) -> tuple[bytes, Iterator[bytes]]:
    chunks = store.read_range(path, start, end)
    return _next_batch(chunks), chunks


async def _send(
    request: web.Request, store: BlobStore, path: Path, headers: dict[str, str]
) -> web.StreamResponse:
    try:
        size, digest = await asyncio.to_thread(store.describe, path)
    except FileNotFoundError:
        raise NotFound("The stored file is missing.", code="file_missing") from None
    except SealError as exc:
        log.error("stored file %s cannot be opened: %s", path, exc)
        raise StoredFileDamaged("The stored file cannot be read.") from None
    etag = f'"{digest}"'
    status, start, end = 200, 0, size
    if any(e.value == digest for e in request.if_none_match or ()):
        return web.Response(status=304, headers={"ETag": etag, **_keep(headers)})
    if_range = request.headers.get("If-Range")
    if if_range is None or if_range.strip() == etag:
        try:
            rng = request.http_range
        except ValueError:
            rng = None
            status = 416
        if rng is not None and rng.start is not None:
            if rng.start < 0 and rng.stop is None:
                start = max(size + rng.start, 0)
            else:
                start, end = rng.start, min(rng.stop if rng.stop is not None else size, size)
            status = 206 if start < size and start < end else 416
    headers = {**headers, "ETag": etag, "Accept-Ranges": "bytes"}
    if status == 416:
        headers["Content-Range"] = f"bytes */{size}"
        return web.Response(status=416, headers=headers)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    try:
        first, rest = await asyncio.to_thread(_open, store, path, start, end)
    except SealError as exc:
        log.error("stored file %s is damaged: %s", path, exc)
        raise StoredFileDamaged("The stored file cannot be read.") from None
    response = _StoredFileResponse(first, rest, headers)
    response.set_status(status)
    response.content_length = end - start
    return response


def _keep(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k in ("Cache-Control", "Content-Disposition")}


def _safe(content_type: str, filename: str, cache: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": cache,
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
    }


async def send_pdf(
    request: web.Request, store: BlobStore, path: Path, filename: str, *, private: bool
) -> web.StreamResponse:
    """The PDF, decrypted, with Range and ETag/If-None-Match.

    ``private`` copies (watermarked, confidential) are ``no-store``; others may be kept by the
    browser but must be revalidated (``no-cache``), so every read passes the access check.
    """
    cache = "no-store" if private else "private, no-cache"
    return await _send(request, store, path, _safe("application/pdf", filename, cache))


async def send_file(
    request: web.Request, store: BlobStore, path: Path, filename: str, content_type: str
) -> web.StreamResponse:
    """Any stored attachment: always a download, never rendered or sniffed by the browser."""
    return await _send(request, store, path, _safe(content_type, filename, "private, no-cache"))
