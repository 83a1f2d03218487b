"""Every response, including errors and static files, carries the security headers; behind
HTTPS the cookies are ``__Host-`` prefixed and Secure, and HSTS is sent."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from ecabinet.app import create_app

from .conftest import api_login, bearer
from .test_csrf_and_cookies import csrf_from, form_login


async def _request(client: TestClient, route: str):
    if route == "login page":
        return await client.get("/login")
    if route == "home":
        await form_login(client, "botruong")
        return await client.get("/", allow_redirects=False)
    if route == "api json":
        return await client.get("/api/me", headers=bearer(await api_login(client, "botruong")))
    if route == "api error":
        return await client.get("/api/me")
    if route == "404 page":
        return await client.get("/no/such/page")
    if route == "static file":
        return await client.get("/static/css/app.css")
    if route == "healthz":
        return await client.get("/healthz")
    if route == "openapi":
        return await client.get("/api/openapi.json")
    raise AssertionError(route)


EXPECTED_STATUS = {
    "login page": 200,
    "home": 200,
    "api json": 200,
    "api error": 401,
    "404 page": 404,
    "static file": 200,
    "healthz": 200,
    "openapi": 200,
}
API_ROUTES = {"api json", "api error", "openapi", "healthz"}


@pytest.mark.parametrize("route", list(EXPECTED_STATUS))
async def test_every_response_carries_the_security_headers(client, world, route):
    resp = await _request(client, route)
    assert resp.status == EXPECTED_STATUS[route], await resp.text()
    csp = {
        part.strip().split(" ", 1)[0]: part.strip()
        for part in resp.headers["Content-Security-Policy"].split(";")
    }
    assert csp["object-src"] == "object-src 'none'"
    assert csp["base-uri"] == "base-uri 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert len(resp.headers["X-Request-Id"]) == 16
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP: HSTS would be ignored
    if route in API_ROUTES:
        assert resp.headers["Cache-Control"] == "no-store"


async def test_every_request_gets_its_own_request_id(client, world):
    ids = {(await client.get("/healthz")).headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


async def test_pages_with_a_session_are_not_cached(client, world):
    await form_login(client, "botruong")
    resp = await client.get("/", allow_redirects=False)
    assert resp.status == 200
    # The page embeds personal data and the CSRF token; meeting-room browsers are shared.
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.fixture
async def https_client(settings, clock, aiohttp_client) -> TestClient:
    secure = replace(settings, public_url="https://ecab.example")
    return await aiohttp_client(create_app(secure, clock=clock))


async def test_behind_https_cookies_are_host_prefixed_and_secure_with_hsts(https_client, world):
    client = https_client
    resp = await client.get("/login")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in resp.headers["Strict-Transport-Security"]
    csrf = resp.cookies["__Host-ecab_csrf"]
    assert csrf["secure"] is True and csrf["path"] == "/" and not csrf["domain"]
    assert "ecab_csrf" not in resp.cookies

    token = csrf_from(await resp.text())
    # The test client speaks plain HTTP, so its jar would not send a Secure cookie: do it here.
    client.session.cookie_jar.update_cookies({"__Host-ecab_csrf": csrf.value})
    resp = await form_login(client, "botruong", token=token)
    assert resp.status == 303, await resp.text()
    session = resp.cookies["__Host-ecab_session"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"]
    assert "ecab_session" not in resp.cookies
    assert "Strict-Transport-Security" in resp.headers
    api = await client.get("/api/openapi.json")
    assert "Strict-Transport-Security" in api.headers
