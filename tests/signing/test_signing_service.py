"""Signing in turn: the configured order (chair last), one signature at a time per document,
the certificate checked before any byte is written, PAdES B-T with a time-stamp authority,
RSASSA-PSS for RSA keys, and a PKCS#12 from an outside CA that validates against that CA."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from sqlalchemy import func, select

from ecabinet.errors import Conflict, DomainError, Forbidden, NotFound
from ecabinet.models import AuditEvent, DocumentSignature, Role
from ecabinet.services import pki, signing, verification
from ecabinet.services.actor import Actor
from ecabinet.services.audit import verify_chain

from .conftest import OutsideCa


def actor_for(world, name: str) -> Actor:
    account = world[name]
    return Actor(
        user_id=account.id,
        username=account.username,
        full_name=account.username.title(),
        role=account.role,
        organization_id=account.organization_id,
        language="vi",
        session_id="test",
    )


@pytest.fixture
async def signers(svc, world) -> list[Actor]:
    """Three signers with platform certificates; the chair (thuky here) signs last."""
    names = ["botruong", "daibieu", "thuky"]
    for name in names:
        await pki.issue_certificate(svc, None, world[name].id)
    return [actor_for(world, n) for n in names]


async def prepare(svc, world, signers) -> int:
    doc = await signing.prepare(
        svc,
        actor_for(world, "thuky"),
        signing.DocumentRequest(
            subject_type="meeting",
            subject_id="42",
            title="Biên bản phiên họp thường kỳ",
            paragraphs=["Các đại biểu thống nhất thông qua Nghị quyết."],
            signer_ids=[a.user_id for a in signers],
        ),
    )
    return doc.id


async def current_pdf(svc, world, doc_id: int) -> bytes:
    return (await signing.get_document(svc, actor_for(world, "admin"), doc_id)).pdf


async def test_signers_sign_in_the_configured_order_and_the_result_verifies(svc, world, signers):
    doc_id = await prepare(svc, world, signers)
    first, second, chair = signers
    with pytest.raises(Forbidden) as early:
        await signing.sign_next(svc, chair, doc_id)
    assert early.value.code == "not_your_turn"
    await signing.sign_next(svc, first, doc_id)
    with pytest.raises(Conflict) as again:
        await signing.sign_next(svc, first, doc_id)
    assert again.value.code == "already_signed"
    await signing.sign_next(svc, second, doc_id)
    await signing.sign_next(svc, chair, doc_id)
    with pytest.raises(Conflict) as done:
        await signing.sign_next(svc, chair, doc_id)
    assert done.value.code == "document_complete"

    report = await verification.verify(svc, await current_pdf(svc, world, doc_id))
    assert report.all_valid
    assert [s.field_name for s in report.signatures] == ["Sig01", "Sig02", "Sig03"]
    assert [s.signer for s in report.signatures] == ["Botruong", "Daibieu", "Thuky"]
    async with svc.db.reading() as session:
        rows = (
            await session.scalars(
                select(DocumentSignature).where(DocumentSignature.document_id == doc_id)
            )
        ).all()
        actions = (await session.scalars(select(AuditEvent.action))).all()
        assert (await verify_chain(session)).intact
    assert [r.user_id for r in sorted(rows, key=lambda r: r.position)] == [
        a.user_id for a in signers
    ]
    assert actions.count("signing.sign") == 3
    assert actions.count("signing.prepare") == 1


async def test_someone_not_on_the_list_cannot_see_or_sign(svc, world, signers):
    doc_id = await prepare(svc, world, signers)
    outsider = actor_for(world, "vanhanh")
    with pytest.raises(NotFound):
        await signing.sign_next(svc, outsider, doc_id)
    with pytest.raises(NotFound):
        await signing.get_document(svc, outsider, doc_id)
    with pytest.raises(NotFound):
        await signing.sign_next(svc, signers[0], 999_999)


async def test_an_expired_certificate_is_refused_before_any_byte_is_written(
    svc, world, signers, clock
):
    doc_id = await prepare(svc, world, signers)
    before = await current_pdf(svc, world, doc_id)
    clock.advance(minutes=int(pki.SIGNER_VALIDITY / timedelta(minutes=1)) + 10)
    with pytest.raises(DomainError) as refused:
        await signing.sign_next(svc, signers[0], doc_id)
    assert refused.value.code == "certificate_expired"
    assert await current_pdf(svc, world, doc_id) == before
    async with svc.db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(DocumentSignature))
    assert count == 0


async def test_a_signer_without_a_certificate_is_told_so(svc, world, signers):
    extra = await world.add_user("khach", Role.MEMBER, world.ministry)
    doc = await signing.prepare(
        svc,
        None,
        signing.DocumentRequest("meeting", "7", "Thông báo kết luận", ["Nội dung."], [extra.id]),
    )
    with pytest.raises(Conflict) as refused:
        await signing.sign_next(svc, actor_for(world, "khach"), doc.id)
    assert refused.value.code == "no_signing_certificate"


async def test_two_simultaneous_attempts_add_exactly_one_signature(svc, world, signers):
    doc_id = await prepare(svc, world, signers)
    results = await asyncio.gather(
        signing.sign_next(svc, signers[0], doc_id),
        signing.sign_next(svc, signers[0], doc_id),
        return_exceptions=True,
    )
    ok = [r for r in results if isinstance(r, DocumentSignature)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert refused[0].code == "already_signed"
    report = await verification.verify(svc, await current_pdf(svc, world, doc_id))
    assert len(report.signatures) == 1 and report.all_valid


def dummy_tsa(outside_ca: OutsideCa, now) -> DummyTimeStamper:
    """pyHanko's in-process RFC 3161 time-stamp authority, with a TSA certificate from
    ``outside_ca`` (EKU timeStamping)."""
    tsa_cert, tsa_key = outside_ca.tsa(now)

    def asn1(cert):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    return DummyTimeStamper(
        tsa_cert=asn1(tsa_cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=[asn1(outside_ca.cert)],
    )


@pytest.fixture
async def tsa_url(aiohttp_server, outside_ca: OutsideCa, clock) -> str:
    """An RFC 3161 TSA over HTTP on loopback (application/timestamp-query -> -reply)."""
    stamper = dummy_tsa(outside_ca, clock.now())

    async def answer(request: web.Request) -> web.Response:
        assert request.content_type == "application/timestamp-query"
        query = tsp.TimeStampReq.load(await request.read())
        reply = await stamper.async_request_tsa_response(query)
        return web.Response(body=reply.dump(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", answer)
    server = await aiohttp_server(app)
    return str(server.make_url("/tsa"))


async def test_with_a_time_stamp_authority_the_signature_is_pades_b_t(
    svc, world, signers, outside_ca: OutsideCa, tsa_url: str
):
    svc.settings = replace(svc.settings, tsa_url=tsa_url)  # ECABINET_TSA_URL
    doc_id = await prepare(svc, world, signers)
    await signing.sign_next(svc, signers[0], doc_id)
    pdf = await current_pdf(svc, world, doc_id)
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    unsigned = [a["type"].native for a in sig.signer_info["unsigned_attrs"]]
    assert "signature_time_stamp_token" in unsigned  # PAdES B-T
    roots = [await pki.ca_certificate(svc), outside_ca.cert]
    report = await asyncio.to_thread(verification.verify_pdf, pdf, roots)
    assert report.all_valid
    assert report.signatures[0].timestamp is not None
    plain = await asyncio.to_thread(verification.verify_pdf, pdf, [await pki.ca_certificate(svc)])
    assert plain.signatures[0].timestamp is None  # an untrusted TSA's time is not shown
    assert not plain.all_valid


async def test_an_outside_pkcs12_signs_with_pss_and_validates_against_that_ca(
    svc, world, clock, outside_ca: OutsideCa, tmp_path: Path
):
    member = actor_for(world, "botruong")
    bundle = outside_ca.pkcs12_for("Lê Văn Bình", "Bộ trưởng Bộ Y tế", clock.now(), "pw")
    await pki.import_pkcs12(svc, member, bundle, "pw")
    doc = await signing.prepare(
        svc,
        None,
        signing.DocumentRequest("meeting", "9", "Biên bản", ["Nội dung."], [member.user_id]),
    )
    await signing.sign_next(svc, member, doc.id)
    pdf = await current_pdf(svc, world, doc.id)

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert sig.signer_info["signature_algorithm"]["algorithm"].native == "rsassa_pss"
    assert sig.signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    assert sig.signer_cert.public_key.bit_size >= 2048

    trusted = await asyncio.to_thread(verification.verify_pdf, pdf, [outside_ca.cert])
    assert trusted.all_valid and trusted.signatures[0].signer == "Lê Văn Bình"
    platform_only = await verification.verify(svc, pdf)  # the platform CA does not vouch
    assert platform_only.signatures[0].intact and not platform_only.signatures[0].trusted

    path, ca = tmp_path / "outside.pdf", tmp_path / "outside-ca.pem"
    path.write_bytes(pdf)
    ca.write_bytes(outside_ca.pem)
    cli = Path(sys.executable).with_name("pyhanko")
    if not cli.exists():
        pytest.skip("the pyhanko command is missing: pip install pyhanko-cli")
    result = await asyncio.to_thread(
        subprocess.run,
        [str(cli), "sign", "validate", "--trust-replace", "--trust", str(ca), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ":INTACT:TRUSTED,UNTOUCHED" in result.stdout
