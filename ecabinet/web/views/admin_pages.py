"""Administration pages: organizations, users, endpoints. Each form posts to a service action."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from pydantic import BaseModel, ValidationError

from ...errors import DomainError, NotFound, ValidationFailed
from ...models import OrganizationLevel, Role
from ...schemas.directory import (
    EndpointIn,
    EndpointPatch,
    OrganizationIn,
    OrganizationPatch,
    UserIn,
    UserPatch,
)
from ...schemas.sso import SsoLinkIn
from ...services import directory, org_browse, pki, signer_certificates, sso
from ...services.actor import Actor
from ...services.permissions import Permission
from ..access import access_ended
from ..appkeys import services_key
from ..session import require_actor

routes = web.RouteTableDef()


async def _admin(request: web.Request, permission: Permission) -> Actor:
    actor = await require_actor(request)
    actor.require(permission)
    return actor


async def _form(
    request: web.Request, model: type[BaseModel], *, clearable: dict[str, Any] | None = None
) -> Any:
    """Parse a form into ``model``. Empty fields are left out, except those in ``clearable``,
    which an edit form may empty on purpose: they map to the given value (e.g. "" or None)."""
    form = await request.post()
    clearable = clearable or {}
    data: dict[str, Any] = {
        k: v.strip()
        for k, v in form.items()
        if isinstance(v, str) and k != "csrf_token" and v.strip() != ""
    }
    for key, empty in clearable.items():
        if key in form and key not in data:
            data[key] = empty
    try:
        return model.model_validate(data, strict=False)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"{field}: {first['msg']}", code="validation_failed") from exc


def _path_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 10:
        raise NotFound("Not found.")
    return int(raw)


async def _directory(request: web.Request, actor: Actor) -> dict[str, Any]:
    svc = request.app[services_key]
    orgs = await directory.list_organizations(svc, actor)
    return {
        "organizations": orgs,
        "org_names": {o.id: o.name for o in orgs},
        "levels": list(OrganizationLevel),
        "roles": list(Role),
    }


async def _render(
    request: web.Request, template: str, actor: Actor, extra: dict[str, Any], status: int = 200
) -> web.StreamResponse:
    svc = request.app[services_key]
    context = await _directory(request, actor)
    if template == "admin/users.html":
        context["users"] = await directory.list_users(svc, actor)
        if actor.can(Permission.SIGNER_CERTIFICATE_ISSUE):
            context["certificates"] = await signer_certificates.current_by_user(svc, actor)
            context["local"] = lambda dt: dt.astimezone(svc.settings.zone)
    if template == "admin/organizations.html":
        context.update(await _org_listing(request, actor))
    if template == "admin/endpoints.html":
        context["endpoints"] = await directory.list_endpoints(svc, actor)
        context["operators"] = [
            u for u in await directory.list_users(svc, actor) if u.role == Role.OPERATOR
        ]
    context.update(extra)
    context["editing"] = _editing(request, context)
    if template == "admin/users.html" and context["editing"] and svc.settings.oidc_providers:
        context["sso_providers"] = svc.settings.oidc_providers
        context["sso_links"] = await sso.links_of(svc, context["editing"].id)
        context["local"] = lambda dt: dt.astimezone(svc.settings.zone)
    return aiohttp_jinja2.render_template(template, request, context, status=status)


def _editing(request: web.Request, context: dict[str, Any]) -> Any:
    """The object whose edit form is shown (``?edit=ID``, or the one just posted to)."""
    raw = request.match_info.get("id") or request.query.get("edit", "")
    if not raw.isdigit() or len(raw) > 10:
        return None
    listing = context.get("users") or context.get("endpoints") or context.get("organizations")
    found = next((item for item in listing or () if item.id == int(raw)), None)
    if found is None:
        raise NotFound("Not found.")
    return found


async def _submit(
    request: web.Request, template: str, permission: Permission, apply: Any
) -> web.StreamResponse:
    actor = await _admin(request, permission)
    try:
        extra = await apply(actor)
    except DomainError as exc:
        return await _render(
            request, template, actor, {"error": exc.message, "error_code": exc.code}, exc.status
        )
    return await _render(request, template, actor, {"notice": "Saved.", **(extra or {})})


def _org_query(request: web.Request) -> org_browse.OrganizationQuery:
    """``?q=&level=&parent=&page=`` → the slice of the directory to show (bad values ignored)."""
    query = request.query
    level = query.get("level", "")
    parent, page = query.get("parent", ""), query.get("page", "")
    return org_browse.OrganizationQuery(
        text=query.get("q", "")[: org_browse.MAX_QUERY],
        level=OrganizationLevel(level) if level in set(OrganizationLevel) else None,
        parent_id=int(parent) if parent.isdigit() and len(parent) < 10 else None,
        page=int(page) if page.isdigit() and len(page) < 6 else 1,
    )


async def _org_listing(request: web.Request, actor: Actor) -> dict[str, Any]:
    svc = request.app[services_key]
    return {
        "found": await org_browse.browse(svc, actor, _org_query(request)),
        "parent_groups": await org_browse.parent_choices(svc, actor),
    }


@routes.get("/admin/organizations", name="admin_organizations")
async def organizations(request: web.Request) -> web.StreamResponse:
    actor = await _admin(request, Permission.ORGANIZATION_MANAGE)
    return await _render(request, "admin/organizations.html", actor, {})


@routes.post("/admin/organizations", name="admin_organizations_create")
async def create_organization(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> None:
        data = await _form(request, OrganizationIn)
        await directory.create_organization(request.app[services_key], actor, data)

    return await _submit(request, "admin/organizations.html", Permission.ORGANIZATION_MANAGE, apply)


@routes.get("/admin/users", name="admin_users")
async def users(request: web.Request) -> web.StreamResponse:
    actor = await _admin(request, Permission.USER_MANAGE)
    return await _render(request, "admin/users.html", actor, {})


@routes.post("/admin/users", name="admin_users_create")
async def create_user(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> dict[str, Any]:
        data = await _form(request, UserIn)
        user, password = await directory.create_user(request.app[services_key], actor, data)
        return {"new_password": password, "password_user": user.username} if password else {}

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}/active", name="admin_users_active")
async def set_active(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> None:
        form = await request.post()
        patch = UserPatch(is_active=form.get("is_active") == "true")
        await directory.update_user(request.app[services_key], actor, _path_id(request), patch)
        if patch.is_active is False:
            await access_ended(request.app, _path_id(request))

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}/reset-password", name="admin_users_reset")
async def reset_password(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> dict[str, Any]:
        svc = request.app[services_key]
        user_id = _path_id(request)
        password = await directory.reset_password(svc, actor, user_id)
        await access_ended(request.app, user_id)
        async with svc.db.reading() as session:
            user = await directory.get_user(session, user_id)
        return {"new_password": password, "password_user": user.username}

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}/certificate", name="admin_users_certificate")
async def issue_certificate(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> dict[str, Any]:
        await pki.issue_certificate(request.app[services_key], actor, _path_id(request))
        return {"notice": "A signing certificate was issued."}

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}/certificate/revoke", name="admin_users_certificate_revoke")
async def revoke_certificate(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> dict[str, Any]:
        await signer_certificates.revoke(request.app[services_key], actor, _path_id(request))
        return {"notice": "The signing certificate was revoked."}

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}/sso-links", name="admin_users_sso_link")
async def sso_link(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> dict[str, Any]:
        data = await _form(request, SsoLinkIn)
        svc = request.app[services_key]
        await sso.link_user(
            svc, actor, svc.settings.oidc_providers, _path_id(request), data.provider, data.subject
        )
        return {}

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}/sso-links/{link_id:\d+}/delete", name="admin_users_sso_unlink")
async def sso_unlink(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> dict[str, Any]:
        link_id = request.match_info["link_id"]
        if len(link_id) > 10:
            raise NotFound("Not found.")
        await sso.unlink_user(request.app[services_key], actor, _path_id(request), int(link_id))
        return {}

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.get("/admin/endpoints", name="admin_endpoints")
async def endpoints(request: web.Request) -> web.StreamResponse:
    actor = await _admin(request, Permission.ENDPOINT_MANAGE)
    return await _render(request, "admin/endpoints.html", actor, {})


@routes.post("/admin/endpoints", name="admin_endpoints_create")
async def create_endpoint(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> None:
        data = await _form(request, EndpointIn)
        await directory.create_endpoint(request.app[services_key], actor, data)

    return await _submit(request, "admin/endpoints.html", Permission.ENDPOINT_MANAGE, apply)


@routes.post(r"/admin/organizations/{id:\d+}", name="admin_organizations_update")
async def update_organization(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> None:
        patch = await _form(request, OrganizationPatch, clearable={"parent_id": None})
        svc = request.app[services_key]
        await directory.update_organization(svc, actor, _path_id(request), patch)

    return await _submit(request, "admin/organizations.html", Permission.ORGANIZATION_MANAGE, apply)


@routes.post(r"/admin/users/{id:\d+}", name="admin_users_update")
async def update_user(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> None:
        patch = await _form(request, UserPatch, clearable={"title": "", "email": None})
        await directory.update_user(request.app[services_key], actor, _path_id(request), patch)

    return await _submit(request, "admin/users.html", Permission.USER_MANAGE, apply)


@routes.post(r"/admin/endpoints/{id:\d+}", name="admin_endpoints_update")
async def update_endpoint(request: web.Request) -> web.StreamResponse:
    async def apply(actor: Actor) -> None:
        patch = await _form(request, EndpointPatch, clearable={"location": "", "operator_id": None})
        svc = request.app[services_key]
        await directory.update_endpoint(svc, actor, _path_id(request), patch)

    return await _submit(request, "admin/endpoints.html", Permission.ENDPOINT_MANAGE, apply)
