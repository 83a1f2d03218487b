"""The platform CA and signers' credentials: created on first use, keys encrypted at rest and
never returned, certificates fit for document signing, PKCS#12 from an outside CA."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from ecabinet.models import AuditEvent, CertificateAuthority, CredentialSource, SignerCredential
from ecabinet.services import pki
from tests.conftest import api_login, bearer

from .conftest import CA_PASSPHRASE


async def test_the_ca_is_created_once_on_first_use_and_audited(svc):
    first = await pki.ensure_ca(svc)
    second = await pki.ensure_ca(svc)
    assert first.id == second.id
    async with svc.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(CertificateAuthority)) == 1
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions.count("pki.ca_create") == 1
    cert = x509.load_pem_x509_certificate(first.certificate_pem.encode())
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca


async def test_the_ca_key_is_stored_encrypted_under_the_passphrase(svc):
    row = await pki.ensure_ca(svc)
    assert row.encrypted_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # no password given for an encrypted key
        serialization.load_pem_private_key(row.encrypted_key_pem.encode(), password=None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(row.encrypted_key_pem.encode(), password=b"wrong")
    key = serialization.load_pem_private_key(
        row.encrypted_key_pem.encode(), password=CA_PASSPHRASE.encode()
    )
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


async def test_without_a_passphrase_the_ca_is_refused_outside_development(svc):
    svc.settings = replace(svc.settings, ca_passphrase="")
    with pytest.raises(pki.CaNotConfigured) as refused:
        await pki.ensure_ca(svc)
    assert refused.value.status == 503
    svc.settings = replace(svc.settings, debug=True)
    assert (await pki.ensure_ca(svc)).certificate_pem


async def test_an_issued_certificate_is_for_document_signing_with_vietnamese_names(svc, world):
    user = await world.add_user("pho-thu-tuong", world["botruong"].role, world.ministry)
    async with svc.db.transaction() as session:
        from ecabinet.models import User

        row = await session.get(User, user.id)
        row.full_name, row.title = "Trần Thị Hồng Nhung", "Phó Thủ tướng Chính phủ"
    credential = await pki.issue_certificate(svc, None, user.id)
    cert = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    ca = await pki.ca_certificate(svc)
    cert.verify_directly_issued_by(ca)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Trần Thị Hồng Nhung"
    )
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == (
        "Phó Thủ tướng Chính phủ"
    )
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Bộ Y tế"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    with pytest.raises(x509.ExtensionNotFound):  # an EKU makes pdfsig distrust it (NSS)
        cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert credential.source == CredentialSource.PLATFORM


async def test_the_signer_key_is_encrypted_and_bound_to_its_certificate(svc, world):
    credential = await pki.issue_certificate(svc, None, world["botruong"].id)
    blob = credential.encrypted_key
    with pytest.raises(ValueError):
        serialization.load_der_private_key(blob, password=None)
    assert b"PRIVATE KEY" not in blob
    material = pki.unlock(svc, credential)
    assert material.key.public_key().public_numbers() == (
        material.certificate.public_key().public_numbers()
    )
    with pytest.raises(pki.CertificateUnusable):  # another certificate's fingerprint
        pki.decrypt_key(blob, (svc.settings.secret_key,), "0" * 64)
    with pytest.raises(pki.CertificateUnusable):  # another server secret
        pki.decrypt_key(
            blob, ("another-secret-that-is-long-enough-012345",), credential.fingerprint
        )


async def test_keys_still_open_after_the_server_secret_is_rotated(svc, world):
    credential = await pki.issue_certificate(svc, None, world["botruong"].id)
    old = svc.settings.secret_key
    svc.settings = replace(
        svc.settings,
        secret_key="a-brand-new-server-secret-0123456789-abcdef",
        previous_secret_keys=(old,),
    )
    assert pki.unlock(svc, credential).certificate.subject


async def test_a_new_certificate_replaces_the_users_earlier_one(svc, world):
    first = await pki.issue_certificate(svc, None, world["botruong"].id)
    second = await pki.issue_certificate(svc, None, world["botruong"].id)
    async with svc.db.reading() as session:
        current = await pki.current_credential(session, world["botruong"].id)
        old = await session.get(SignerCredential, first.id)
    assert current.id == second.id
    assert old.revoked_at is not None


async def test_no_response_ever_carries_a_private_key(client, svc, world):
    admin = bearer(await api_login(client, "admin"))
    member = bearer(await api_login(client, "botruong"))
    issued = await client.post(
        f"/api/admin/users/{world['botruong'].id}/signing-certificate", headers=admin
    )
    assert issued.status == 201
    mine = await client.get("/api/me/signing-certificate", headers=member)
    assert mine.status == 200
    ca = await client.get("/api/ca.pem")
    openapi = await client.get("/api/openapi.json")
    for resp in (issued, mine, ca, openapi):
        text = await resp.text()
        assert "PRIVATE KEY" not in text
        assert "encrypted_key" not in text
    body = await mine.json()
    assert set(body) == {
        "id", "user_id", "source", "subject", "issuer", "fingerprint", "not_before",
        "not_after", "created_at", "certificate_pem",
    }  # fmt: skip


async def test_the_ca_certificate_downloads_once_it_exists(client, svc, world):
    before = await client.get("/api/ca.pem")
    assert before.status == 404
    assert (await before.json())["error"]["code"] == "ca_not_created"
    await pki.issue_certificate(svc, None, world["botruong"].id)
    resp = await client.get("/api/ca.pem")
    assert resp.status == 200
    assert resp.content_type == "application/x-pem-file"
    downloaded = x509.load_pem_x509_certificate(await resp.read())
    assert downloaded == await pki.ca_certificate(svc)


async def test_only_certificate_issuers_may_issue_and_unknown_users_are_not_found(client, world):
    member = bearer(await api_login(client, "botruong"))
    resp = await client.post(
        f"/api/admin/users/{world['thuky'].id}/signing-certificate", headers=member
    )
    assert resp.status == 403
    admin = bearer(await api_login(client, "admin"))
    resp = await client.post("/api/admin/users/999999/signing-certificate", headers=admin)
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "user_not_found"


async def test_a_signer_uploads_a_pkcs12_from_an_outside_ca(client, svc, clock, world, outside_ca):
    headers = bearer(await api_login(client, "botruong"))
    bundle = outside_ca.pkcs12_for("Lê Văn Bình", "Bộ trưởng", clock.now(), "mật-khẩu-p12")

    async def upload(data: bytes, password: str) -> tuple[int, dict]:
        resp = await client.post(
            "/api/me/signing-certificate/pkcs12",
            json={"pkcs12_base64": base64.b64encode(data).decode(), "password": password},
            headers=headers,
        )
        return resp.status, await resp.json()

    status, body = await upload(bundle, "wrong")
    assert (status, body["error"]["code"]) == (422, "pkcs12_unreadable")
    status, body = await upload(b"not a bundle", "")
    assert (status, body["error"]["code"]) == (422, "pkcs12_unreadable")
    expired = outside_ca.pkcs12_for(
        "Lê Văn Bình", "Bộ trưởng", clock.now(), "pw", days=30,
        not_before=clock.now() - timedelta(days=60),
    )  # fmt: skip
    status, body = await upload(expired, "pw")
    assert (status, body["error"]["code"]) == (409, "certificate_expired")
    status, body = await upload(bundle, "mật-khẩu-p12")
    assert status == 201, body
    assert body["source"] == "pkcs12"
    assert "Outside Root CA" in body["issuer"]
    assert body["user_id"] == world["botruong"].id
