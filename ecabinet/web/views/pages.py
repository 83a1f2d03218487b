"""Browser pages: login, home, language choice, API docs."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from ...errors import DomainError, TooManyRequests, Unauthorized
from ...models import Endpoint, Organization, User
from ...services import auth, directory, meetings, room_door, task_dashboard, todo
from ..appkeys import services_key
from ..i18n import LANGUAGES
from ..session import (
    clear_session_cookie,
    client_address,
    optional_actor,
    require_actor,
    rotate_csrf,
    set_session_cookie,
)
from .tasks_api import task_filter

routes = web.RouteTableDef()


def redirect(target: str) -> web.Response:
    """A 303 returned (not raised), so middlewares still add cookies and headers to it."""
    return web.Response(status=303, headers={"Location": target})


def safe_next(value: str) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@routes.get("/login", name="login")
async def login_page(request: web.Request) -> web.StreamResponse:
    from .sso_pages import providers_for_page

    if await optional_actor(request) is not None:
        return redirect(safe_next(request.query.get("next", "/")))
    return aiohttp_jinja2.render_template(
        "login.html",
        request,
        {
            "next": safe_next(request.query.get("next", "/")),
            "error": None,
            "sso_providers": providers_for_page(request),
        },
    )


@routes.post("/login", name="login_submit")
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    svc = request.app[services_key]
    try:
        result = await auth.login_browser(
            svc,
            username[:64],
            password[:1024],
            address=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except (Unauthorized, TooManyRequests) as exc:
        from .sso_pages import providers_for_page

        response = aiohttp_jinja2.render_template(
            "login.html",
            request,
            {
                "next": target,
                "error": exc.message,
                "username": username[:64],
                "sso_providers": providers_for_page(request),
            },
            status=exc.status,
        )
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    rotate_csrf(request)
    if result.actor.must_change_password:
        password_page = request.app.router["account_password"].url_for()
        target = str(password_page.with_query(next=target))
    response = redirect(target)
    set_session_cookie(response, request, result.cookie_value, result.expires_at)
    return response


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Ends the local session; after a single sign-on whose provider offers it, the page then
    offers the provider's logout too (a link: the CSP's form-action keeps form posts here)."""
    from .sso_pages import logout_offer

    actor = await optional_actor(request)
    offer = await logout_offer(request)
    if actor is not None:
        await auth.logout(request.app[services_key], actor)
    rotate_csrf(request)
    if offer is not None:
        response = aiohttp_jinja2.render_template("logged_out.html", request, {"offer": offer})
    else:
        response = redirect(str(request.app.router["login"].url_for()))
    clear_session_cookie(response, request)
    return response


@routes.post("/language", name="language")
async def choose_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        raise DomainError("Unknown language.", code="unknown_language")
    actor = await optional_actor(request)
    if actor is not None:
        await directory.set_language(request.app[services_key], actor, language)
    response = redirect(safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        "lang", language, max_age=365 * 24 * 3600, path="/", samesite="Lax", httponly=True
    )
    return response


@routes.get("/", name="home")
@aiohttp_jinja2.template("home.html")
async def home(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    async with svc.db.reading() as session:
        organization = await session.get(Organization, actor.organization_id)
        counts = {
            "organizations": await session.scalar(select(func.count()).select_from(Organization)),
            "endpoints": await session.scalar(
                select(func.count()).select_from(Endpoint).where(Endpoint.is_active.is_(True))
            ),
            "users": await session.scalar(
                select(func.count()).select_from(User).where(User.is_active.is_(True))
            ),
        }
        user = await session.get(User, actor.user_id)
    upcoming = await meetings.next_meetings(svc, actor)
    board = await task_dashboard.dashboard(svc, actor, task_dashboard.TaskFilter())
    # The to-do's tasks are the tasks page's list under the filter of the link to it.
    due_by = svc.clock.now().astimezone(svc.settings.zone) + todo.TASKS_AHEAD
    tasks_query = {
        "organization_id": str(actor.organization_id),
        "status": "open",
        "due_to": due_by.date().isoformat(),
    }
    things = await todo.todo(svc, actor, task_filter(svc, lambda k: tasks_query.get(k, "")))
    return {
        "organization": organization,
        "counts": counts,
        "user": user,
        "upcoming": upcoming,
        "entrances": await room_door.entrances(svc, actor, upcoming),
        "local": lambda dt: dt.astimezone(svc.settings.zone),
        "tasks": board.total,
        "todo": things,
        "tasks_query": tasks_query,
    }


@routes.get("/docs/api", name="api_docs")
@aiohttp_jinja2.template("api_docs.html")
async def api_docs(request: web.Request) -> dict[str, Any]:
    from ..routes import openapi_document

    return {"spec": openapi_document(request.app)}


@routes.get("/api/openapi.json", name="openapi")
async def openapi(request: web.Request) -> web.StreamResponse:
    from ..routes import openapi_document

    return web.json_response(openapi_document(request.app))


@routes.get("/healthz", name="healthz")
async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})
