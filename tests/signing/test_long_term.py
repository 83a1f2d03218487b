"""Issue 20 item 5: long-term verifiable signatures. The platform CA publishes a CRL at
/pki/crl; its certificates name it; signing embeds the chain and the CRL (DSS, PAdES B-LT), and
with a TSA the last signature is followed by a document timestamp (B-LTA). pyHanko's own AdES
validation reports the level; revoking a certificate shows in the CRL."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from ecabinet.services import pki, signing
from tests.conftest import api_login, bearer

from .conftest import OutsideCa
from .test_signing_service import (  # noqa: F401 (the signers fixture)
    actor_for,
    current_pdf,
    dummy_tsa,
    prepare,
    signers,
)


@pytest.fixture
async def tsa_url(aiohttp_server, outside_ca: OutsideCa, clock) -> str:
    """An RFC 3161 TSA over HTTP on loopback whose clock is the test's (pyHanko's dummy)."""
    stamper = dummy_tsa(outside_ca, clock.now())
    stamper.fixed_dt = clock.now()

    async def answer(request: web.Request) -> web.Response:
        query = tsp.TimeStampReq.load(await request.read())
        reply = await stamper.async_request_tsa_response(query)
        return web.Response(body=reply.dump(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", answer)
    server = await aiohttp_server(app)
    return str(server.make_url("/tsa"))


async def _crl(client) -> x509.CertificateRevocationList:
    resp = await client.get("/pki/crl")  # public: validators do not log in
    assert resp.status == 200 and resp.content_type == "application/pkix-crl"
    return x509.load_der_x509_crl(await resp.read())


async def test_signatures_carry_their_validation_data_and_end_with_a_document_timestamp(
    svc,
    world,
    signers,  # noqa: F811
    outside_ca: OutsideCa,
    tsa_url: str,
    tmp_path: Path,
):
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(outside_ca.pem)  # the TSA's root, configured as the national roots are
    svc.settings = replace(svc.settings, tsa_url=tsa_url, signing_trust_roots=str(bundle))
    doc_id = await prepare(svc, world, signers)
    for actor in signers:
        await signing.sign_next(svc, actor, doc_id)
    pdf = await current_pdf(svc, world, doc_id)

    async with svc.db.reading() as session:
        credential = await pki.current_credential(session, signers[0].user_id)
    cert = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in points[0].full_name] == [svc.settings.base_url + "/pki/crl"]

    reader = PdfFileReader(io.BytesIO(pdf))
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) >= 1 and len(dss["/Certs"]) >= 2  # the CA's CRL and the chain
    assert len(reader.embedded_regular_signatures) == 3
    assert len(reader.embedded_timestamp_signatures) == 1  # B-LTA: after the last signature
    assert reader.embedded_signatures[-1].sig_object["/Type"] == "/DocTimeStamp"

    # pyHanko, offline, from what the file carries: each signer's certificate validates with
    # revocation information *required* and only the DSS to find it (B-LT); the signatures are
    # time-stamped (B-T); the document timestamp after the last one validates (B-LTA).
    ca = await pki.ca_certificate(svc)
    levels = await asyncio.to_thread(pades_levels, pdf, [ca, outside_ca.cert], svc.clock.now())
    assert levels == ["B-LTA", "B-LTA", "B-LTA"]
    # without the DSS the same strict check fails: the material is what makes it long-term
    bare = await asyncio.to_thread(
        pades_levels, pdf, [ca, outside_ca.cert], svc.clock.now(), use_dss=False
    )
    assert bare == ["B-T", "B-T", "B-T"]


def pades_levels(
    pdf: bytes, roots: list[x509.Certificate], moment: datetime, *, use_dss: bool = True
) -> list[str]:
    """The PAdES level of each signature as pyHanko's validation establishes it."""
    reader = PdfFileReader(io.BytesIO(pdf))
    anchors = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in roots
    ]
    base = {"trust_roots": anchors, "allow_fetching": False, "moment": moment}

    def strict() -> ValidationContext:
        kwargs = {**base, "revocation_mode": "require"}
        if use_dss:
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        return ValidationContext(**kwargs, crls=[])

    archived = False
    for stamp in reader.embedded_timestamp_signatures:
        status = validate_pdf_timestamp(stamp, validation_context=ValidationContext(**base))
        archived = archived or bool(status.intact and status.valid and status.trusted)
    levels = []
    for sig in reader.embedded_regular_signatures:
        status = validate_pdf_signature(
            sig,
            signer_validation_context=strict(),
            ts_validation_context=ValidationContext(**base),
        )
        timed = status.timestamp_validity is not None and status.timestamp_validity.trusted
        level = "B-B"
        if status.bottom_line and timed:
            level = "B-LTA" if archived else "B-LT"
        elif timed:
            level = "B-T"
        levels.append(level)
    return levels


async def test_a_revoked_certificate_shows_in_the_crl(client, svc, world):
    await pki.issue_certificate(svc, None, world["botruong"].id)
    first = await _crl(client)
    ca = await pki.ca_certificate(svc)
    assert first.is_signature_valid(ca.public_key())
    assert list(first) == []
    async with svc.db.reading() as session:
        credential = await pki.current_credential(session, world["botruong"].id)
    serial = x509.load_pem_x509_certificate(credential.certificate_pem.encode()).serial_number
    admin = bearer(await api_login(client, "admin"))
    path = f"/api/admin/users/{world['botruong'].id}/signing-certificate"
    assert (await client.delete(path, headers=admin)).status == 200
    after = await _crl(client)
    entry = after.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None and after.is_signature_valid(ca.public_key())
    # a replaced certificate is listed too
    await pki.issue_certificate(svc, None, world["thuky"].id)
    await pki.issue_certificate(svc, None, world["thuky"].id)
    assert len(list(await _crl(client))) == 2


async def test_the_crl_is_404_until_the_ca_exists(client):
    resp = await client.get("/pki/crl")
    assert resp.status == 404
