"""``/api/ballots/{id}/documents``: attach a PDF to an opinion ballot (the sending secretaries).

The upload streams to disk through the same path as a meeting's documents (``web/uploads.py``:
size limit before and while reading, multipart only) and the same PDF checks; the document is
then read through ``/api/documents/{id}/content`` and the reader, under the access rule of
``services/document_access.py``.
"""

from __future__ import annotations

from ...errors import ValidationFailed
from ...schemas.documents import DocumentCreated
from ...services import ballot_documents
from .. import uploads
from ..api import ApiRegistry, ApiRequest
from .documents_api import UPLOAD_FORM, upload_meta

BALLOT_FORM = {
    media: {
        **form,
        "properties": {k: v for k, v in form["properties"].items() if k != "agenda_item_id"},
    }
    for media, form in UPLOAD_FORM.items()
}

api = ApiRegistry()


@api.route(
    "POST",
    r"/api/ballots/{id:\d+}/documents",
    summary="Attach a PDF to an open ballot (multipart/form-data: file, title, classification)",
    consumes=BALLOT_FORM,
    response=DocumentCreated,
    status=201,
    tags=("ballots",),
)
async def attach_document(req: ApiRequest) -> DocumentCreated:
    """Only the sending organization's secretaries, while the ballot is open. The content must
    be a PDF that opens, is not encrypted and is at most the configured size (413)."""
    svc, ballot_id = req.services, req.id()
    await ballot_documents.check_may_attach(svc, req.actor, ballot_id)
    upload = await uploads.receive(req.request, svc.files.blobs, svc.settings.max_upload_bytes)
    async with upload.staged:
        meta = upload_meta(upload.fields, upload.filename)
        if meta.agenda_item_id is not None:
            raise ValidationFailed("A ballot's document has no agenda item.", code="unknown_field")
        document, version = await ballot_documents.attach(
            svc, req.actor, ballot_id, upload.staged, meta
        )
    return DocumentCreated(
        id=document.id,
        version=version.number,
        sha256=version.sha256,
        size=version.size,
        pages=version.pages,
    )
