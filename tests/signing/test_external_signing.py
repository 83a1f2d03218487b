"""Issue 18: signing with a key the server never holds. The minutes are signed by a mix: two
signers whose keys stay with them (here an in-memory key plays the device; the SoftHSM2 test
does the same through the signing agent) and the chair with the platform CA. The server
prepares each revision and keeps it; what comes back is checked (the prepared digest, the
registered certificate, a trusted root, validity, key usage, the CRL) before anything is
stored, and every refusal leaves the minutes as they were."""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import func, select

from ecabinet.clock import FrozenClock
from ecabinet.models import AuditEvent, DocumentSignature, ExternalSigningRequest, SigningDocument
from ecabinet.schemas.minutes import ApproveIn
from ecabinet.services import minutes_signing, pki, verification
from tests.conftest import World, api_login, bearer
from tests.minutes.test_minutes_signing import SIGNERS, _in_review

from .device_pki import DeviceCa, serve


def _asn1(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture
async def device_ca(aiohttp_server, clock: FrozenClock, svc, tmp_path: Path) -> DeviceCa:
    """The signers' CA, trusted by the deployment (ECABINET_SIGNING_TRUST_ROOTS, a directory)."""
    ca = await serve(aiohttp_server, DeviceCa.create(clock.now()))
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "device-root.pem").write_bytes(ca.pem)
    svc.settings = replace(svc.settings, signing_trust_roots=str(roots))
    return ca


class Device:
    """A signer's device: a key that never leaves it, and its certificate from ``ca``."""

    def __init__(self, ca: DeviceCa, name: str, **issue) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = ca.issue(self.key.public_key(), name, **issue)

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, request: dict) -> str:
        attrs = base64.b64decode(request["signed_attributes"])
        return base64.b64encode(self.key.sign(attrs, ec.ECDSA(hashes.SHA256()))).decode()

    async def cms_over(self, digest: bytes, ca: DeviceCa) -> str:
        """A whole CMS made on the device, over ``digest``."""
        der = self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        signer = signers.SimpleSigner(
            signing_cert=_asn1(self.cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(ca.cert)]),
        )
        content = await signer.async_sign(digest, "sha256", use_pades=True)
        return base64.b64encode(content.dump()).decode()


async def _approved(world: World, clock: FrozenClock) -> tuple[int, object]:
    held, mid = await _in_review(world, clock)
    secretary = held.actor("thuky")
    ids = [world[n].id for n in SIGNERS]
    await minutes_signing.approve(world.svc, secretary, mid, ApproveIn(version=1, signer_ids=ids))
    return mid, held


def _code(body: dict) -> str:
    return str(body.get("error", {}).get("code", ""))


async def _state(svc) -> tuple[int, str, int]:
    async with svc.db.reading() as session:
        doc = (await session.scalars(select(SigningDocument))).one()
        count = await session.scalar(select(func.count()).select_from(DocumentSignature))
    return doc.signed_count, doc.pdf_sha256, count


async def _register(client, headers, device: Device, chain: str = "") -> tuple[int, dict]:
    resp = await client.post(
        "/api/me/signing-certificate/device",
        json={"certificate_pem": device.pem, "chain_pem": chain},
        headers=headers,
    )
    return resp.status, await resp.json()


async def _prepare(client, headers, mid: int) -> tuple[int, dict]:
    resp = await client.post(f"/api/minutes/{mid}/sign/device", headers=headers)
    return resp.status, await resp.json()


async def _answer(client, headers, token: str, **body) -> tuple[int, dict]:
    resp = await client.post(f"/api/signing/requests/{token}/signature", json=body, headers=headers)
    return resp.status, await resp.json()


async def test_minutes_signed_by_two_devices_and_the_chair_with_the_platform_ca(
    client, svc, world: World, clock: FrozenClock, device_ca: DeviceCa
) -> None:
    mid, held = await _approved(world, clock)
    devices = {n: Device(device_ca, n.title()) for n in ("thuky", "daibieu")}
    logins = {n: bearer(await api_login(client, n)) for n in SIGNERS}
    for name, device in devices.items():
        status, body = await _register(client, logins[name], device)
        assert status == 201, body
        assert body["source"] == "external" and "PRIVATE" not in str(body)

    for name in ("thuky", "daibieu"):
        clock.advance(minutes=3)
        status, request = await _prepare(client, logins[name], mid)
        assert status == 201, request
        assert request["meeting_id"] == held.meeting_id
        assert request["signer_name"] == name.title()
        assert len(request["document_digest"]) == 64
        # the signed attributes carry the digest the device is shown
        assert (
            bytes.fromhex(request["document_digest"]).hex()
            in base64.b64decode(request["signed_attributes"]).hex()
        )
        # only its signer may read it
        other = await client.get(
            f"/api/signing/requests/{request['token']}", headers=logins["botruong"]
        )
        assert other.status == 404
        status, done = await _answer(
            client, logins[name], request["token"], signature_base64=devices[name].sign(request)
        )
        assert status == 200, done
    # the chair has no device: the platform CA signs, as before
    resp = await client.post(f"/api/minutes/{mid}/sign/device", headers=logins["botruong"])
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "no_device_certificate"
    final = await minutes_signing.sign(svc, held.actor("botruong"), mid)
    assert final.status == "final"

    pdf = (await minutes_signing.pdf(svc, held.actor("thuky"), mid)).data
    report = await verification.verify(svc, pdf)
    assert [s.valid for s in report.signatures] == [True, True, True], report
    assert [s.kind for s in report.signatures] == ["own_key", "own_key", "platform"]
    assert [s.issuer for s in report.signatures][:2] == ["Ban Cơ yếu thử nghiệm Root CA"] * 2
    # the devices' signatures carry their CA's CRL in the DSS (fetched at signing time)
    dss = PdfFileReader(io.BytesIO(pdf)).root["/DSS"]
    issuers = {x509.load_der_x509_crl(c.get_object().data).issuer for c in dss["/CRLs"]}
    assert device_ca.cert.subject in issuers


async def test_refusals_leave_the_minutes_as_they_were(
    client, svc, world: World, clock: FrozenClock, device_ca: DeviceCa
) -> None:
    mid, _held = await _approved(world, clock)
    secretary = bearer(await api_login(client, "thuky"))
    member = bearer(await api_login(client, "daibieu"))
    device = Device(device_ca, "Thuky")
    assert (await _register(client, secretary, device))[0] == 201
    before = await _state(svc)

    async def refused(token: str, code: str, **answer) -> None:
        status, body = await _answer(client, secretary, token, **answer)
        assert (status, _code(body)) == (
            422 if code in {"signature_mismatch", "digest_mismatch", "wrong_signer"} else 409,
            code,
        ), body
        assert await _state(svc) == before

    _, request = await _prepare(client, secretary, mid)
    # a signature over other bytes (another digest)
    wrong = dict(request, signed_attributes=base64.b64encode(b"other").decode())
    await refused(request["token"], "signature_mismatch", signature_base64=device.sign(wrong))
    # a whole CMS over another digest, and one by a key of another CA
    await refused(
        request["token"],
        "digest_mismatch",
        cms_base64=await device.cms_over(b"\x01" * 32, device_ca),
    )
    stranger_ca = DeviceCa.create(clock.now(), "Untrusted CA")
    stranger = Device(stranger_ca, "Thuky")
    digest = bytes.fromhex(request["document_digest"])
    await refused(
        request["token"], "wrong_signer", cms_base64=await stranger.cms_over(digest, stranger_ca)
    )
    # someone else's request is not found
    status, body = await _answer(client, member, request["token"], signature_base64="AA==")
    assert (status, _code(body)) == (404, "signing_request_not_found")

    # revoked by its CA after registration: the CRL fetched at signing time says so
    device_ca.revoked.add(device.cert.serial_number)
    await refused(request["token"], "certificate_revoked", signature_base64=device.sign(request))
    device_ca.revoked.clear()

    # a new request supersedes the old one; a stale one and an expired one are refused
    _, second = await _prepare(client, secretary, mid)
    await refused(
        request["token"], "signing_request_expired", signature_base64=device.sign(request)
    )
    clock.advance(minutes=11)
    await refused(second["token"], "signing_request_expired", signature_base64=device.sign(second))
    _, third = await _prepare(client, secretary, mid)
    status, done = await _answer(
        client, secretary, third["token"], signature_base64=device.sign(third)
    )
    assert status == 200 and done["signed_count"] == 1
    # single use
    status, body = await _answer(
        client, secretary, third["token"], signature_base64=device.sign(third)
    )
    assert (status, _code(body)) == (409, "signing_request_used")
    async with svc.db.reading() as session:
        used = await session.scalar(
            select(ExternalSigningRequest.used_at).where(
                ExternalSigningRequest.token == third["token"]
            )
        )
    assert used is not None
    # every refusal of an answer is on the audit log, with its reason (the answers rolled back)
    async with svc.db.reading() as session:
        refusals = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "signing.device_refused")
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert [e.data["code"] for e in refusals] == [
        "signature_mismatch",
        "digest_mismatch",
        "wrong_signer",
        "certificate_revoked",
        "signing_request_expired",
        "signing_request_expired",
        "signing_request_used",
    ]
    assert {e.actor_id for e in refusals} == {world["thuky"].id}
    assert {e.meeting_id for e in refusals} == {_held.meeting_id}


async def test_a_certificate_revoked_at_its_ocsp_responder_is_refused_at_signing(
    client, svc, world: World, clock: FrozenClock, device_ca: DeviceCa
) -> None:
    """A certificate naming only an OCSP responder (no CRL): asked at registration and again
    at signing time; revoked in between, the signature is refused and nothing changes."""
    mid, _held = await _approved(world, clock)
    headers = bearer(await api_login(client, "thuky"))
    device = Device(device_ca, "Thuky", with_crl=False, with_ocsp=True)
    assert (await _register(client, headers, device))[0] == 201
    _, request = await _prepare(client, headers, mid)
    before = await _state(svc)
    device_ca.revoked.add(device.cert.serial_number)
    status, body = await _answer(
        client, headers, request["token"], signature_base64=device.sign(request)
    )
    assert (status, _code(body)) == (409, "certificate_revoked"), body
    assert await _state(svc) == before
    device_ca.revoked.clear()
    status, done = await _answer(
        client, headers, request["token"], signature_base64=device.sign(request)
    )
    assert status == 200 and done["signed_count"] == 1
    pdf = (await minutes_signing.pdf(svc, _held.actor("thuky"), mid)).data
    dss = PdfFileReader(io.BytesIO(pdf)).root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1  # the responder's answer is kept for long-term validation


async def test_certificates_refused_at_registration(
    client, svc, world: World, clock: FrozenClock, device_ca: DeviceCa
) -> None:
    headers = bearer(await api_login(client, "daibieu"))
    now = clock.now()
    cases = {
        "certificate_untrusted": Device(DeviceCa.create(now, "Untrusted CA"), "Daibieu"),
        "certificate_expired": Device(
            device_ca, "Daibieu", not_before=now - timedelta(days=400), days=365
        ),
        "certificate_wrong_usage": Device(device_ca, "Daibieu", non_repudiation=False),
    }
    revoked = Device(device_ca, "Daibieu")
    device_ca.revoked.add(revoked.cert.serial_number)
    cases["certificate_revoked"] = revoked
    for code, device in cases.items():
        status, body = await _register(client, headers, device)
        assert (status, _code(body)) == (409, code), body
    async with svc.db.reading() as session:
        assert await pki.current_credential(session, world["daibieu"].id) is None


async def test_a_certificate_that_expires_before_the_turn_is_refused_at_prepare(
    client, svc, world: World, clock: FrozenClock, device_ca: DeviceCa
) -> None:
    mid, _held = await _approved(world, clock)
    headers = bearer(await api_login(client, "thuky"))
    # valid for one more hour when registered
    short = Device(device_ca, "Thuky", not_before=clock.now() - timedelta(hours=23), days=1)
    assert (await _register(client, headers, short))[0] == 201
    clock.advance(hours=2)
    headers = bearer(await api_login(client, "thuky"))
    status, body = await _prepare(client, headers, mid)
    assert (status, _code(body)) == (409, "certificate_expired")
    assert (await _state(svc))[0] == 0
