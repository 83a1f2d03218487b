"""The agent's HTTP side, on loopback only: the e-Cabinet page (and only pages of the origins the
signer configured) asks for the token's certificate and for signatures.

- ``GET /certificate``: the token's certificate and chain (to register it with the server).
- ``POST /sign``: a prepared request from the server (``SigningRequestOut``); checked
  (``request.parse``), shown to the signer, and signed on the token only when they confirm.

Browsers send the page's ``Origin``: any other origin, or a request without one, is refused, and
so is a ``Host`` that is not this loopback address (DNS rebinding). CORS answers carry the
origin back, with Chromium's private-network header so a public site may call 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

from . import request as requests
from .token import Token, TokenError

log = logging.getLogger("ecabinet.signer")
MAX_BODY = 64 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Confirmer(Protocol):
    async def ask(self, lines: list[tuple[str, str]]) -> bool: ...


token_key = web.AppKey("token", Token)
confirmer_key = web.AppKey("confirmer", Confirmer)  # type: ignore[type-abstract]
origins_key = web.AppKey("origins", frozenset)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _cors(response: web.StreamResponse, origin: str) -> web.StreamResponse:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    return response


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = request.headers.get("Origin", "")
    if origin not in request.app[origins_key]:
        return _error(403, "origin_not_allowed", "This page may not use the signing agent.")
    host = request.host.rsplit(":", 1)[0].strip("[]")
    if host not in ("127.0.0.1", "localhost", "::1"):
        return _cors(_error(403, "host_not_allowed", "Call the agent on loopback."), origin)
    if request.method == "OPTIONS":
        response = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Private-Network"] = "true"
        response.headers["Access-Control-Max-Age"] = "600"
        return _cors(response, origin)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = _error(exc.status, "bad_request", exc.reason)
    response.headers["Cache-Control"] = "no-store"
    return _cors(response, origin)


async def certificate(request: web.Request) -> web.Response:
    identity = request.app[token_key].identity
    return web.json_response(
        {
            "certificate_pem": identity.pem(),
            "chain_pem": identity.chain_pem(),
            "subject": identity.certificate.subject.rfc4514_string(),
            "fingerprint": identity.fingerprint,
            "mechanism": identity.mechanism,
        }
    )


async def sign(request: web.Request) -> web.Response:
    token = request.app[token_key]
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "request_unreadable", "The request is not JSON.")
    try:
        prepared = requests.parse(body, token.identity)
    except requests.RequestRefused as exc:
        log.warning("refused before asking: %s", exc.code)
        return _error(exc.status, exc.code, exc.message)
    if not await request.app[confirmer_key].ask(prepared.summary(token.identity)):
        return _error(403, "refused_by_signer", "The signer did not confirm this signature.")
    try:
        value = await asyncio.to_thread(token.sign, prepared.signed_attributes)
    except TokenError as exc:
        return _error(503, "token_unavailable", str(exc))
    log.info("signed request %s (digest %s)", prepared.token[:8], prepared.document_digest)
    return web.json_response(
        {
            "token": prepared.token,
            "signature_base64": base64.b64encode(value).decode(),
            "certificate_fingerprint": token.identity.fingerprint,
        }
    )


def make_app(token: Token, confirmer: Confirmer, origins: frozenset[str]) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    app[token_key] = token
    app[confirmer_key] = confirmer
    app[origins_key] = origins
    app.router.add_get("/certificate", certificate)
    app.router.add_post("/sign", sign)
    app.router.add_route("OPTIONS", "/{tail:.*}", sign)  # answered by the guard
    return app
