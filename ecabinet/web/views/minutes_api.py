"""``/api/meetings/{id}/minutes`` and ``/api/minutes/*``: the minutes (biên bản) — versions,
diff, review and comments, approval with the signing order, signing in turn, the PDF."""

from __future__ import annotations

from aiohttp import web

from ...errors import ValidationFailed
from ...files.names import content_disposition
from ...schemas.minutes import ApproveIn, CommentIn, ReviewIn, VersionIn
from ...schemas.signing import SignIn
from ...services import minutes, minutes_signing
from ...services.minutes_render import Diff
from ...services.minutes_view import CommentView, MinutesView, VersionDetail
from ..api import ApiRegistry, ApiRequest, IntQuery

api = ApiRegistry()
TAGS = ("minutes",)
M = r"/api/minutes/{id:\d+}"


def version_number(req: ApiRequest, name: str, *, required: bool = True) -> int | None:
    raw = req.query(name)
    if not raw and not required:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise ValidationFailed(f"'{name}' must be a version number.", code="bad_version")
    return int(raw)


@api.route(
    "POST",
    r"/api/meetings/{id:\d+}/minutes",
    summary="Start the minutes of a held meeting (version 1 is written from the session)",
    response=MinutesView,
    status=201,
    tags=TAGS,
)
async def create_minutes(req: ApiRequest) -> MinutesView:
    return await minutes.create(req.services, req.actor, req.id())


@api.route(
    "GET",
    r"/api/meetings/{id:\d+}/minutes",
    summary="The meeting's minutes: status, versions, reviewers, signing rounds",
    response=MinutesView,
    tags=TAGS,
)
async def meeting_minutes(req: ApiRequest) -> MinutesView:
    return await minutes.get_for_meeting(req.services, req.actor, req.id())


@api.route("GET", M, summary="Minutes by id", response=MinutesView, tags=TAGS)
async def get_minutes(req: ApiRequest) -> MinutesView:
    return await minutes.get(req.services, req.actor, req.id())


@api.route(
    "POST",
    f"{M}/versions",
    summary="Save a new version (after approval this voids the open signing round)",
    body=VersionIn,
    response=MinutesView,
    status=201,
    tags=TAGS,
)
async def save_version(req: ApiRequest) -> MinutesView:
    return await minutes.save(req.services, req.actor, req.id(), req.body)


@api.route(
    "GET",
    rf"{M}/versions/{{number:\d+}}",
    summary="One version's text",
    response=VersionDetail,
    tags=TAGS,
)
async def get_version(req: ApiRequest) -> VersionDetail:
    return await minutes.version(req.services, req.actor, req.id(), req.id("number"))


@api.route(
    "GET",
    f"{M}/diff",
    summary="What changed between two versions (unified diff lines)",
    response=Diff,
    tags=TAGS,
    query={
        "from": IntQuery("the older version number", code="bad_version", required=True),
        "to": IntQuery("the newer version number", code="bad_version", required=True),
    },
)
async def diff_versions(req: ApiRequest) -> Diff:
    old, new = version_number(req, "from"), version_number(req, "to")
    assert old is not None and new is not None
    change, _, _ = await minutes.diff(req.services, req.actor, req.id(), old, new)
    return change


@api.route(
    "POST",
    f"{M}/review",
    summary="Send the latest version to reviewers (participants of the meeting)",
    body=ReviewIn,
    response=MinutesView,
    tags=TAGS,
)
async def send_for_review(req: ApiRequest) -> MinutesView:
    return await minutes.send_for_review(req.services, req.actor, req.id(), req.body)


@api.route(
    "GET",
    f"{M}/comments",
    summary="Reviewers' comments, oldest first",
    response=list[CommentView],
    tags=TAGS,
    query={"version": IntQuery("only this version's comments", code="bad_version")},
)
async def list_comments(req: ApiRequest) -> list[CommentView]:
    number = version_number(req, "version", required=False)
    return await minutes.comments(req.services, req.actor, req.id(), number)


@api.route(
    "POST",
    f"{M}/comments",
    summary="Comment on the version under review (optionally on a section, or ask for changes)",
    body=CommentIn,
    response=CommentView,
    status=201,
    tags=TAGS,
)
async def add_comment(req: ApiRequest) -> CommentView:
    return await minutes.comment(req.services, req.actor, req.id(), req.body)


@api.route(
    "POST",
    f"{M}/approve",
    summary="Approve the latest version for signature, with the signing order (chair last)",
    body=ApproveIn,
    response=MinutesView,
    tags=TAGS,
)
async def approve(req: ApiRequest) -> MinutesView:
    return await minutes_signing.approve(req.services, req.actor, req.id(), req.body)


@api.route(
    "POST",
    f"{M}/sign",
    summary="Add my signature when it is my turn, confirmed with my password (the chair's, "
    "last, makes the minutes final)",
    body=SignIn,
    response=MinutesView,
    tags=TAGS,
)
async def sign(req: ApiRequest) -> MinutesView:
    return await minutes_signing.sign_confirmed(
        req.services, req.actor, req.id(), req.body.password
    )


@api.route(
    "GET",
    f"{M}/pdf",
    summary="The PDF as it stands (with the signatures so far)",
    tags=TAGS,
    errors=(409,),  # minutes_not_approved
)
async def minutes_pdf(req: ApiRequest) -> web.StreamResponse:
    found = await minutes_signing.pdf(req.services, req.actor, req.id())
    return web.Response(
        body=found.data,
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(found.filename, inline=True),
            "ETag": f'"{found.sha256}"',
            "Cache-Control": "no-store",
        },
    )
