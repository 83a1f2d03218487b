"""Administration: who may call each admin operation (generated over the registry, as
OpenSlides' permission tests are), what the operations do, and the admin pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ecabinet.models import Endpoint, OrganizationLevel, Role
from ecabinet.schemas.directory import EndpointIn
from ecabinet.services import directory
from ecabinet.web.views.directory_api import api

from .conftest import PASSWORD, api_login, bearer, user_count
from .test_csrf_and_cookies import audit_count, browser_login, page_token

OPERATIONS = {op.name: op for op in api.operations}
LIST_OPERATIONS = {name for name, op in OPERATIONS.items() if op.method == "GET"}
ROLES_DENIED_EVERYTHING = ("daibieu", "vanhanh")  # delegate, operator
ROLES_WITH_DIRECTORY_VIEW = ("thuky", "botruong")  # secretary, member


async def _fixtures(world: Any) -> dict[str, int]:
    """Objects the operations act on (path ids) — none of them a caller in the test."""
    target = await world.add_user("nguoidung", Role.DELEGATE, world.province)
    operator = await world.add_user("vanhanh2", Role.OPERATOR, world.province)
    endpoint = await directory.create_endpoint(
        world.svc,
        None,
        EndpointIn(
            slug="diem-cau-nghe-an", name="Điểm cầu Nghệ An", organization_id=world.province
        ),
    )
    return {
        "organization": world.ministry,
        "user": target.id,
        "operator": operator.id,
        "endpoint": endpoint.id,
    }


# For every operation: the path id it acts on, and a valid body.
REQUESTS: dict[str, Callable[[Any, dict[str, int]], tuple[int | None, dict[str, Any] | None]]] = {
    "api.directory_api.list_organizations": lambda w, ids: (None, None),
    "api.directory_api.create_organization": lambda w, ids: (
        None,
        {
            "slug": "hai-phong",
            "name": "TP Hải Phòng",
            "level": "province",
            "parent_id": w.government,
        },
    ),
    "api.directory_api.update_organization": lambda w, ids: (
        ids["organization"],
        {"name": "Bộ Y tế (mới)"},
    ),
    "api.directory_api.list_users": lambda w, ids: (None, None),
    "api.directory_api.create_user": lambda w, ids: (
        None,
        {
            "username": "new.user",
            "full_name": "Người Mới",
            "role": "delegate",
            "organization_id": w.ministry,
        },
    ),
    "api.directory_api.update_user": lambda w, ids: (ids["user"], {"title": "Phó Giám đốc"}),
    "api.directory_api.reset_password": lambda w, ids: (ids["user"], None),
    "api.directory_api.list_endpoints": lambda w, ids: (None, None),
    "api.directory_api.create_endpoint": lambda w, ids: (
        None,
        {
            "slug": "diem-cau-bo-y-te",
            "name": "Điểm cầu Bộ Y tế",
            "organization_id": w.ministry,
            "operator_id": ids["operator"],
        },
    ),
    "api.directory_api.update_endpoint": lambda w, ids: (ids["endpoint"], {"capacity": 40}),
}


def test_every_admin_operation_has_a_request_in_the_permission_test():
    assert set(REQUESTS) == set(OPERATIONS)


async def _call(client, name: str, world: Any, ids: dict[str, int], headers: dict[str, str]):
    op = OPERATIONS[name]
    path_id, body = REQUESTS[name](world, ids)
    path = re.sub(r"{id:[^}]*}", str(path_id), op.path)
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return await client.request(op.method, path, **kwargs)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_admin_operation_permissions(client, world, svc, name):
    ids = await _fixtures(world)
    op = OPERATIONS[name]
    tokens = {role: await api_login(client, role) for role in ("admin", *ROLES_DENIED_EVERYTHING)}
    tokens |= {role: await api_login(client, role) for role in ROLES_WITH_DIRECTORY_VIEW}
    audit_before = await audit_count(svc)

    resp = await _call(client, name, world, ids, {})
    assert resp.status == 401, await resp.text()
    assert (await resp.json())["error"]["code"] == "not_authenticated"

    for role in ROLES_DENIED_EVERYTHING:
        resp = await _call(client, name, world, ids, bearer(tokens[role]))
        assert resp.status == 403, (role, await resp.text())
        assert (await resp.json())["error"]["code"] == "permission_denied"

    for role in ROLES_WITH_DIRECTORY_VIEW:
        resp = await _call(client, name, world, ids, bearer(tokens[role]))
        if name in LIST_OPERATIONS:
            assert resp.status == 200, (role, await resp.text())
            assert isinstance(await resp.json(), list)
        else:
            assert resp.status == 403, (role, await resp.text())
            assert (await resp.json())["error"]["code"] == "permission_denied"

    # Nothing the refused callers tried was written or audited.
    assert await audit_count(svc) == audit_before

    resp = await _call(client, name, world, ids, bearer(tokens["admin"]))
    assert resp.status == op.status, await resp.text()
    expected_audit = audit_before if name in LIST_OPERATIONS else audit_before + 1
    assert await audit_count(svc) == expected_audit


# ---------------------------------------------------------------- behaviour


@pytest.fixture
async def admin(client, world) -> dict[str, str]:
    return bearer(await api_login(client, "admin"))


async def test_admin_creates_organization_user_and_endpoint(client, world, admin):
    resp = await client.post(
        "/api/admin/organizations",
        json={
            "slug": "thai-nguyen",
            "name": "Tỉnh Thái Nguyên",
            "level": "province",
            "parent_id": world.government,
        },
        headers=admin,
    )
    assert resp.status == 201
    org = await resp.json()
    assert org == {
        "id": org["id"],
        "slug": "thai-nguyen",
        "name": "Tỉnh Thái Nguyên",
        "level": OrganizationLevel.PROVINCE.value,
        "parent_id": world.government,
    }

    resp = await client.post(
        "/api/admin/users",
        json={
            "username": "vanhanh.tn",
            "full_name": "Vận Hành TN",
            "role": "operator",
            "organization_id": org["id"],
            "password": PASSWORD,
            "email": "vh@thainguyen.gov.vn",
        },
        headers=admin,
    )
    assert resp.status == 201
    created = await resp.json()
    assert created["initial_password"] is None  # a password was given, nothing to show
    user = created["user"]
    assert set(user) == {
        "id",
        "username",
        "full_name",
        "title",
        "email",
        "role",
        "organization_id",
        "language",
        "is_active",
        "created_at",
    }
    assert user["role"] == "operator" and user["organization_id"] == org["id"]
    assert user["language"] == "vi" and user["is_active"] is True
    assert user["created_at"].startswith("2026-11-23T02:00:00")

    resp = await client.post(
        "/api/admin/endpoints",
        json={
            "slug": "diem-cau-thai-nguyen",
            "name": "Điểm cầu Thái Nguyên",
            "location": "Hội trường UBND tỉnh",
            "capacity": 60,
            "organization_id": org["id"],
            "operator_id": user["id"],
        },
        headers=admin,
    )
    assert resp.status == 201
    endpoint = await resp.json()
    assert endpoint == {
        "id": endpoint["id"],
        "slug": "diem-cau-thai-nguyen",
        "name": "Điểm cầu Thái Nguyên",
        "location": "Hội trường UBND tỉnh",
        "capacity": 60,
        "organization_id": org["id"],
        "operator_id": user["id"],
        "is_active": True,
    }
    listed = await (await client.get("/api/admin/endpoints", headers=admin)).json()
    assert [e["slug"] for e in listed] == ["diem-cau-thai-nguyen"]


async def test_duplicate_slug_and_username_are_conflicts(client, world, admin):
    resp = await client.post(
        "/api/admin/organizations",
        json={"slug": "bo-y-te", "name": "Bộ Y tế 2", "level": "ministry"},
        headers=admin,
    )
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "duplicate_slug"
    resp = await client.post(
        "/api/admin/users",
        json={
            "username": "botruong",
            "full_name": "X",
            "role": "member",
            "organization_id": world.ministry,
        },
        headers=admin,
    )
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "duplicate_username"


async def test_unknown_organization_is_not_found_and_writes_nothing(client, world, svc, admin):
    users_before, audit_before = await user_count(svc), await audit_count(svc)
    resp = await client.post(
        "/api/admin/users",
        json={
            "username": "ghost",
            "full_name": "Ghost",
            "role": "member",
            "organization_id": 999_999,
        },
        headers=admin,
    )
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "organization_not_found"
    assert await user_count(svc) == users_before
    assert await audit_count(svc) == audit_before


async def test_endpoint_operator_must_have_the_operator_role(client, world, svc, admin):
    resp = await client.post(
        "/api/admin/endpoints",
        json={
            "slug": "diem-cau-x",
            "name": "X",
            "organization_id": world.province,
            "operator_id": world["daibieu"].id,
        },
        headers=admin,
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "not_an_operator"
    async with svc.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Endpoint)) == 0


async def test_organization_cannot_be_moved_under_its_own_child(client, world, admin):
    resp = await client.patch(
        f"/api/admin/organizations/{world.government}",
        json={"parent_id": world.ministry},
        headers=admin,
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "organization_cycle"
    resp = await client.patch(
        f"/api/admin/organizations/{world.ministry}",
        json={"parent_id": world.ministry},
        headers=admin,
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "organization_cycle"
    orgs = await (await client.get("/api/admin/organizations", headers=admin)).json()
    assert {o["slug"]: o["parent_id"] for o in orgs}["vpcp"] is None


async def test_reset_password_gives_a_working_password_and_ends_old_sessions(
    client, world, admin, aiohttp_client
):
    user = world["botruong"]
    old_tokens = await api_login(client, "botruong")
    browser = await aiohttp_client(client.app)
    await browser_login(browser, "botruong")
    assert (await browser.get("/", allow_redirects=False)).status == 200

    resp = await client.post(f"/api/admin/users/{user.id}/reset-password", headers=admin)
    assert resp.status == 200
    new_password = (await resp.json())["initial_password"]
    assert new_password and new_password != PASSWORD

    assert (await client.get("/api/me", headers=bearer(old_tokens))).status == 401
    resp = await client.post(
        "/api/auth/refresh", json={"refresh_token": old_tokens["refresh_token"]}
    )
    assert resp.status == 401
    assert (await browser.get("/", allow_redirects=False)).status == 303
    resp = await client.post("/api/auth/login", json={"username": "botruong", "password": PASSWORD})
    assert resp.status == 401
    fresh = await api_login(client, "botruong", new_password)
    assert (await client.get("/api/me", headers=bearer(fresh))).status == 200


async def test_admin_cannot_lock_himself_out(client, world, admin):
    me = world["admin"].id
    for patch in ({"is_active": False}, {"role": "member"}):
        resp = await client.patch(f"/api/admin/users/{me}", json=patch, headers=admin)
        assert resp.status == 422
        assert (await resp.json())["error"]["code"] == "self_lockout"
    assert (await client.get("/api/me", headers=admin)).status == 200


async def test_disabling_a_user_ends_their_sessions(client, world, admin):
    tokens = await api_login(client, "daibieu")
    resp = await client.patch(
        f"/api/admin/users/{world['daibieu'].id}", json={"is_active": False}, headers=admin
    )
    assert resp.status == 200
    assert (await resp.json())["is_active"] is False
    assert (await client.get("/api/me", headers=bearer(tokens))).status == 401


async def test_generated_initial_password_is_shown_once_and_logs_in(client, world, admin):
    resp = await client.post(
        "/api/admin/users",
        json={
            "username": "pho.thu.tuong",
            "full_name": "Phó Thủ tướng",
            "role": "member",
            "organization_id": world.government,
        },
        headers=admin,
    )
    assert resp.status == 201
    password = (await resp.json())["initial_password"]
    assert isinstance(password, str) and len(password) >= 12
    listing = await (await client.get("/api/admin/users", headers=admin)).text()
    assert "pho.thu.tuong" in listing and password not in listing
    tokens = await api_login(client, "pho.thu.tuong", password)
    assert (await (await client.get("/api/me", headers=bearer(tokens))).json())["role"] == "member"


# ---------------------------------------------------------------- pages


async def test_admin_pages_list_the_directory(client, world):
    await browser_login(client, "admin")
    for path, expected in (
        ("/admin/users", ["botruong", "daibieu", "vanhanh", "thuky"]),
        ("/admin/organizations", ["Văn phòng Chính phủ", "Bộ Y tế", "Tỉnh Nghệ An"]),
        ("/admin/endpoints", []),
    ):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 200, path
        html = await resp.text()
        for text in expected:
            assert text in html, (path, text)


@pytest.mark.parametrize("path", ["/admin/users", "/admin/organizations", "/admin/endpoints"])
async def test_admin_pages_are_forbidden_to_a_delegate(client, world, path):
    await browser_login(client, "daibieu")
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 403
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert "permission_denied" in html
    assert "botruong" not in html


async def test_admin_pages_send_anonymous_visitors_to_login(client, world):
    resp = await client.get("/admin/users", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/login?next=/admin/users"


async def test_creating_a_user_on_the_page_shows_the_generated_password_once(client, world, svc):
    await browser_login(client, "admin")
    token = await page_token(client, "/admin/users")
    users_before = await user_count(svc)
    form = {
        "csrf_token": token,
        "full_name": "Chuyên Viên",
        "username": "chuyenvien",
        "title": "",
        "email": "",
        "role": "delegate",
        "organization_id": str(world.ministry),
        "language": "vi",
        "password": "",
    }
    resp = await client.post("/admin/users", data={**form, "csrf_token": ""})
    assert resp.status == 403
    assert await user_count(svc) == users_before

    resp = await client.post("/admin/users", data=form)
    assert resp.status == 200
    html = await resp.text()
    shown = re.search(r'<code class="password">([^<]+)</code>', html)
    assert shown is not None
    password = shown.group(1)
    assert await user_count(svc) == users_before + 1
    again = await (await client.get("/admin/users")).text()
    assert "chuyenvien" in again and password not in again
    tokens = await api_login(await _fresh(client), "chuyenvien", password)
    assert tokens["token_type"] == "Bearer"


async def test_page_form_errors_are_shown_not_raised(client, world, svc):
    await browser_login(client, "admin")
    token = await page_token(client, "/admin/users")
    users_before = await user_count(svc)
    form = {
        "csrf_token": token,
        "full_name": "Trùng Tên",
        "username": "botruong",
        "role": "delegate",
        "organization_id": str(world.ministry),
        "language": "vi",
    }
    resp = await client.post("/admin/users", data=form)
    assert resp.status == 409
    assert 'role="alert"' in await resp.text()
    resp = await client.post("/admin/users", data={**form, "organization_id": "abc"})
    assert resp.status == 422
    assert await user_count(svc) == users_before


async def _fresh(client):
    """The same app seen from a browser without cookies (the API login refuses CSRF-less
    JSON from a browser that holds a session cookie)."""
    client.session.cookie_jar.clear()
    return client
