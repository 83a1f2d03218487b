"""Browser sessions: the CSRF token on every state-changing request, the session cookie's
attributes, rotation at login, server-side logout, no open redirects, and GETs that never write.

Also home of the small browser helpers the other web-layer tests import.
"""

from __future__ import annotations

import re
from http.cookies import Morsel
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from yarl import URL

from ecabinet.models import AuditEvent, AuthSession
from ecabinet.services.context import Services

from .conftest import PASSWORD, api_login, bearer

TWELVE_HOURS = 12 * 3600
CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([0-9a-f]+)">')


# ---------------------------------------------------------------- helpers (imported elsewhere)


def csrf_from(html: str) -> str:
    """The CSRF token a rendered page hands the browser (meta tag and hidden form inputs)."""
    meta = CSRF_META.search(html)
    assert meta is not None, "page has no csrf-token meta tag"
    assert all(token == meta.group(1) for token in CSRF_INPUT.findall(html))
    return meta.group(1)


async def page_token(client: TestClient, path: str = "/login") -> str:
    resp = await client.get(path)
    return csrf_from(await resp.text())


async def form_login(
    client: TestClient,
    username: str,
    password: str = PASSWORD,
    *,
    next_path: str = "/",
    token: str | None = None,
) -> ClientResponse:
    """Log in the way a browser does: load the form, post it back with its token."""
    if token is None:
        token = await page_token(client)
    return await client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": next_path},
        allow_redirects=False,
    )


async def browser_login(client: TestClient, username: str) -> str:
    """Log in and return the CSRF token valid for the new session."""
    resp = await form_login(client, username)
    assert resp.status == 303, await resp.text()
    return await page_token(client, "/")


def set_cookie(resp: ClientResponse, name: str) -> Morsel[str]:
    assert name in resp.cookies, f"{name} not set; got {list(resp.cookies)}"
    return resp.cookies[name]


async def audit_count(svc: Services) -> int:
    async with svc.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _assert_cookie_attributes(morsel: Morsel[str]) -> None:
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"


# ---------------------------------------------------------------- CSRF on the login form


async def test_login_page_sets_an_httponly_lax_csrf_cookie(client, world):
    resp = await client.get("/login")
    assert resp.status == 200
    _assert_cookie_attributes(set_cookie(resp, "ecab_csrf"))
    assert csrf_from(await resp.text())


async def test_login_form_without_csrf_token_is_refused_with_an_html_page(client, world):
    await client.get("/login")
    resp = await client.post(
        "/login",
        data={"username": "botruong", "password": PASSWORD, "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert resp.content_type == "text/html"
    assert "csrf_failed" in await resp.text()
    assert "ecab_session" not in resp.cookies


async def test_login_form_with_a_wrong_csrf_token_is_refused(client, world):
    token = await page_token(client)
    wrong = ("0" if token[0] != "0" else "1") + token[1:]
    resp = await form_login(client, "botruong", token=wrong)
    assert resp.status == 403
    assert "csrf_failed" in await resp.text()
    assert "ecab_session" not in resp.cookies


async def test_login_form_with_a_token_from_another_browser_is_refused(
    client, world, aiohttp_client
):
    other = await aiohttp_client(client.app)
    stolen = await page_token(other)
    await client.get("/login")  # this browser has its own nonce
    resp = await form_login(client, "botruong", token=stolen)
    assert resp.status == 403


async def test_login_sets_a_twelve_hour_httponly_lax_session_cookie_and_redirects_to_next(
    client, world, svc
):
    resp = await form_login(client, "botruong", next_path="/docs/api?x=1")
    assert resp.status == 303
    assert resp.headers["Location"] == "/docs/api?x=1"
    session = set_cookie(resp, "ecab_session")
    _assert_cookie_attributes(session)
    assert int(session["max-age"]) == TWELVE_HOURS
    assert not session["secure"]  # plain-HTTP development server
    # The cookie is an opaque random value; the server stores only its digest.
    async with svc.db.reading() as db:
        stored = (await db.scalars(select(AuthSession.cookie_hash))).all()
    assert stored and session.value not in stored
    home = await client.get("/", allow_redirects=False)
    assert home.status == 200
    assert "Botruong" in await home.text()


async def test_csrf_nonce_is_rotated_at_login(client, world):
    before = await page_token(client)
    resp = await form_login(client, "botruong", token=before)
    assert resp.status == 303
    _assert_cookie_attributes(set_cookie(resp, "ecab_csrf"))
    after = await page_token(client, "/")
    assert after != before
    # A token an attacker may have planted or read before login is worthless afterwards.
    stale = await client.post(
        "/language", data={"csrf_token": before, "language": "en"}, allow_redirects=False
    )
    assert stale.status == 403
    fresh = await client.post(
        "/language", data={"csrf_token": after, "language": "en"}, allow_redirects=False
    )
    assert fresh.status == 303


# ---------------------------------------------------------------- CSRF on JSON requests


async def test_json_post_with_session_cookie_needs_the_csrf_header(client, world, svc):
    token = await browser_login(client, "admin")
    body = {"slug": "bo-tai-chinh", "name": "Bộ Tài chính", "level": "ministry"}
    before = await audit_count(svc)
    resp = await client.post("/api/admin/organizations", json=body)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "csrf_failed"
    assert await audit_count(svc) == before
    resp = await client.post(
        "/api/admin/organizations", json=body, headers={"X-CSRF-Token": "f" * 64}
    )
    assert resp.status == 403
    resp = await client.post("/api/admin/organizations", json=body, headers={"X-CSRF-Token": token})
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["slug"] == "bo-tai-chinh"


async def test_bearer_authenticated_posts_need_no_csrf_token(client, world):
    tokens = await api_login(client, "admin")
    resp = await client.post(
        "/api/admin/organizations",
        json={"slug": "bo-cong-an", "name": "Bộ Công an", "level": "ministry"},
        headers=bearer(tokens),
    )
    assert resp.status == 201, await resp.text()
    resp = await client.post("/api/auth/logout", headers=bearer(tokens))
    assert resp.status == 204


# ---------------------------------------------------------------- logout


async def test_logout_ends_the_session_on_the_server(client, world):
    token = await browser_login(client, "botruong")
    old_cookie = client.session.cookie_jar.filter_cookies(URL(str(client.make_url("/"))))[
        "ecab_session"
    ].value
    refused = await client.post("/logout", data={}, allow_redirects=False)
    assert refused.status == 403  # logging someone out is a state change too
    resp = await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/login"
    assert resp.cookies["ecab_session"].value == ""
    # Replaying the old cookie value (a copy kept by a thief) no longer opens anything.
    client.session.cookie_jar.update_cookies(
        {"ecab_session": old_cookie}, URL(str(client.make_url("/")))
    )
    home = await client.get("/", allow_redirects=False)
    assert home.status == 303
    assert URL(home.headers["Location"]).path == "/login"
    me = await client.get("/api/me")
    assert me.status == 401


# ---------------------------------------------------------------- redirects after login


async def test_login_never_redirects_to_another_site(client, world):
    for target in (
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        resp = await form_login(client, "botruong", next_path=target)
        assert resp.status == 303
        assert resp.headers["Location"] == "/", target
        client.session.cookie_jar.clear()
    resp = await client.get("/login?next=//evil.example")
    assert 'name="next" value="/"' in await resp.text()


# ---------------------------------------------------------------- failed logins


async def test_wrong_password_shows_the_form_again_with_error_and_username(client, world):
    resp = await form_login(client, "botruong", password="not the password")
    assert resp.status == 401
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert 'role="alert"' in html
    assert 'value="botruong"' in html
    assert "ecab_session" not in resp.cookies


async def test_repeated_failures_are_throttled_with_retry_after(client, world, clock):
    token = await page_token(client)
    for _ in range(5):
        resp = await form_login(client, "botruong", password="not the password", token=token)
        assert resp.status == 401
    # Now even the right password is refused until the window has passed.
    resp = await form_login(client, "botruong", token=token)
    assert resp.status == 429
    assert resp.content_type == "text/html"
    retry_after = int(resp.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert 'role="alert"' in await resp.text()
    clock.advance(seconds=retry_after + 1)
    resp = await form_login(client, "botruong", token=token)
    assert resp.status == 303


# ---------------------------------------------------------------- GET never writes


def _page_paths(client: TestClient) -> list[str]:
    paths = []
    for route in client.app.router.routes():
        info: dict[str, Any] = route.resource.get_info() if route.resource else {}
        if route.method == "GET" and "path" in info:  # plain paths; static and {id} routes excluded
            paths.append(info["path"])
    return sorted(set(paths))


async def test_get_requests_never_write_to_the_audit_log(client, world, svc):
    paths = _page_paths(client)
    assert {"/", "/login", "/admin/users", "/api/me", "/healthz"} <= set(paths)
    before = await audit_count(svc)
    for path in paths:  # anonymous
        resp = await client.get(path, allow_redirects=False)
        assert resp.status < 500, path
    assert await audit_count(svc) == before
    tokens = await api_login(client, "admin")
    await browser_login(client, "admin")
    before = await audit_count(svc)
    for path in paths:  # logged in, by cookie and by token
        resp = await client.get(path, allow_redirects=False)
        assert resp.status < 500, path
        resp = await client.get(path, allow_redirects=False, headers=bearer(tokens))
        assert resp.status < 500, path
    assert await audit_count(svc) == before
