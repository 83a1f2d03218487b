"""``/api/meetings/{id}/opinions`` and ``/api/opinions/{id}``: threaded opinions (ý kiến)."""

from __future__ import annotations

from aiohttp import web

from ...errors import ValidationFailed
from ...schemas.annotations import OpinionIn, OpinionOut, OpinionPatch
from ...services import opinions
from ...services.opinions import OpinionView
from ..api import MAX_ID, ApiRegistry, ApiRequest, IntQuery
from ..files import content_disposition

api = ApiRegistry()
TAGS = ("opinions",)
ID = r"{id:\d+}"


def opinion_out(view: OpinionView) -> OpinionOut:
    o = view.opinion
    return OpinionOut(
        id=o.id,
        meeting_id=o.meeting_id,
        agenda_item_id=o.agenda_item_id,
        document_id=o.document_id,
        parent_id=o.parent_id,
        author_id=o.author_id,
        author_name=view.author_name,
        organization=view.organization,
        body=o.body,
        deleted=o.deleted_at is not None,
        mine=view.mine,
        created_at=o.created_at,
        edited_at=o.edited_at,
    )


def _optional_id(req: ApiRequest, name: str) -> int | None:
    raw = req.query(name)
    if not raw:
        return None
    if not (raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise ValidationFailed(f"{name} must be an id.", code=f"invalid_{name}")
    return int(raw)


@api.route(
    "GET",
    f"/api/meetings/{ID}/opinions",
    summary="Opinions on the meeting's agenda items and documents you may see, oldest first",
    response=list[OpinionOut],
    tags=TAGS,
    query={
        "agenda_item_id": IntQuery("Only this item's", code="invalid_agenda_item_id"),
        "document_id": IntQuery("Only this document's", code="invalid_document_id"),
    },
)
async def list_opinions(req: ApiRequest) -> list[OpinionOut]:
    views = await opinions.list_opinions(
        req.services,
        req.actor,
        req.id(),
        agenda_item_id=_optional_id(req, "agenda_item_id"),
        document_id=_optional_id(req, "document_id"),
    )
    return [opinion_out(v) for v in views]


@api.route(
    "POST",
    f"/api/meetings/{ID}/opinions",
    summary="Give an opinion on an agenda item or a document, or reply to one",
    body=OpinionIn,
    response=OpinionOut,
    status=201,
    tags=TAGS,
)
async def post_opinion(req: ApiRequest) -> OpinionOut:
    return opinion_out(await opinions.post(req.services, req.actor, req.id(), req.body))


@api.route(
    "PATCH",
    f"/api/opinions/{ID}",
    summary="Edit your opinion",
    body=OpinionPatch,
    response=OpinionOut,
    tags=TAGS,
)
async def edit_opinion(req: ApiRequest) -> OpinionOut:
    body: OpinionPatch = req.body
    return opinion_out(await opinions.edit(req.services, req.actor, req.id(), body.body))


@api.route(
    "DELETE",
    f"/api/opinions/{ID}",
    summary="Delete your opinion (replies stay)",
    status=204,
    tags=TAGS,
)
async def delete_opinion(req: ApiRequest) -> None:
    await opinions.remove(req.services, req.actor, req.id())


@api.route(
    "GET",
    f"/api/meetings/{ID}/opinions/summary.pdf",
    summary="The summary of opinions per agenda item, as a PDF (secretaries)",
    tags=TAGS,
)
async def opinions_summary(req: ApiRequest) -> web.StreamResponse:
    data, filename = await opinions.summary_pdf(req.services, req.actor, req.id())
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
