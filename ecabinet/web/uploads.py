"""Streaming multipart uploads: the file goes to a staging file chunk by chunk, never into memory.

Fields: ``file`` (the PDF), and optional short text fields. Text fields are capped at a few
kilobytes each; the file at ``max_upload_bytes`` (413 as soon as it is passed, with the staging
file removed). A declared ``Content-Length`` over the limit is refused before reading anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from ..files.blobs import BlobStore, BlobTooLarge, StagedBlob

CHUNK = 256 * 1024
MAX_TEXT_FIELD = 4096
MAX_PARTS = 16
MULTIPART_OVERHEAD = 64 * 1024


@dataclass
class Upload:
    staged: StagedBlob
    filename: str
    fields: dict[str, str] = field(default_factory=dict)


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than the limit of {limit // (1024 * 1024)} MB.",
        code="file_too_large",
        details={"limit_bytes": limit},
    )


async def receive(request: web.Request, store: BlobStore, limit: int) -> Upload:
    """Read a multipart/form-data body. The caller owns the returned staged file (async with)."""
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the file as multipart/form-data in the field 'file'.", code="multipart_required"
        )
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise too_large(limit)
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError) as exc:
        raise BadRequest("The multipart body is malformed.", code="malformed_multipart") from exc
    fields: dict[str, str] = {}
    upload: Upload | None = None
    try:
        for _ in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                raise BadRequest("Nested multipart is not accepted.", code="malformed_multipart")
            if part.name is None:
                raise BadRequest(
                    "A part's Content-Disposition header cannot be read.",
                    code="malformed_multipart",
                )
            if part.name == "file":
                if upload is not None:
                    raise ValidationFailed("Send one file per upload.", code="one_file_only")
                upload = Upload(store.stage(limit), part.filename or "")
                await _stream(part, upload.staged)
            else:
                fields[part.name] = await _text(part)
        else:
            raise BadRequest("Too many parts in the body.", code="malformed_multipart")
    except BlobTooLarge as exc:
        raise too_large(limit) from exc
    except (HttpProcessingError, ValueError) as exc:
        # A part's headers aiohttp cannot parse (a raw CR/LF in a file name: InvalidHeader).
        if upload is not None:
            upload.staged.discard()
        raise BadRequest("The multipart body is malformed.", code="malformed_multipart") from exc
    except BaseException:
        if upload is not None:
            upload.staged.discard()
        raise
    if upload is None:
        raise ValidationFailed("The field 'file' is missing.", code="file_missing")
    upload.fields = fields
    return upload


async def _stream(part: BodyPartReader, staged: StagedBlob) -> None:
    while chunk := await part.read_chunk(CHUNK):
        await staged.write(chunk)


async def _text(part: BodyPartReader) -> str:
    raw = bytearray()
    while chunk := await part.read_chunk(1024):
        raw += chunk
        if len(raw) > MAX_TEXT_FIELD:
            raise ValidationFailed(f"The field '{part.name}' is too long.", code="field_too_long")
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise BadRequest("Text fields must be UTF-8.", code="malformed_multipart") from exc
