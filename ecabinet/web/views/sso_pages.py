"""Signing in with an organization's OpenID provider: ``/auth/oidc/{provider}/login`` sends the
browser to the provider, ``/auth/oidc/{provider}/callback`` takes it back (docs/deploy.md,
"Single sign-on"). The rules are in ``services/sso.py`` and ``services/oidc.py``."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ...errors import DomainError
from ...services import sso
from ...services.oidc import OidcClient
from ..appkeys import services_key
from ..oidc_http import oidc_key
from ..session import client_address, optional_actor, rotate_csrf, set_session_cookie
from .pages import redirect, safe_next

routes = web.RouteTableDef()
BROWSER_COOKIE = "ecab_oidc"  # binds a login under way to the browser that started it
COOKIE_PATH = "/auth/oidc/"


def _cookie(request: web.Request) -> str:
    """``__Secure-`` over HTTPS (not ``__Host-``: the cookie is scoped to ``/auth/oidc/``)."""
    secure = request.app[services_key].settings.secure_cookies
    return f"__Secure-{BROWSER_COOKIE}" if secure else BROWSER_COOKIE


def providers_for_page(request: web.Request) -> list[dict[str, str]]:
    """The login page's "Sign in with …" buttons."""
    oidc: OidcClient = request.app[oidc_key]
    next_url = safe_next(request.query.get("next", "/"))
    return [
        {
            "label": p.label,
            "url": str(
                request.app.router["sso_login"]
                .url_for(provider=p.name)
                .with_query({"next": next_url} if next_url != "/" else {})
            ),
        }
        for p in oidc.providers.values()
    ]


def _forget_browser(request: web.Request, response: web.StreamResponse) -> None:
    secure = request.app[services_key].settings.secure_cookies
    response.del_cookie(_cookie(request), path=COOKIE_PATH, secure=secure, httponly=True)


def _redirect_uri(request: web.Request, provider: str) -> str:
    """Where the provider sends the browser back: under ECABINET_PUBLIC_URL when it is set (it
    must be registered at the provider exactly), else this request's own origin."""
    path = str(request.app.router["sso_callback"].url_for(provider=provider))
    base = request.app[services_key].settings.public_url.rstrip("/")
    return (base or f"{request.scheme}://{request.host}") + path


def _refusal(request: web.Request, exc: DomainError) -> web.StreamResponse:
    response = aiohttp_jinja2.render_template(
        "login.html",
        request,
        {
            "next": "/",
            "error": None,
            "sso_error": {"code": exc.code, "message": exc.message},
            "sso_providers": providers_for_page(request),
        },
        status=exc.status,
    )
    _forget_browser(request, response)
    return response


@routes.get("/auth/oidc/{provider}/login", name="sso_login")
async def sso_login(request: web.Request) -> web.StreamResponse:
    """A plain link (GET): it only starts a request whose callback this browser must finish."""
    svc = request.app[services_key]
    provider = request.match_info["provider"]
    try:
        start = await sso.begin_login(
            svc,
            request.app[oidc_key],
            provider,
            redirect_uri=_redirect_uri(request, provider),
            next_url=safe_next(request.query.get("next", "/")),
        )
    except DomainError as exc:
        return _refusal(request, exc)
    response = web.Response(status=303, headers={"Location": start.redirect_url})
    # Path-scoped (so not __Host-), HttpOnly, SameSite=Lax: the provider's redirect back is a
    # top-level GET, which Lax lets through; it lives as long as the request it binds.
    response.set_cookie(
        _cookie(request),
        start.browser_cookie,
        max_age=int(sso.LOGIN_TTL.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=svc.settings.secure_cookies,
    )
    return response


@routes.get("/auth/oidc/{provider}/callback", name="sso_callback")
async def sso_callback(request: web.Request) -> web.StreamResponse:
    svc = request.app[services_key]
    provider = request.match_info["provider"]
    query = request.query
    browser = request.cookies.get(_cookie(request), "")
    try:
        if "error" in query:
            raise sso.SsoRefused(
                f"The identity provider did not sign you in ({query['error'][:60]}).",
                code="sso_provider_error",
            )
        done = await sso.finish_login(
            svc,
            request.app[oidc_key],
            provider,
            code=query.get("code", "")[:2048],
            state=query.get("state", "")[:256],
            browser_cookie=browser[:256],
            redirect_uri=_redirect_uri(request, provider),
            address=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except DomainError as exc:
        return _refusal(request, exc)
    rotate_csrf(request)
    response = redirect(safe_next(done.next_url))
    set_session_cookie(response, request, done.login.cookie_value, done.login.expires_at)
    _forget_browser(request, response)
    return response


async def logout_offer(request: web.Request) -> sso.LogoutOffer | None:
    """Before the local session ends: the provider's logout, if it has one."""
    actor = await optional_actor(request)
    if actor is None or not request.app[oidc_key].providers:
        return None
    after = str(request.url.with_path(str(request.app.router["login"].url_for())).with_query({}))
    base = request.app[services_key].settings.public_url.rstrip("/")
    if base:
        after = base + str(request.app.router["login"].url_for())
    try:
        return await sso.logout_offer(
            request.app[services_key], request.app[oidc_key], actor.session_id, after=after
        )
    except DomainError:
        return None  # the provider is unreachable: the local logout still happens
