"""Administrators edit organizations, users and endpoints from the pages."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.models import Endpoint, Organization, Role, User
from ecabinet.schemas.directory import EndpointIn
from ecabinet.services import directory


async def _browser_login(client, username: str, password: str) -> str:
    page = await (await client.get("/login")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    resp = await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await client.get("/")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


async def test_admin_edits_a_user_and_clears_the_title(client, world, svc):
    token = await _browser_login(client, "admin", world["admin"].password)
    target = world["daibieu"]
    page = await (await client.get(f"/admin/users?edit={target.id}")).text()
    assert "Daibieu" in page and f"/admin/users/{target.id}" in page
    resp = await client.post(
        f"/admin/users/{target.id}",
        data={
            "csrf_token": token,
            "full_name": "Lê Văn Đại Biểu",
            "title": "",
            "email": "",
            "role": "member",
            "organization_id": str(world.province),
            "language": "vi",
        },
    )
    assert resp.status == 200, await resp.text()
    async with svc.db.reading() as session:
        user = await session.get(User, target.id)
    assert (user.full_name, user.title, user.role, user.organization_id) == (
        "Lê Văn Đại Biểu",
        "",
        Role.MEMBER,
        world.province,
    )


async def test_edit_form_for_an_unknown_id_is_not_found(client, world):
    await _browser_login(client, "admin", world["admin"].password)
    assert (await client.get("/admin/users?edit=99999")).status == 404


async def test_admin_disables_an_endpoint_and_removes_its_operator(client, world, svc):
    endpoint = await directory.create_endpoint(
        svc,
        None,
        EndpointIn(
            slug="diem-cau-nghe-an",
            name="Điểm cầu Nghệ An",
            organization_id=world.province,
            operator_id=world["vanhanh"].id,
        ),
    )
    token = await _browser_login(client, "admin", world["admin"].password)
    resp = await client.post(
        f"/admin/endpoints/{endpoint.id}",
        data={
            "csrf_token": token,
            "name": "Điểm cầu UBND Nghệ An",
            "location": "",
            "capacity": "60",
            "operator_id": "",
            "is_active": "false",
        },
    )
    assert resp.status == 200, await resp.text()
    async with svc.db.reading() as session:
        saved = await session.get(Endpoint, endpoint.id)
    assert (saved.name, saved.capacity, saved.operator_id, saved.is_active) == (
        "Điểm cầu UBND Nghệ An",
        60,
        None,
        False,
    )


async def test_admin_moves_an_organization_but_not_under_itself(client, world, svc):
    token = await _browser_login(client, "admin", world["admin"].password)
    resp = await client.post(
        f"/admin/organizations/{world.government}",
        data={"csrf_token": token, "name": "VPCP", "parent_id": str(world.province)},
    )
    assert resp.status == 422
    resp = await client.post(
        f"/admin/organizations/{world.province}",
        data={"csrf_token": token, "name": "Tỉnh Nghệ An", "parent_id": ""},
    )
    assert resp.status == 200
    async with svc.db.reading() as session:
        parent = await session.scalar(
            select(Organization.parent_id).where(Organization.id == world.province)
        )
    assert parent is None


async def test_secretary_cannot_post_to_the_edit_forms(client, world):
    token = await _browser_login(client, "thuky", world["thuky"].password)
    resp = await client.post(
        f"/admin/users/{world['daibieu'].id}",
        data={"csrf_token": token, "full_name": "X", "role": "admin"},
    )
    assert resp.status == 403
