"""Who is making this request: a Bearer access token, or the browser's session cookie.

CSRF: a browser gets a random nonce in an HttpOnly cookie; the token it must echo on every
state-changing request (form field ``csrf_token`` or header ``X-CSRF-Token``) is an HMAC of that
nonce under a server key. Requests authenticated with a Bearer token carry no ambient credential
and need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from aiohttp import web

from ..errors import Forbidden, Unauthorized
from ..logs import user_id_var
from ..services import auth
from ..services.actor import Actor
from ..services.context import Services
from . import proxies
from .appkeys import actor_key, csrf_nonce_key, services_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _services(request: web.Request) -> Services:
    return request.app[services_key]


def cookie_name(request: web.Request, base: str) -> str:
    return f"__Host-{base}" if _services(request).settings.secure_cookies else base


def client_address(request: web.Request) -> str:
    """The client's address (``X-Forwarded-For`` only from ``ECABINET_TRUSTED_PROXIES``)."""
    return proxies.client_address(request, _services(request).settings.trusted_proxies)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def optional_actor(request: web.Request) -> Actor | None:
    """The authenticated actor, or None; an invalid Bearer token is an error, not anonymity."""
    if actor_key in request:
        return request[actor_key]
    svc = _services(request)
    actor: Actor | None = None
    token = bearer_token(request)
    if token is not None:
        actor = await auth.actor_from_access_token(svc, token, address=client_address(request))
    elif request.headers.get("Authorization"):
        raise Unauthorized("Use 'Authorization: Bearer <token>'.", code="invalid_authorization")
    else:
        cookie = request.cookies.get(cookie_name(request, "ecab_session"))
        if cookie:
            try:
                actor = await auth.actor_from_cookie(svc, cookie, address=client_address(request))
            except Unauthorized:
                actor = None
    request[actor_key] = actor
    user_id_var.set(actor.user_id if actor is not None else None)
    return actor


async def require_actor(request: web.Request) -> Actor:
    actor = await optional_actor(request)
    if actor is None:
        raise Unauthorized("You are not logged in.", code="not_authenticated")
    return actor


# ---------------------------------------------------------------- CSRF


def _csrf_for(request: web.Request, nonce: str) -> str:
    key = _services(request).keys.hmac_key("csrf")
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def csrf_nonce(request: web.Request) -> str:
    """The browser's nonce; a new one is minted (and set on the response) if it has none."""
    if csrf_nonce_key in request:
        return request[csrf_nonce_key]
    nonce = request.cookies.get(cookie_name(request, "ecab_csrf"), "")
    if len(nonce) < 16:
        nonce = secrets.token_urlsafe(24)
    request[csrf_nonce_key] = nonce
    return nonce


def csrf_token(request: web.Request) -> str:
    return _csrf_for(request, csrf_nonce(request))


def rotate_csrf(request: web.Request) -> None:
    """A fresh nonce at login and logout, so a token seen before login is worthless after it."""
    request[csrf_nonce_key] = secrets.token_urlsafe(24)


async def check_csrf(request: web.Request) -> None:
    """Refuse a state-changing request that could have been forged by another site.

    Exempt: safe methods; requests that match no route (they are answered 404/405 and change
    nothing); Bearer-authenticated requests; and requests without a session cookie that are
    JSON or go to the JSON API (no ambient credential to abuse: the API sets no cookies, an
    anonymous API call is refused with 401, and another site cannot send JSON cross-origin
    without a CORS preflight, which this server never grants). Browser forms without a session
    still need the token, so a login form cannot be forged.
    """
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    if request.match_info.http_exception is not None:
        return
    has_session = cookie_name(request, "ecab_session") in request.cookies
    if not has_session and (
        request.content_type == "application/json" or request.path.startswith("/api/")
    ):
        return
    nonce = request.cookies.get(cookie_name(request, "ecab_csrf"), "")
    submitted = request.headers.get("X-CSRF-Token", "")
    if not submitted and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get("csrf_token", "")
        submitted = value if isinstance(value, str) else ""
    if (
        not nonce
        or not submitted
        or not secrets.compare_digest(_csrf_for(request, nonce), submitted)
    ):
        raise Forbidden(
            "The form has expired or did not come from this site. Reload the page and try again.",
            code="csrf_failed",
        )


def set_cookies(response: web.StreamResponse, request: web.Request) -> None:
    """Write the CSRF nonce cookie if this request minted or rotated one."""
    nonce = request.get(csrf_nonce_key)
    if nonce and nonce != request.cookies.get(cookie_name(request, "ecab_csrf")):
        _set(response, request, "ecab_csrf", nonce, max_age=None)


def _set(
    response: web.StreamResponse,
    request: web.Request,
    base: str,
    value: str,
    *,
    max_age: int | None,
) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_services(request).settings.secure_cookies,
    )


def set_session_cookie(
    response: web.StreamResponse, request: web.Request, value: str, expires_at: datetime
) -> None:
    max_age = int((expires_at - _services(request).clock.now()).total_seconds())
    _set(response, request, "ecab_session", value, max_age=max_age)


def clear_session_cookie(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(cookie_name(request, "ecab_session"), path="/")
