"""HTTP to the identity providers for ``services/oidc.py``: one aiohttp client session per
process, opened and closed with the app, short timeouts and a size limit on every answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from ..services.oidc import OidcClient, TransportError
from .appkeys import services_key

TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_ANSWER = 1024 * 1024

oidc_key = web.AppKey("oidc", OidcClient)


class AiohttpTransport:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=TIMEOUT, trust_env=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise TransportError("the HTTP client is not started")
        return self._session

    async def _json(self, response: aiohttp.ClientResponse) -> dict[str, Any]:
        raw = await response.content.read(MAX_ANSWER + 1)
        if len(raw) > MAX_ANSWER:
            raise TransportError("the answer is too large")
        try:
            body = json.loads(raw or b"{}")
        except ValueError as exc:
            raise TransportError(f"HTTP {response.status}, not JSON") from exc
        if not isinstance(body, dict):
            raise TransportError("the answer is not a JSON object")
        return body

    async def get_json(self, url: str, *, bearer: str | None = None) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            async with self._client().get(url, headers=headers, allow_redirects=False) as resp:
                if resp.status != 200:
                    raise TransportError(f"HTTP {resp.status} from {url}")
                return await self._json(resp)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransportError(f"{type(exc).__name__} for {url}") from exc

    async def post_form(
        self, url: str, form: dict[str, str], *, basic: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        # RFC 6749 §2.3.1: the id and secret are form-encoded before Basic's base64.
        headers = {"Accept": "application/json"}
        if basic:
            headers["Authorization"] = aiohttp.encode_basic_auth(
                quote(basic[0], safe=""), quote(basic[1], safe="")
            )
        try:
            async with self._client().post(
                url,
                data=form,
                headers=headers,
                allow_redirects=False,
            ) as resp:
                return resp.status, await self._json(resp)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransportError(f"{type(exc).__name__} for {url}") from exc


def setup_oidc(app: web.Application) -> None:
    """The providers of ``ECABINET_OIDC_PROVIDERS`` with their HTTP client."""
    services = app[services_key]
    transport = AiohttpTransport()
    app[oidc_key] = OidcClient(services.settings.oidc_providers, transport, services.clock)

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        await transport.start()
        yield
        await transport.close()

    app.cleanup_ctx.append(lifetime)
