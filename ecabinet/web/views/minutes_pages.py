"""Minutes pages: the secretary's page (versions, editor, diff, review, approval with the signing
order), the reviewer's view with comments, and the signer's "sign now" page. Forms post back
here; the rules are in the services (a refused step re-renders the page with the reason)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from pydantic import BaseModel, ValidationError
from yarl import URL

from ...errors import DomainError, NotFound, ValidationFailed
from ...schemas.minutes import ApproveIn, CommentIn, ReviewIn, VersionIn
from ...services import meetings, minutes, minutes_render, minutes_signing, pki
from ...services.minutes_view import MinutesView, threads
from ..appkeys import services_key
from ..i18n import error_text, request_language, translate
from ..session import require_actor
from .pages import redirect

routes = web.RouteTableDef()
ID = r"{id:\d{1,10}}"
SIGNER_SLOTS = 6
NOTICES = {
    "created": "The first draft was written from the session's record.",
    "saved": "A new version was saved.",
    "sent": "The version was sent for review.",
    "commented": "Your comment was added.",
    "approved": "The version was approved and is ready for signature.",
    "signed": "Your signature was added.",
}


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _parse(model: type[BaseModel], raw: dict[str, Any]) -> Any:
    try:
        return model.model_validate_json(json.dumps(raw))
    except ValidationError as exc:
        raise ValidationFailed(
            "; ".join(str(e["msg"]) for e in exc.errors(include_url=False))
        ) from exc


def _int(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < len(text) < 10 else None


async def _page(
    request: web.Request,
    minutes_id: int,
    *,
    error: DomainError | None = None,
    form: dict[str, str] | None = None,
) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    view = await minutes.get(svc, actor, minutes_id)
    shown = _int(request.query.get("v")) or view.latest_version
    version = await minutes.version(svc, actor, minutes_id, shown)
    latest = version
    if shown != view.latest_version:
        latest = await minutes.version(svc, actor, minutes_id, view.latest_version)
    language = request_language(request, svc.settings.default_language)
    context = {
        "v": view,
        "version": version,
        "editor_text": latest.content,
        "blocks": minutes_render.blocks(version.content),
        "threads": threads(await minutes.comments(svc, actor, minutes_id), shown),
        "default_signers": _default_signers(view, actor.user_id),
        "unanswered": await _unanswered(svc, actor, minutes_id, view.latest_version)
        if view.you.is_secretary and view.status == "in_review"
        else [],
        "signer_slots": range(SIGNER_SLOTS),
        "notice": NOTICES.get(request.query.get("notice", "")),
        "error": error_text(language, error.code, error.message) if error else "",
        "form": form or {},
        "local": lambda dt: dt.astimezone(svc.settings.zone),
    }
    return aiohttp_jinja2.render_template(
        "minutes/minutes.html", request, context, status=error.status if error else 200
    )


async def _unanswered(svc: Any, actor: Any, minutes_id: int, version: int) -> list[Any]:
    """The comment threads on ``version`` nobody has answered (the approval form warns of them)."""
    shown = threads(await minutes.comments(svc, actor, minutes_id), version)
    return [t for t in shown if not t.replies and t.first.author_id != actor.user_id]


def _default_signers(view: MinutesView, secretary_id: int) -> list[int]:
    """The secretary, then the chair (last)."""
    if view.chair_id is None or view.chair_id == secretary_id:
        return [secretary_id]
    return [secretary_id, view.chair_id]


@routes.get(f"/meetings/{ID}/minutes", name="meeting_minutes")
async def meeting_minutes(request: web.Request) -> web.StreamResponse:
    """The meeting's minutes, or (for its secretary) the button that starts them."""
    actor = await require_actor(request)
    svc = request.app[services_key]
    try:
        view = await minutes.get_for_meeting(svc, actor, _id(request))
    except NotFound as exc:
        if exc.code != "minutes_not_found":
            raise
        detail = await meetings.get_meeting(svc, actor, _id(request))
        return aiohttp_jinja2.render_template(
            "minutes/start.html", request, {"m": detail.meeting, "can_edit": detail.can_edit}
        )
    return redirect(f"/minutes/{view.id}")


@routes.post(f"/meetings/{ID}/minutes", name="meeting_minutes_create")
async def create_minutes(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    view = await minutes.create(request.app[services_key], actor, _id(request))
    return redirect(f"/minutes/{view.id}?notice=created")


@routes.get(f"/minutes/{ID}", name="minutes")
async def minutes_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, _id(request))


async def _act(request: web.Request, step: Any, notice: str) -> web.StreamResponse:
    """Run one step from a form; on refusal show the page again with the reason."""
    minutes_id = _id(request)
    form = {k: str(v)[:200_000] for k, v in (await request.post()).items()}
    try:
        await step(request.app[services_key], await require_actor(request), minutes_id, form)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return await _page(request, minutes_id, error=exc, form=form)
    return redirect(f"/minutes/{minutes_id}?notice={notice}")


@routes.post(f"/minutes/{ID}/versions", name="minutes_save")
async def save_version(request: web.Request) -> web.StreamResponse:
    async def step(svc: Any, actor: Any, minutes_id: int, form: dict[str, str]) -> None:
        data = _parse(
            VersionIn,
            {
                "content": form.get("content", ""),
                "base_version": _int(form.get("base_version")),
                "note": form.get("note", "")[:500],
            },
        )
        await minutes.save(svc, actor, minutes_id, data)

    return await _act(request, step, "saved")


@routes.post(f"/minutes/{ID}/review", name="minutes_review")
async def send_for_review(request: web.Request) -> web.StreamResponse:
    minutes_id = _id(request)
    form = await request.post()
    reviewers = [i for i in (_int(v) for v in form.getall("reviewer", [])) if i]
    try:
        data = _parse(ReviewIn, {"reviewer_ids": reviewers})
        await minutes.send_for_review(
            request.app[services_key], await require_actor(request), minutes_id, data
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        return await _page(request, minutes_id, error=exc)
    return redirect(f"/minutes/{minutes_id}?notice=sent")


@routes.post(f"/minutes/{ID}/comments", name="minutes_comment")
async def add_comment(request: web.Request) -> web.StreamResponse:
    async def step(svc: Any, actor: Any, minutes_id: int, form: dict[str, str]) -> None:
        data = _parse(
            CommentIn,
            {
                "body": form.get("body", ""),
                "section": form.get("section", "")[:300],
                "changes_requested": form.get("changes_requested") == "1",
                "reply_to": _int(form.get("reply_to", "")),
            },
        )
        await minutes.comment(svc, actor, minutes_id, data)

    return await _act(request, step, "commented")


@routes.post(f"/minutes/{ID}/approve", name="minutes_approve")
async def approve(request: web.Request) -> web.StreamResponse:
    async def step(svc: Any, actor: Any, minutes_id: int, form: dict[str, str]) -> None:
        order = [_int(form.get(f"signer_{n}")) for n in range(SIGNER_SLOTS)]
        signers = [i for i in order if i]
        data = _parse(
            ApproveIn,
            {"version": _int(form.get("version")) or 0, "signer_ids": signers or None},
        )
        unanswered = await _unanswered(svc, actor, minutes_id, data.version)
        if unanswered and form.get("confirm_open") != "1":
            raise ValidationFailed(
                f"{len(unanswered)} comments have no answer yet: read them, or confirm that you"
                " approve anyway.",
                code="open_comments",
            )
        await minutes_signing.approve(svc, actor, minutes_id, data)

    return await _act(request, step, "approved")


@routes.get(f"/minutes/{ID}/diff", name="minutes_diff")
@aiohttp_jinja2.template("minutes/diff.html")
async def diff_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    minutes_id = _id(request)
    view = await minutes.get(svc, actor, minutes_id)
    old = _int(request.query.get("from")) or max(view.latest_version - 1, 1)
    new = _int(request.query.get("to")) or view.latest_version
    change, a, b = await minutes.diff(svc, actor, minutes_id, old, new)
    return {
        "v": view,
        "change": change,
        "rows": minutes_render.side_by_side(a.content, b.content),
        "a": a,
        "b": b,
        "notice": None,
        "error": "",
    }


# What the token signing script shows (static/js/sign_token.js), translated with the page.
SIGN_TOKEN_TEXTS = (
    "Preparing the signature…",
    "Confirm on your signing agent: check the meeting, the document and the digest it shows.",
    "Checking the signature…",
    "Signed.",
    "The signing agent does not answer on this computer. Start it (python -m ecabinet.signer) "
    "with your token plugged in, then try again.",
    "You did not confirm on the signing agent; nothing was signed.",
    "Your token's certificate is registered: you sign with it from now on.",
)
CSP_WITH_AGENT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' {agent}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@routes.get(f"/minutes/{ID}/sign", name="minutes_sign")
async def sign_page(request: web.Request) -> web.StreamResponse:
    return await _sign_page(request)


async def _sign_page(request: web.Request, error: DomainError | None = None) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    view = await minutes.get(svc, actor, _id(request))
    current = next((r for r in reversed(view.rounds) if r.status != "void"), None)
    language = request_language(request, svc.settings.default_language)
    device = await pki.signs_with_device(svc, actor.user_id)
    agent = svc.settings.signer_agent_url
    response = aiohttp_jinja2.render_template(
        "minutes/sign.html",
        request,
        {
            "v": view,
            "round": current,
            "notice": NOTICES.get(request.query.get("notice", "")),
            "error": error_text(language, error.code, error.message) if error else "",
            "local": lambda dt: dt.astimezone(svc.settings.zone),
            "signs_with_device": device,
            "agent_url": agent,
            "token_strings": {t: translate(language, t) for t in SIGN_TOKEN_TEXTS},
        },
        status=error.status if error else 200,
    )
    # This page alone may call the signing agent on the signer's computer.
    origin = URL(agent).origin()
    response.headers["Content-Security-Policy"] = CSP_WITH_AGENT.format(agent=origin)
    return response


@routes.post(f"/minutes/{ID}/sign", name="minutes_sign_now")
async def sign_now(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    form = await request.post()
    password = form.get("password")
    try:
        if not isinstance(password, str) or not password:
            raise ValidationFailed(
                "Enter your password to confirm the signature.", code="signing_password_missing"
            )
        svc = request.app[services_key]
        await minutes_signing.sign_confirmed(svc, actor, _id(request), password[:1024])
    except DomainError as exc:
        if exc.status == 404:
            raise
        return await _sign_page(request, exc)
    return redirect(f"/minutes/{_id(request)}/sign?notice=signed")
