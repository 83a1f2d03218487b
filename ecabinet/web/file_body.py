"""Reading a small uploaded file whole (e.g. a PDF to verify): a raw request body (API), or the
``file`` field of a page's form. Large documents stream through ``uploads.py`` instead."""

from __future__ import annotations

from aiohttp import web

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

CHUNK = 64 * 1024


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.")


async def read_body(request: web.Request, *, content_type: str, limit: int) -> bytes:
    """The raw body of ``content_type``, streamed with its own size limit (API clients)."""
    if request.content_type != content_type:
        raise UnsupportedMediaType(
            f"Send the file as the request body with 'Content-Type: {content_type}'.",
            code="file_required",
        )
    data = bytearray()
    while chunk := await request.content.read(CHUNK):
        data += chunk
        if len(data) > limit:
            raise _too_large(limit)
    if not data:
        raise BadRequest("The request body is empty.", code="file_required")
    return bytes(data)


async def read_form_file(request: web.Request, *, limit: int) -> bytes:
    """The ``file`` field of a multipart form (pages; the app's body-size limit applies too)."""
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge("The file is too large for a form upload.") from exc
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise BadRequest("Choose a file to upload.", code="file_required")
    data = field.file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise BadRequest("Choose a file to upload.", code="file_required")
    return bytes(data)
