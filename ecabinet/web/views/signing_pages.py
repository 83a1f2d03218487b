"""Pages: verify a signed PDF (anyone logged in); the audit log (auditors)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ...errors import DomainError
from ...services import audit_log, verification
from ...services.permissions import Permission
from ..appkeys import services_key
from ..file_body import read_form_file
from ..session import require_actor
from .signing_api import audit_filter

routes = web.RouteTableDef()


@routes.get("/verify", name="verify")
async def verify_page(request: web.Request) -> web.StreamResponse:
    await require_actor(request)
    return aiohttp_jinja2.render_template("signing/verify.html", request, {"report": None})


@routes.post("/verify", name="verify_submit")
async def verify_submit(request: web.Request) -> web.StreamResponse:
    await require_actor(request)
    svc = request.app[services_key]
    try:
        data = await read_form_file(request, limit=svc.settings.max_verify_upload)
    except DomainError as exc:
        return aiohttp_jinja2.render_template(
            "signing/verify.html",
            request,
            {"report": None, "error": exc.message, "error_code": exc.code},
            status=exc.status,
        )
    report = await verification.verify(svc, data)
    return aiohttp_jinja2.render_template(
        "signing/verify.html",
        request,
        {"report": report, "label": verification.label},
    )


@routes.get("/admin/audit", name="admin_audit")
async def audit_page(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    actor.require(Permission.AUDIT_VIEW)
    svc = request.app[services_key]

    def get(name: str) -> str:
        return request.query.get(name, "")[:200]

    f = audit_filter(get)
    events = await audit_log.list_events(svc, actor, f)
    chain = await audit_log.verify(svc, actor) if get("verify") else None
    return aiohttp_jinja2.render_template(
        "admin/audit.html",
        request,
        {
            "events": events,
            "filter": f,
            "chain": chain,
            "names": await audit_log.actor_names(svc, events),
        },
    )
