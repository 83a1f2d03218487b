"""Signing out of the box (issue 21 item 3): a signature is confirmed with the signer's password
(Argon2, throttled with logins, audited), and the admin's users page issues and revokes
certificates (audited; a revoked certificate signs nothing more)."""

from __future__ import annotations

import re

from sqlalchemy import select

from ecabinet.models import AuditEvent, SignerCredential
from ecabinet.services import pki, signing
from tests.conftest import PASSWORD, api_login, bearer
from tests.test_csrf_and_cookies import browser_login

SIGN = "/api/signing/documents/{}/sign"


async def _document(svc, world, *names: str) -> int:
    doc = await signing.prepare(
        svc,
        None,
        signing.DocumentRequest(
            "meeting", "7", "Biên bản", ["Nội dung."], [world[n].id for n in names]
        ),
    )
    return doc.id


async def _actions(svc, prefix: str) -> list[AuditEvent]:
    async with svc.db.reading() as session:
        return list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like(f"{prefix}%"))
                .order_by(AuditEvent.seq)
            )
        )


async def test_a_signature_needs_the_signers_password_and_wrong_ones_are_throttled(
    client, svc, world
):
    await pki.issue_certificate(svc, None, world["botruong"].id)
    doc_id = await _document(svc, world, "botruong")
    member = bearer(await api_login(client, "botruong"))

    missing = await client.post(SIGN.format(doc_id), json={}, headers=member)
    assert missing.status == 422
    wrong = await client.post(SIGN.format(doc_id), json={"password": "không đúng"}, headers=member)
    assert wrong.status == 403
    assert (await wrong.json())["error"]["code"] == "signing_password_wrong"
    state = await client.get(f"/api/signing/documents/{doc_id}", headers=member)
    assert (await state.json())["signed_count"] == 0  # nothing was signed
    failed = await _actions(svc, "signing.confirm_failed")
    assert [e.actor_id for e in failed] == [world["botruong"].id]

    # the same count as logins: after the account's limit even the right password is refused
    limit = svc.settings.login_failures_per_account
    for _ in range(limit - 1):
        resp = await client.post(SIGN.format(doc_id), json={"password": "sai"}, headers=member)
        assert resp.status == 403
    throttled = await client.post(SIGN.format(doc_id), json={"password": PASSWORD}, headers=member)
    assert throttled.status == 429
    assert (await throttled.json())["error"]["code"] == "signing_throttled"
    login = await client.post(
        "/api/auth/login", json={"username": "botruong", "password": PASSWORD}
    )
    assert login.status == 429  # guessing through the sign button counts against logins too

    svc.clock.advance(seconds=svc.settings.login_throttle_window + 1)
    ok = await client.post(SIGN.format(doc_id), json={"password": PASSWORD}, headers=member)
    assert ok.status == 200, await ok.text()
    assert (await ok.json())["signed_count"] == 1
    sign_entry = (await _actions(svc, "signing.sign"))[-1]
    assert sign_entry.data["confirmed"] == "password"


async def test_the_admin_issues_and_revokes_a_certificate_on_the_users_page(client, svc, world):
    token = await browser_login(client, "admin")
    page = await (await client.get("/admin/users")).text()
    row = re.search(
        rf'<td data-certificate="(\w+)">\s*.*?/admin/users/{world["thuky"].id}/', page, re.S
    )
    assert row and row.group(1) == "no"

    resp = await client.post(
        f"/admin/users/{world['thuky'].id}/certificate", data={"csrf_token": token}
    )
    assert resp.status == 200 and "A signing certificate was issued." in await resp.text()
    async with svc.db.reading() as session:
        issued = await pki.current_credential(session, world["thuky"].id)
    assert issued is not None
    page = await (await client.get("/admin/users")).text()
    assert issued.fingerprint[:16] in page

    resp = await client.post(
        f"/admin/users/{world['thuky'].id}/certificate/revoke", data={"csrf_token": token}
    )
    assert resp.status == 200 and "The signing certificate was revoked." in await resp.text()
    async with svc.db.reading() as session:
        assert await pki.current_credential(session, world["thuky"].id) is None
        revoked = await session.get(SignerCredential, issued.id)
        assert revoked.revoked_at is not None
    again = await client.post(
        f"/admin/users/{world['thuky'].id}/certificate/revoke", data={"csrf_token": token}
    )
    assert again.status == 404
    entries = await _actions(svc, "pki.certificate_")
    assert [e.action for e in entries] == ["pki.certificate_issue", "pki.certificate_revoke"]
    assert entries[-1].data["fingerprint"] == issued.fingerprint

    # a revoked certificate signs nothing
    doc_id = await _document(svc, world, "thuky")
    client.session.cookie_jar.clear()
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post(SIGN.format(doc_id), json={"password": PASSWORD}, headers=secretary)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "no_signing_certificate"


async def test_only_an_admin_issues_or_revokes(client, svc, world):
    await pki.issue_certificate(svc, None, world["botruong"].id)
    secretary = bearer(await api_login(client, "thuky"))
    path = f"/api/admin/users/{world['botruong'].id}/signing-certificate"
    assert (await client.post(path, headers=secretary)).status == 403
    assert (await client.delete(path, headers=secretary)).status == 403
    admin = bearer(await api_login(client, "admin"))
    resp = await client.delete(path, headers=admin)
    assert resp.status == 200 and "PRIVATE KEY" not in await resp.text()
    assert (await client.delete(path, headers=admin)).status == 404
