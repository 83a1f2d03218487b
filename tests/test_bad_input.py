"""Bad input gets a clear 4xx with a stable code, never a 500 and never a half-written row;
an unexpected failure gets a 500 that reveals nothing but the request id."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web

from ecabinet.app import create_app
from ecabinet.web.middlewares import RequestIdFilter

from .conftest import PASSWORD, api_login, bearer, user_count

MIB = 1024 * 1024


@pytest.fixture
async def admin(client, world) -> dict[str, str]:
    return bearer(await api_login(client, "admin"))


def _user(world: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": "chuyenvien",
        "full_name": "Chuyên Viên",
        "role": "delegate",
        "organization_id": world.ministry,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def _error(resp, status: int, code: str) -> dict[str, Any]:
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


async def test_malformed_json_is_a_400(client, world, admin):
    for raw in (b"{", b'{"username": "x",}', b"\xff\xfe", b""):
        resp = await client.post(
            "/api/admin/users", data=raw, headers={**admin, "Content-Type": "application/json"}
        )
        await _error(resp, 400, "malformed_json")


@pytest.mark.parametrize(
    ("overrides", "field", "kind"),
    [
        ({"username": 5}, "username", "string_type"),
        ({"organization_id": "3"}, "organization_id", "int_type"),  # strict: no coercion
        ({"organization_id": 1.5}, "organization_id", "int_type"),
        ({"role": "president"}, "role", "enum"),
        ({"username": "A B"}, "username", "string_pattern_mismatch"),
        ({"email": "not-an-email"}, "email", "value_error"),
        ({"is_admin": True}, "is_admin", "extra_forbidden"),
        ({"full_name": ...}, "full_name", "missing"),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client, world, svc, admin, overrides, field, kind
):
    before = await user_count(svc)
    resp = await client.post("/api/admin/users", json=_user(world, **overrides), headers=admin)
    error = await _error(resp, 422, "validation_failed")
    assert {"field": field, "type": kind} in [
        {"field": d["field"], "type": d["type"]} for d in error["details"]
    ], error
    assert all(d["message"] for d in error["details"])
    assert await user_count(svc) == before


async def test_a_json_array_instead_of_an_object_is_422(client, world, admin):
    resp = await client.post("/api/admin/users", json=[1, 2], headers=admin)
    await _error(resp, 422, "validation_failed")


async def test_non_json_body_is_415(client, world, admin):
    resp = await client.post(
        "/api/admin/users", data={"username": "chuyenvien"}, headers=admin
    )  # form-encoded
    await _error(resp, 415, "json_required")
    resp = await client.post(
        "/api/admin/users", data=b"username=x", headers={**admin, "Content-Type": "text/plain"}
    )
    await _error(resp, 415, "json_required")


async def test_oversized_body_is_413_and_the_server_keeps_serving(client, world, svc, admin):
    before = await user_count(svc)
    huge = _user(world, full_name="x" * (MIB + 10))
    resp = await client.post("/api/admin/users", json=huge, headers=admin)
    await _error(resp, 413, "payload_too_large")
    resp = await client.post(
        "/api/auth/login",
        data=b'{"username": "' + b"a" * (2 * MIB) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    await _error(resp, 413, "payload_too_large")
    assert await user_count(svc) == before
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/api/me", headers=admin)).status == 200
    await api_login(client, "botruong", PASSWORD)


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/api/admin/users/999999/reset-password", None, "user_not_found"),
        ("PATCH", "/api/admin/users/999999", {"title": "x"}, "user_not_found"),
        ("PATCH", "/api/admin/organizations/999999", {"name": "x"}, "organization_not_found"),
        ("PATCH", "/api/admin/endpoints/999999", {"capacity": 1}, "endpoint_not_found"),
        ("PATCH", "/api/admin/users/-1", {"title": "x"}, "not_found"),
        ("PATCH", "/api/admin/users/abc", {"title": "x"}, "not_found"),
    ],
)
async def test_unknown_ids_are_404(client, world, admin, method, path, body, code):
    resp = await client.request(method, path, json=body, headers=admin)
    await _error(resp, 404, code)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/admin/users/99999999999999999999/reset-password", None),
        ("PATCH", "/api/admin/users/2147483648", {"title": "x"}),
        ("PATCH", "/api/admin/users/0", {"title": "x"}),
    ],
)
async def test_ids_out_of_the_column_range_are_422(client, world, admin, method, path, body):
    resp = await client.request(method, path, json=body, headers=admin)
    await _error(resp, 422, "invalid_path_parameter")


async def test_unknown_api_path_is_a_json_404(client, world, admin):
    for headers in ({}, admin):
        for method in ("GET", "POST"):
            resp = await client.request(method, "/api/no/such/thing", headers=headers)
            await _error(resp, 404, "not_found")


async def test_wrong_method_is_a_json_405(client, world, admin):
    for headers in ({}, admin):
        resp = await client.delete("/api/admin/users", headers=headers)
        await _error(resp, 405, "method_not_allowed")
        assert "POST" in resp.headers["Allow"]
        resp = await client.put("/api/me", json={}, headers=headers)
        await _error(resp, 405, "method_not_allowed")


async def test_wrong_method_on_a_page_is_an_html_405(client, world):
    resp = await client.delete("/login")
    assert resp.status == 405
    assert resp.content_type == "text/html"
    assert "method_not_allowed" in await resp.text()


async def test_unexpected_error_is_a_500_that_reveals_nothing(
    settings, clock, aiohttp_client, caplog
):
    secret = "SELECT password_hash FROM user_account -- secret detail"

    async def explode(request: web.Request) -> web.Response:
        raise RuntimeError(secret)

    app = create_app(settings, clock=clock)
    app.router.add_get("/api/test/explode", explode)
    app.router.add_get("/test/explode", explode)
    client = await aiohttp_client(app)

    caplog.handler.addFilter(RequestIdFilter())  # as run.py's log handler does
    with caplog.at_level(logging.ERROR, logger="ecabinet"):
        api = await client.get("/api/test/explode")
        page = await client.get("/test/explode")

    for resp, kind in ((api, "application/json"), (page, "text/html")):
        assert resp.status == 500
        assert resp.content_type == kind
        text = await resp.text()
        request_id = resp.headers["X-Request-Id"]
        assert request_id in text
        for leak in ("Traceback", "RuntimeError", "secret detail", "password_hash"):
            assert leak not in text, leak
    assert (await api.json())["error"]["code"] == "internal_error"

    failures = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(failures) == 2
    assert "Traceback" in caplog.text and secret in caplog.text
    assert sorted(r.getMessage() for r in failures) == [
        "unhandled error on GET /api/test/explode",
        "unhandled error on GET /test/explode",
    ]
    # Each log line carries the id the user sees on the error page.
    assert {r.request_id for r in failures} == {  # type: ignore[attr-defined]
        api.headers["X-Request-Id"],
        page.headers["X-Request-Id"],
    }
