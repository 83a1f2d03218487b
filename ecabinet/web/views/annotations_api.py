"""``/api/documents/{id}/annotations``, ``/api/annotations/{id}``, annotated PDF exports and the
reading position. Shared changes are announced to open viewers (``web.document_events``)."""

from __future__ import annotations

from aiohttp import web

from ...models import Visibility
from ...schemas.annotations import (
    AnnotationIn,
    AnnotationOut,
    AnnotationPatch,
    ReadingIn,
    ReadingOut,
)
from ...services import annotation_export, annotations
from ...services.annotations import AnnotationView
from .. import files
from ..api import ApiRegistry, ApiRequest
from ..document_events import annotation_json, publish

api = ApiRegistry()
TAGS = ("annotations",)
ID = r"{id:\d+}"


def annotation_out(view: AnnotationView) -> AnnotationOut:
    return AnnotationOut.model_validate(annotation_json(view))


@api.route(
    "GET",
    f"/api/documents/{ID}/annotations",
    summary="Your annotations on the document and those shared with you (every version)",
    response=list[AnnotationOut],
    tags=TAGS,
)
async def list_annotations(req: ApiRequest) -> list[AnnotationOut]:
    views = await annotations.list_annotations(req.services, req.actor, req.id())
    return [annotation_out(v) for v in views]


@api.route(
    "POST",
    f"/api/documents/{ID}/annotations",
    summary="Annotate a page: highlight (rects + quote), note (point + body) or ink (strokes)",
    body=AnnotationIn,
    response=AnnotationOut,
    status=201,
    tags=TAGS,
)
async def create_annotation(req: ApiRequest) -> AnnotationOut:
    """Private unless ``visibility`` says otherwise. Coordinates are fractions of the page."""
    view = await annotations.create(req.services, req.actor, req.id(), req.body)
    if view.annotation.visibility is not Visibility.PRIVATE:
        await publish(
            req.request.app,
            view.annotation.document_id,
            {"type": "annotation", "id": view.annotation.id},
        )
    return annotation_out(view)


@api.route(
    "PATCH",
    f"/api/annotations/{ID}",
    summary="Change your annotation: text, colour, sharing",
    body=AnnotationPatch,
    response=AnnotationOut,
    tags=TAGS,
)
async def update_annotation(req: ApiRequest) -> AnnotationOut:
    view, before = await annotations.update(req.services, req.actor, req.id(), req.body)
    a = view.annotation
    if a.visibility is not Visibility.PRIVATE:
        await publish(req.request.app, a.document_id, {"type": "annotation", "id": a.id})
    elif before is not Visibility.PRIVATE:
        await publish(req.request.app, a.document_id, {"type": "annotation_removed", "id": a.id})
    return annotation_out(view)


@api.route(
    "DELETE", f"/api/annotations/{ID}", summary="Delete your annotation", status=204, tags=TAGS
)
async def delete_annotation(req: ApiRequest) -> None:
    removed = await annotations.remove(req.services, req.actor, req.id())
    if removed.visibility is not Visibility.PRIVATE:
        await publish(
            req.request.app, removed.document_id, {"type": "annotation_removed", "id": removed.id}
        )


@api.route(
    "GET",
    f"/api/documents/{ID}/annotated.pdf",
    summary="Download your annotated copy: the PDF with your annotations as PDF annotations",
    errors=(409,),  # document_signed: annotations are never written into a signed PDF
    tags=TAGS,
    query={"shared": "1 to include the annotations others shared with you"},
)
async def annotated_pdf(req: ApiRequest) -> web.StreamResponse:
    """Confidential documents carry your watermark. Signed PDFs are refused (409)."""
    include_shared = req.query("shared") in ("1", "true", "yes")
    path, filename = await annotation_export.annotated_copy(
        req.services, req.actor, req.id(), include_shared=include_shared
    )
    return await files.send_pdf(req.request, req.services.files.blobs, path, filename, private=True)


@api.route(
    "GET",
    f"/api/meetings/{ID}/annotations.pdf",
    errors=(409,),  # nothing_shared
    summary="Every shared annotation of the meeting, one PDF with a bookmark per document "
    "(secretaries)",
    tags=TAGS,
)
async def meeting_annotations_pdf(req: ApiRequest) -> web.StreamResponse:
    path, filename = await annotation_export.meeting_export(req.services, req.actor, req.id())
    return await files.send_pdf(req.request, req.services.files.blobs, path, filename, private=True)


@api.route(
    "GET",
    f"/api/documents/{ID}/reading",
    summary="Where you stopped reading the current version (page 1 if never opened)",
    response=ReadingOut,
    tags=TAGS,
)
async def get_reading(req: ApiRequest) -> ReadingOut:
    version, page = await annotations.reading_position(req.services, req.actor, req.id())
    return ReadingOut(version=version, page=page)


@api.route(
    "PUT",
    f"/api/documents/{ID}/reading",
    summary="Remember the page you are reading (per document version)",
    body=ReadingIn,
    status=204,
    tags=TAGS,
)
async def put_reading(req: ApiRequest) -> None:
    body: ReadingIn = req.body
    await annotations.save_reading_position(
        req.services, req.actor, req.id(), body.version, body.page
    )
