"""The administrator links provider identities to accounts: the API (admin only, one user per
identity, no reaching another user's link) and ``run.py sso-link``."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from ecabinet.config import OidcProvider, Settings
from ecabinet.models import AuditEvent, SsoLink

from .conftest import api_login, bearer
from .test_cli import Installation, create_user, make_installation

ISSUER = "https://sso.moh.gov.vn/realms/moh"
PROVIDER = OidcProvider(name="moh", issuer=ISSUER, client_id="ecabinet", display_name="Bộ Y tế")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, oidc_providers=(PROVIDER,))


async def test_the_admin_links_lists_and_unlinks_an_identity(client, world, svc):
    admin = bearer(await api_login(client, "admin"))
    user = world["botruong"].id
    resp = await client.post(
        f"/api/admin/users/{user}/sso-links",
        json={"provider": "moh", "subject": "248289761001"},
        headers=admin,
    )
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert (created["issuer"], created["subject"], created["user_id"]) == (
        ISSUER,
        "248289761001",
        user,
    )
    listed = await (await client.get(f"/api/admin/users/{user}/sso-links", headers=admin)).json()
    assert [lk["id"] for lk in listed] == [created["id"]]

    # One identity, one account.
    resp = await client.post(
        f"/api/admin/users/{world['daibieu'].id}/sso-links",
        json={"provider": "moh", "subject": "248289761001"},
        headers=admin,
    )
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "sso_subject_taken"
    # A link is removed only under its own user.
    other = f"/api/admin/users/{world['daibieu'].id}/sso-links/{created['id']}"
    assert (await client.delete(other, headers=admin)).status == 404
    mine = f"/api/admin/users/{user}/sso-links/{created['id']}"
    assert (await client.delete(mine, headers=admin)).status == 204
    async with svc.db.reading() as session:
        assert list(await session.scalars(select(SsoLink))) == []
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert "user.sso_link" in actions and "user.sso_unlink" in actions


async def test_only_the_admin_may_link_and_an_unknown_provider_is_not_found(client, world):
    user = world["botruong"].id
    for name in ("thuky", "botruong"):
        headers = bearer(await api_login(client, name))
        resp = await client.post(
            f"/api/admin/users/{user}/sso-links",
            json={"provider": "moh", "subject": "x"},
            headers=headers,
        )
        assert resp.status == 403, name
        resp = await client.get(f"/api/admin/users/{user}/sso-links", headers=headers)
        assert resp.status == 403, name
    admin = bearer(await api_login(client, "admin"))
    resp = await client.post(
        f"/api/admin/users/{user}/sso-links",
        json={"provider": "nowhere", "subject": "x"},
        headers=admin,
    )
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "sso_unknown_provider"
    resp = await client.get("/api/admin/users/999999/sso-links", headers=admin)
    assert resp.status == 404


def _run(inst: Installation, *args: str) -> subprocess.CompletedProcess[str]:
    env = inst.env() | {"ECABINET_OIDC_PROVIDERS": json.dumps([{
        "name": "moh", "issuer": ISSUER, "client_id": "ecabinet"}])}  # fmt: skip
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_py_sso_link_links_and_unlinks(tmp_path: Path):
    inst = make_installation(tmp_path)
    assert inst.run("migrate").returncode == 0
    assert (
        inst.run(
            "create-org", "--slug", "vpcp", "--name", "VPCP", "--level", "government"
        ).returncode
        == 0
    )
    assert create_user(inst, "thuky").returncode == 0
    args = ("sso-link", "--username", "thuky", "--provider", "moh", "--subject", "s-1")
    done = _run(inst, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "linked moh subject 's-1' to thuky"
    again = _run(inst, *args)
    assert again.returncode == 1 and "already linked" in again.stderr
    gone = _run(inst, *args, "--unlink")
    assert gone.returncode == 0 and gone.stdout.startswith("unlinked")
    missing = _run(inst, *args, "--unlink")
    assert missing.returncode == 1 and missing.stderr.strip() == "error: No such link."
    nobody = _run(inst, "sso-link", "--username", "nobody", "--provider", "moh", "--subject", "x")
    assert nobody.returncode == 1


async def test_the_admin_user_page_links_and_unlinks_an_identity(client, world, svc):
    page = await (await client.get("/login")).text()
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = await client.post(
        "/login",
        data={"username": "admin", "password": world["admin"].password, "csrf_token": csrf},
    )
    assert resp.status == 200  # followed to the home page
    user = world["botruong"].id
    page = await (await client.get(f"/admin/users?edit={user}")).text()
    assert "Linked identities" in page
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = await client.post(
        f"/admin/users/{user}/sso-links",
        data={"csrf_token": csrf, "provider": "moh", "subject": "sub-77"},
    )
    page = await resp.text()
    assert resp.status == 200 and 'data-sso-link="sub-77"' in page
    async with svc.db.reading() as session:
        [link] = list(await session.scalars(select(SsoLink)))
    resp = await client.post(
        f"/admin/users/{user}/sso-links/{link.id}/delete", data={"csrf_token": csrf}
    )
    assert resp.status == 200 and 'data-sso-link="sub-77"' not in await resp.text()
