"""``/api/meetings/{id}/documents``, ``/api/documents/{id}``, receipts, distribution, board book."""

from __future__ import annotations

from aiohttp import web

from ...errors import ValidationFailed
from ...models import BoardBook, Classification
from ...schemas.documents import (
    BoardBookOut,
    DistributionOut,
    DistributionRow,
    DocumentCreated,
    DocumentOut,
    DocumentPatch,
    DocumentReceipts,
    ReceiptMine,
    ReceiptOut,
    ReminderSent,
    SignedLinkOut,
    VersionOut,
)
from ...services import board_book, documents, download_links, receipts
from ...services import document_content as content
from ...services.documents import DocumentView, UploadMeta, safe_filename
from .. import document_events, files, uploads
from ..api import MAX_ID, ApiRegistry, ApiRequest, IntQuery
from ..signed_links import link_or_session_actor

api = ApiRegistry()
TAGS = ("documents",)
ID = r"{id:\d+}"
UPLOAD_FIELDS = frozenset({"title", "classification", "agenda_item_id"})
PDF_FILE = {"type": "string", "format": "binary", "description": "The PDF"}
UPLOAD_FORM = {
    "multipart/form-data": {
        "type": "object",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            "file": PDF_FILE,
            "title": {"type": "string", "maxLength": 300, "description": "Default: the file name"},
            "classification": {"type": "string", "enum": [c.value for c in Classification]},
            "agenda_item_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        },
    }
}
VERSION_FORM = {
    "multipart/form-data": {
        "type": "object",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {"file": PDF_FILE},
    }
}


def document_out(req: ApiRequest, view: DocumentView) -> DocumentOut:
    d = view.document
    current = next((v for v in view.versions if v.number == d.current_version), None)
    receipt = view.receipt
    return DocumentOut(
        id=d.id,
        meeting_id=d.meeting_id,
        agenda_item_id=d.agenda_item_id,
        title=d.title,
        classification=d.classification,
        current_version=d.current_version,
        pages=current.pages if current else 0,
        size=current.size if current else 0,
        restricted=d.restricted,
        restricted_to=view.restricted_to,
        withdrawn=d.withdrawn_at is not None,
        withdrawn_at=d.withdrawn_at,
        created_at=d.created_at,
        content_url=str(
            req.request.app.router["api.documents_api.document_content"].url_for(id=str(d.id))
        ),
        versions=[VersionOut.model_validate(v) for v in view.versions],
        my_receipt=ReceiptMine.model_validate(receipt) if receipt is not None else None,
    )


def upload_meta(fields: dict[str, str], filename: str) -> UploadMeta:
    unknown = set(fields) - UPLOAD_FIELDS
    if unknown:
        raise ValidationFailed(
            "Unknown fields in the upload.", code="unknown_field", details=sorted(unknown)
        )
    name = safe_filename(filename)
    title = fields.get("title") or name[:-4]
    if len(title) > 300:
        raise ValidationFailed("The title is too long (300 characters).", code="invalid_title")
    try:
        classification = Classification(fields.get("classification") or "internal")
    except ValueError as exc:
        raise ValidationFailed(
            "Classification is public, internal, confidential or secret.",
            code="invalid_classification",
        ) from exc
    raw_item = fields.get("agenda_item_id", "")
    if raw_item and not (raw_item.isdigit() and 0 < int(raw_item) <= MAX_ID):
        raise ValidationFailed("agenda_item_id must be an item id.", code="invalid_agenda_item")
    return UploadMeta(title, classification, int(raw_item) if raw_item else None, name)


@api.route(
    "GET",
    f"/api/meetings/{ID}/documents",
    summary="The meeting's documents you may read, with your read status",
    response=list[DocumentOut],
    tags=TAGS,
)
async def list_documents(req: ApiRequest) -> list[DocumentOut]:
    views = await documents.list_documents(req.services, req.actor, req.id())
    return [document_out(req, v) for v in views]


@api.route(
    "POST",
    f"/api/meetings/{ID}/documents",
    summary="Upload a PDF (multipart/form-data: file, title, classification, agenda_item_id)",
    consumes=UPLOAD_FORM,
    response=DocumentCreated,
    status=201,
    tags=TAGS,
)
async def upload_document(req: ApiRequest) -> DocumentCreated:
    """Streamed to disk; the content must be a PDF that opens, is not encrypted and is at most
    the configured size (413). Refused uploads leave nothing behind."""
    svc, meeting_id = req.services, req.id()
    await documents.check_may_upload(svc, req.actor, meeting_id)
    upload = await uploads.receive(req.request, svc.files.blobs, svc.settings.max_upload_bytes)
    async with upload.staged:
        meta = upload_meta(upload.fields, upload.filename)
        document, version = await documents.upload(svc, req.actor, meeting_id, upload.staged, meta)
    return DocumentCreated(
        id=document.id,
        version=version.number,
        sha256=version.sha256,
        size=version.size,
        pages=version.pages,
    )


@api.route(
    "GET",
    f"/api/documents/{ID}",
    summary="A document and its versions",
    response=DocumentOut,
    tags=TAGS,
)
async def get_document(req: ApiRequest) -> DocumentOut:
    return document_out(req, await documents.get_document(req.services, req.actor, req.id()))


@api.route(
    "PATCH",
    f"/api/documents/{ID}",
    summary="Retitle, reclassify, attach to an agenda item, restrict to named participants",
    body=DocumentPatch,
    response=DocumentOut,
    tags=TAGS,
)
async def update_document(req: ApiRequest) -> DocumentOut:
    view = await documents.update_document(req.services, req.actor, req.id(), req.body)
    return document_out(req, view)


@api.route(
    "POST",
    f"/api/documents/{ID}/versions",
    summary="Upload a new version (multipart/form-data: file); old versions are kept",
    consumes=VERSION_FORM,
    response=DocumentCreated,
    status=201,
    tags=TAGS,
)
async def add_version(req: ApiRequest) -> DocumentCreated:
    svc, document_id = req.services, req.id()
    await documents.check_may_add_version(svc, req.actor, document_id)
    upload = await uploads.receive(req.request, svc.files.blobs, svc.settings.max_upload_bytes)
    async with upload.staged:
        if upload.fields:
            raise ValidationFailed("Only the field 'file' is taken here.", code="unknown_field")
        version = await documents.add_version(
            svc, req.actor, document_id, upload.staged, safe_filename(upload.filename)
        )
    await document_events.publish(req.request.app, document_id, {"type": "document_changed"})
    return DocumentCreated(
        id=document_id,
        version=version.number,
        sha256=version.sha256,
        size=version.size,
        pages=version.pages,
    )


@api.route(
    "POST",
    f"/api/documents/{ID}/withdraw",
    summary="Withdraw a document: only the secretaries still see it",
    status=204,
    tags=TAGS,
)
async def withdraw_document(req: ApiRequest) -> None:
    await documents.withdraw(req.services, req.actor, req.id())


@api.route(
    "GET",
    f"/api/documents/{ID}/content",
    summary="The PDF (Range, ETag); confidential documents carry your watermark",
    tags=TAGS,
    query={
        "version": IntQuery("Version number (default: the current one)", code="invalid_version")
    },
)
async def document_content(req: ApiRequest) -> web.StreamResponse:
    version = req.query_int("version")
    served = await content.open_content(
        req.services, req.actor, req.id(), version, counts=files.counts_as_open(req.request)
    )
    return await files.send_pdf(
        req.request, req.services.files.blobs, served.path, served.filename,
        private=served.watermarked,
    )  # fmt: skip


@api.route(
    "GET",
    f"/api/documents/{ID}/receipts",
    summary="Distribution receipts per recipient (secretaries)",
    response=DocumentReceipts,
    tags=TAGS,
)
async def document_receipts(req: ApiRequest) -> DocumentReceipts:
    document, rows = await receipts.document_receipts(req.services, req.actor, req.id())
    return DocumentReceipts(
        document_id=document.id,
        current_version=document.current_version,
        receipts=[ReceiptOut.model_validate(r) for r in rows],
    )


@api.route(
    "POST",
    f"/api/documents/{ID}/receipts/remind",
    summary="Remind the recipients who have not read this document",
    response=ReminderSent,
    tags=TAGS,
)
async def remind_document(req: ApiRequest) -> ReminderSent:
    count = await receipts.remind_document(req.services, req.actor, req.id())
    return ReminderSent(reminded=count)


@api.route(
    "GET",
    f"/api/meetings/{ID}/distribution",
    summary="Who has read what (secretaries)",
    response=DistributionOut,
    tags=TAGS,
)
async def distribution(req: ApiRequest) -> DistributionOut:
    meeting_id = req.id()
    views, rows = await receipts.distribution(req.services, req.actor, meeting_id)
    return DistributionOut(
        meeting_id=meeting_id,
        documents=[document_out(req, v) for v in views],
        recipients=[DistributionRow.model_validate(r) for r in rows],
    )


@api.route(
    "POST",
    f"/api/meetings/{ID}/distribution/remind",
    summary="Remind everyone who has unread documents",
    response=ReminderSent,
    tags=TAGS,
)
async def remind_meeting(req: ApiRequest) -> ReminderSent:
    return ReminderSent(reminded=await receipts.remind(req.services, req.actor, req.id()))


def book_out(req: ApiRequest, state: board_book.BookState) -> BoardBookOut:
    book: BoardBook | None = state.book
    ready = book is not None and book.status.value == "ready"
    url = req.request.app.router["api.documents_api.board_book_content"].url_for(
        id=str(state.plan.meeting_id)
    )
    return BoardBookOut(
        status=book.status if book else None,
        progress=book.progress if book else 0,
        content_key=state.plan.content_key,
        pages=book.pages if book else None,
        size=book.size if book else None,
        error=book.error if book else "",
        download_url=str(url) if ready else None,
    )


@api.route(
    "GET",
    f"/api/meetings/{ID}/board-book",
    summary="The board book for what you may read: status and progress",
    response=BoardBookOut,
    tags=TAGS,
)
async def board_book_status(req: ApiRequest) -> BoardBookOut:
    return book_out(req, await board_book.state(req.services, req.actor, req.id()))


@api.route(
    "POST",
    f"/api/meetings/{ID}/board-book",
    summary="Build the board book in the background (no-op if built or building)",
    response=BoardBookOut,
    status=202,
    tags=TAGS,
)
async def board_book_build(req: ApiRequest) -> BoardBookOut:
    return book_out(req, await board_book.request_build(req.services, req.actor, req.id()))


@api.route(
    "GET",
    f"/api/meetings/{ID}/board-book/link",
    summary="A signed link to the built board book, valid for a few minutes (SEC-C2)",
    response=SignedLinkOut,
    tags=TAGS,
)
async def board_book_link(req: ApiRequest) -> SignedLinkOut:
    """For a download outside this session's cookie (another app, a download manager): the
    link opens the book for you alone, for this path only, until it expires or your session
    ends."""
    await board_book.ready_book(req.services, req.actor, req.id())
    path = str(
        req.request.app.router["api.documents_api.board_book_content"].url_for(id=str(req.id()))
    )
    link = download_links.sign(req.services, req.actor, path)
    return SignedLinkOut(url=link.url, expires_at=link.expires_at)


@api.route(
    "GET",
    f"/api/meetings/{ID}/board-book/content",
    summary="Download the built board book (watermarked if it holds confidential documents)",
    auth=False,
    tags=TAGS,
    query={"sig": "A signed link's signature (from …/board-book/link) instead of a session"},
)
async def board_book_content(req: ApiRequest) -> web.StreamResponse:
    actor = await link_or_session_actor(req.request)
    path, filename = await board_book.book_file(req.services, actor, req.id())
    return await files.send_pdf(req.request, req.services.files.blobs, path, filename, private=True)
