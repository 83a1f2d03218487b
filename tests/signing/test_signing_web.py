"""The verification page and API (Vietnamese report: signer, time, integrity, trust), signing
over the API, and the audit log for auditors (filter by subject, chain check, CLI)."""

from __future__ import annotations

import asyncio
import html
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from ecabinet.services import pki, signing
from tests.conftest import PASSWORD, api_login, bearer
from tests.test_audit import without_append_only_guard

from .conftest import OutsideCa, flip_signed_byte
from .test_signing_service import actor_for

ROOT = Path(__file__).resolve().parents[2]


async def signed_pdf(svc, world) -> tuple[int, bytes]:
    await pki.issue_certificate(svc, None, world["botruong"].id)
    doc = await signing.prepare(
        svc,
        actor_for(world, "thuky"),
        signing.DocumentRequest("meeting", "42", "Biên bản", ["Nội dung."], [world["botruong"].id]),
    )
    await signing.sign_next(svc, actor_for(world, "botruong"), doc.id)
    return doc.id, (await signing.get_document(svc, actor_for(world, "admin"), doc.id)).pdf


async def speaks_vietnamese(svc, user_id: int) -> None:
    async with svc.db.transaction() as session:
        await session.execute(
            text("UPDATE user_account SET language = 'vi' WHERE id = :id"), {"id": user_id}
        )


async def browser_login(client, username: str) -> str:
    page = await client.get("/login")
    token = (await page.text()).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await client.get("/verify")
    return (await page.text()).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


async def upload(client, token: str, data: bytes) -> tuple[int, str]:
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", data, filename="bien-ban.pdf", content_type="application/pdf")
    resp = await client.post("/verify", data=form)
    return resp.status, html.unescape(await resp.text())


async def test_the_verification_page_reports_in_vietnamese(client, svc, world):
    _, pdf = await signed_pdf(svc, world)
    await speaks_vietnamese(svc, world["daibieu"].id)
    token = await browser_login(client, "daibieu")  # anyone logged in may verify

    status, page = await upload(client, token, pdf)
    assert status == 200
    for expected in (
        "Người ký", "Thời gian ký", "Tính toàn vẹn", "Botruong",
        "Toàn vẹn: nội dung đã ký không bị thay đổi", "Tin cậy",
        "Tất cả chữ ký đều hợp lệ và tin cậy.",
    ):  # fmt: skip
        assert expected in page, expected
    assert 'data-valid="true"' in page

    status, page = await upload(client, token, flip_signed_byte(pdf, 500))
    assert status == 200
    assert "Không toàn vẹn: nội dung đã ký đã bị thay đổi" in page
    assert 'data-valid="false"' in page

    status, page = await upload(client, token, b"%PDF-1.7 but not really")
    assert "Tệp không phải PDF đọc được." in page


async def test_a_file_signed_under_another_ca_is_shown_as_not_trusted(
    client, svc, world, clock, outside_ca: OutsideCa
):
    member = actor_for(world, "botruong")
    await pki.import_pkcs12(
        svc, member, outside_ca.pkcs12_for("Lê Văn Bình", "Bộ trưởng", clock.now(), "pw"), "pw"
    )
    await pki.issue_certificate(svc, None, world["thuky"].id)  # the platform CA exists too
    doc = await signing.prepare(
        svc, None, signing.DocumentRequest("meeting", "1", "Biên bản", ["x"], [member.user_id])
    )
    await signing.sign_next(svc, member, doc.id)
    pdf = (await signing.get_document(svc, member, doc.id)).pdf
    await speaks_vietnamese(svc, world["botruong"].id)
    token = await browser_login(client, "botruong")
    status, page = await upload(client, token, pdf)
    assert status == 200
    assert "Không tin cậy" in page
    assert "Không phải mọi chữ ký đều hợp lệ và tin cậy." in page


async def test_the_verification_page_needs_a_login_and_a_file(client, svc, world):
    resp = await client.get("/verify", allow_redirects=False)
    assert resp.status in (302, 303, 401)
    token = await browser_login(client, "daibieu")
    resp = await client.post("/verify", data={"csrf_token": token})
    assert resp.status == 400


async def test_the_verification_api_takes_a_pdf_body(client, svc, world):
    _, pdf = await signed_pdf(svc, world)
    headers = bearer(await api_login(client, "vanhanh"))
    resp = await client.post(
        "/api/verify", data=pdf, headers={**headers, "Content-Type": "application/pdf"}
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["all_valid"] is True
    [sig] = body["signatures"]
    assert sig["signer"] == "Botruong" and sig["intact"] and sig["trusted"]
    assert sig["labels"]["integrity"] == "Toàn vẹn: nội dung đã ký không bị thay đổi"
    wrong_type = await client.post("/api/verify", json={"pdf": "x"}, headers=headers)
    assert wrong_type.status == 415
    assert (await wrong_type.json())["error"]["code"] == "file_required"
    anonymous = await client.post(
        "/api/verify", data=pdf, headers={"Content-Type": "application/pdf"}
    )
    assert anonymous.status == 401


async def test_the_verification_api_refuses_a_file_over_the_limit(client, svc, world):
    svc.settings = replace(svc.settings, max_verify_upload=1024)
    headers = bearer(await api_login(client, "vanhanh"))
    resp = await client.post(
        "/api/verify",
        data=b"%PDF" + b"0" * 4096,
        headers={**headers, "Content-Type": "application/pdf"},
    )
    assert resp.status == 413


async def test_signing_over_the_api_follows_the_order(client, svc, world):
    for name in ("botruong", "thuky"):
        await pki.issue_certificate(svc, None, world[name].id)
    doc = await signing.prepare(
        svc,
        None,
        signing.DocumentRequest(
            "meeting", "5", "Biên bản", ["x"], [world["botruong"].id, world["thuky"].id]
        ),
    )
    chair = bearer(await api_login(client, "thuky"))
    member = bearer(await api_login(client, "botruong"))
    outsider = bearer(await api_login(client, "vanhanh"))
    early = await client.post(
        f"/api/signing/documents/{doc.id}/sign", json={"password": PASSWORD}, headers=chair
    )
    assert early.status == 403
    assert (await early.json())["error"]["code"] == "not_your_turn"
    hidden = await client.get(f"/api/signing/documents/{doc.id}/pdf", headers=outsider)
    assert hidden.status == 404
    first = await client.post(
        f"/api/signing/documents/{doc.id}/sign", json={"password": PASSWORD}, headers=member
    )
    assert first.status == 200
    assert (await first.json())["next_signer_id"] == world["thuky"].id
    second = await client.post(
        f"/api/signing/documents/{doc.id}/sign", json={"password": PASSWORD}, headers=chair
    )
    assert (await second.json())["signed_count"] == 2
    pdf = await client.get(f"/api/signing/documents/{doc.id}/pdf", headers=member)
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    sigs = await client.get(f"/api/signing/documents/{doc.id}/signatures", headers=member)
    assert [s["field_name"] for s in await sigs.json()] == ["Sig01", "Sig02"]


async def test_auditors_filter_the_log_by_subject(client, svc, world):
    doc_id, _ = await signed_pdf(svc, world)
    admin = bearer(await api_login(client, "admin"))
    resp = await client.get(
        "/api/admin/audit?subject_type=signing_document&subject_id=" + str(doc_id),
        headers=admin,
    )
    assert resp.status == 200
    entries = await resp.json()
    assert [e["action"] for e in entries] == ["signing.sign", "signing.prepare"]
    prefixed = await client.get("/api/admin/audit?action=pki.", headers=admin)
    assert {e["action"] for e in await prefixed.json()} == {
        "pki.ca_create",
        "pki.certificate_issue",
    }
    page = await client.get(
        f"/admin/audit?subject_type=signing_document&subject_id={doc_id}&verify=1",
        headers=admin,
    )
    text_ = await page.text()
    assert page.status == 200 and "signing.prepare" in text_ and 'data-chain="intact"' in text_
    chain = await client.get("/api/admin/audit/verify", headers=admin)
    assert (await chain.json())["intact"] is True
    member = bearer(await api_login(client, "botruong"))
    assert (await client.get("/api/admin/audit", headers=member)).status == 403
    assert (await client.get("/api/admin/audit/verify", headers=member)).status == 403


async def test_audit_verify_names_an_edited_row(svc, world, settings):
    await signed_pdf(svc, world)
    env = {
        "PATH": "/usr/bin:/bin",
        "ECABINET_DATA_DIR": str(settings.data_dir),
        "ECABINET_DATABASE_URL": settings.database_url,
        "ECABINET_SECRET_KEY": settings.secret_key,
    }

    def audit_verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "run.py", "audit", "verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    ok = await asyncio.to_thread(audit_verify)
    assert ok.returncode == 0, ok.stderr
    assert "audit chain intact" in ok.stdout
    async with svc.db.reading() as session:
        target = await session.scalar(
            text("SELECT seq FROM audit_event WHERE action = 'signing.prepare'")
        )
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            await session.execute(
                text("UPDATE audit_event SET address = '10.0.0.66' WHERE seq = :seq"),
                {"seq": target},
            )
        broken = await asyncio.to_thread(audit_verify)
    assert broken.returncode == 1
    assert f"seq={target}" in broken.stderr
