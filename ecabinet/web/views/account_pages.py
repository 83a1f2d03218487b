"""The user's own account: change password (forced after a generated one)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ...errors import DomainError, ValidationFailed
from ...services import account
from ..access import access_ended
from ..appkeys import services_key
from ..session import require_actor
from .pages import redirect, safe_next

routes = web.RouteTableDef()


@routes.get("/account/password", name="account_password")
async def password_page(request: web.Request) -> web.StreamResponse:
    await require_actor(request)
    return aiohttp_jinja2.render_template(
        "account/password.html", request, {"next": safe_next(request.query.get("next", "/"))}
    )


@routes.post("/account/password", name="account_password_submit")
async def change_password(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    form = await request.post()
    current, new, again = (str(form.get(k, ""))[:1024] for k in ("current", "new", "again"))
    target = safe_next(str(form.get("next", "/")))
    try:
        if new != again:
            raise ValidationFailed("The two new passwords differ.", code="password_mismatch")
        await account.change_password(request.app[services_key], actor, current, new)
    except DomainError as exc:
        return aiohttp_jinja2.render_template(
            "account/password.html",
            request,
            {"next": target, "error": exc.message, "error_code": exc.code},
            status=exc.status if exc.status != 401 else 400,
        )
    await access_ended(request.app, actor.user_id, keep_session=actor.session_id)
    return redirect(target)
