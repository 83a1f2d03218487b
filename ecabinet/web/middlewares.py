"""Cross-cutting request handling, outermost first:

1. ``request_context``: a request id (``X-Request-Id``, also in every log line) and one place
   where every error becomes a JSON body ``{"error": {"code", "message"}}`` for API routes or an
   HTML page for browser routes. Unexpected exceptions are logged with their traceback and
   answered with a generic 500 that reveals nothing.
2. ``csrf``: every state-changing request from a browser must carry the CSRF token.
Security headers are added in ``on_response_prepare`` so that static files and errors get them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from ..errors import DomainError, TooManyRequests
from ..logs import request_id_var
from .appkeys import actor_key, request_id_key, services_key
from .i18n import error_text, request_language
from .session import check_csrf, set_cookies

log = logging.getLogger("ecabinet.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def wants_json(request: web.Request) -> bool:
    return request.path.startswith(("/api/", "/ws/")) or request.path in (
        "/healthz",
        "/readyz",
        "/metrics",
    )


def _page_text(request: web.Request, code: str, message: str) -> str:
    """The message in the viewer's language when a page's script called (the session cookie,
    no Bearer token); API clients keep the English message."""
    if "Authorization" in request.headers or request.path.startswith("/ws/"):
        return message
    services = request.app.get(services_key)
    default = services.settings.default_language if services is not None else "vi"
    return error_text(request_language(request, default), code, message)


async def _error_response(
    request: web.Request, status: int, code: str, message: str, details: object = None
) -> web.StreamResponse:
    if wants_json(request):
        error: dict[str, object] = {"code": code, "message": message}
        if details is not None:
            error["details"] = details
        text = _page_text(request, code, message)
        if text != message:
            error["text"] = text  # for the pages' scripts; API clients read code and message
        return web.json_response({"error": error}, status=status)
    if status == 401:
        target = request.app.router["login"].url_for().with_query(next=request.path_qs)
        return web.Response(status=303, headers={"Location": str(target)})
    context: dict[str, object] = {"status": status, "code": code, "message": message}
    try:
        if not request.get(aiohttp_jinja2.REQUEST_CONTEXT_KEY):
            # The error came from a middleware that runs before aiohttp-jinja2's context
            # processors (e.g. the CSRF check): build the page context here.
            for processor in request.config_dict[aiohttp_jinja2.APP_CONTEXT_PROCESSORS_KEY]:
                context = {**await processor(request), **context}
        return aiohttp_jinja2.render_template("error.html", request, context, status=status)
    except Exception:
        log.exception("the error page itself failed to render")
        return web.Response(status=status, text=f"{status} {message}")


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = secrets.token_hex(8)
    request[request_id_key] = request_id
    token = request_id_var.set(request_id)
    try:
        try:
            response = await handler(request)
        except DomainError as exc:
            response = await _error_response(
                request, exc.status, exc.code, exc.message, exc.details
            )
            if isinstance(exc, TooManyRequests):
                response.headers["Retry-After"] = str(exc.retry_after)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code = HTTP_CODES.get(exc.status, "http_error")
            response = await _error_response(request, exc.status, code, exc.reason)
            if "Allow" in exc.headers:  # a 405 must say which methods are allowed
                response.headers["Allow"] = exc.headers["Allow"]
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            response = await _error_response(
                request,
                500,
                "internal_error",
                f"An unexpected error occurred. Request id: {request_id}.",
            )
        response.headers["X-Request-Id"] = request_id
        set_cookies(response, request)
        return response
    finally:
        request_id_var.reset(token)


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    await check_csrf(request)
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(self), microphone=(self), display-capture=(self)"
    if request.app[services_key].settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # API answers, responses setting cookies and pages shown to a logged-in user (personal
    # data, a CSRF token) must not stay in a shared meeting-room browser's cache.
    if wants_json(request) or "Set-Cookie" in headers or request.get(actor_key) is not None:
        headers.setdefault("Cache-Control", "no-store")
