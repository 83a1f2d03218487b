"""Issue 18's acceptance: minutes signed in turn by three signers whose keys were generated inside
SoftHSM2 tokens (a real PKCS#11 token; one token per signer, two ECDSA P-256 and one RSA), each
through the signing agent ``python -m ecabinet.signer`` answered at its own console, and by the
chair with the platform CA. The PDF validates with ``pdfsig`` and ``pyhanko sign validate``, and
at PAdES B-LT with timestamps by pyHanko's strict check (B-LTA: a document timestamp ends it);
revocation data came from the CA's CRL for two signers and from its OCSP responder for the third.
No private key of theirs is anywhere the server can read. The agent refuses what it cannot show
truthfully, other pages, and whatever its signer does not confirm."""

from __future__ import annotations

import asyncio
import base64
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy import select

from ecabinet.clock import FrozenClock
from ecabinet.models import AuditEvent, CredentialSource, SignerCredential
from ecabinet.schemas.minutes import ApproveIn
from ecabinet.services import minutes_signing, pki, verification
from tests.conftest import World, api_login, bearer
from tests.minutes.test_minutes_signing import _in_review

from .conftest import OutsideCa, nss_db, pdfsig
from .device_pki import DeviceCa, serve
from .softhsm import Agent, SoftHsm, SoftToken
from .test_external_signing import _state
from .test_long_term import pades_levels
from .test_signing_service import dummy_tsa
from .test_thirty_signers import pyhanko_validate

ORDER = ["thuky", "daibieu", "tv000", "botruong"]  # the chair last
KINDS = {"thuky": "ec", "daibieu": "rsa", "tv000": "ec"}
# Each signature intact, trusted and time-stamped (B-T); after it, only signatures, form filling
# and validation data (the DSS, a document timestamp) were added.
PYHANKO_OK = re.compile(
    r"^Sig\d\d:[0-9a-f]{64}:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,"
    r"EXTENDED_WITH_(FORM_FILLING|LTA_UPDATES),ACCEPTABLE_MODIFICATIONS$"
)


@pytest.fixture
async def national(aiohttp_server, clock: FrozenClock, svc, outside_ca: OutsideCa, tmp_path):
    """The signers' CA (CRL and OCSP on loopback) and a TSA, trusted by the deployment."""
    stamper = dummy_tsa(outside_ca, clock.now())
    stamper.fixed_dt = clock.now()
    ca = await serve(aiohttp_server, DeviceCa.create(clock.now()), tsa=stamper)
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "national-root.pem").write_bytes(ca.pem)
    (roots / "tsa-root.pem").write_bytes(outside_ca.pem)
    svc.settings = replace(svc.settings, signing_trust_roots=str(roots), tsa_url=ca.tsa_url)  # type: ignore[attr-defined]
    return ca


def _token(hsm: SoftHsm, ca: DeviceCa, name: str, kind: str = "ec", **issue) -> SoftToken:
    token = hsm.token(f"token-{name}", kind)
    token.store(ca.issue(token.public_key, name.title(), **issue), ca=ca.cert)  # type: ignore[arg-type]
    return token


def _spki(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def _sign_with_agent(client, agent: Agent, origin: str, headers, mid: int) -> dict:
    """What the signing page does: register the token's certificate, prepare, have the agent
    sign (the signer confirms at the agent), hand the value back."""
    async with aiohttp.ClientSession(headers={"Origin": origin}) as page:
        identity = await (await page.get(f"{agent.url}/certificate")).json()
        resp = await client.post(
            "/api/me/signing-certificate/device",
            json={
                "certificate_pem": identity["certificate_pem"],
                "chain_pem": identity["chain_pem"],
            },
            headers=headers,
        )
        assert resp.status == 201, await resp.text()
        resp = await client.post(f"/api/minutes/{mid}/sign/device", headers=headers)
        assert resp.status == 201, await resp.text()
        request = await resp.json()
        asking = asyncio.ensure_future(page.post(f"{agent.url}/sign", json=request))
        console = await agent.asked(asking)
        # the signer reads what they sign, on the agent: the meeting, the document, the digest
        assert request["meeting_title"] in console and request["document_title"] in console
        assert request["document_digest"][:8] in console
        assert request["document_digest"][-8:] in console
        await agent.answer("y")
        answer = await (await asking).json()
    assert answer["token"] == request["token"], answer
    resp = await client.post(
        f"/api/signing/requests/{request['token']}/signature",
        json={"signature_base64": answer["signature_base64"]},
        headers=headers,
    )
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_minutes_signed_on_three_tokens_and_by_the_chair_validate_at_b_lt(
    client, svc, world: World, clock: FrozenClock, national: DeviceCa, outside_ca, tmp_path
) -> None:
    held, mid = await _in_review(world, clock)
    ids = [world[n].id for n in ORDER]
    await minutes_signing.approve(
        svc, held.actor("thuky"), mid, ApproveIn(version=1, signer_ids=ids)
    )
    hsm = SoftHsm.create(tmp_path / "hsm")
    # two certificates name the CA's CRL, the third only its OCSP responder
    tokens = {
        name: _token(hsm, national, name, kind, with_crl=name != "tv000", with_ocsp=name == "tv000")
        for name, kind in KINDS.items()
    }
    origin = f"http://{client.host}:{client.port}"
    agents = {name: await Agent.start(token, origin) for name, token in tokens.items()}
    try:
        for name in ORDER[:3]:
            clock.advance(minutes=2)
            headers = bearer(await api_login(client, name))
            done = await _sign_with_agent(client, agents[name], origin, headers, mid)
            assert done["position"] == ORDER.index(name) + 1 and not done["complete"]
    finally:
        for agent in agents.values():
            await agent.stop()
    final = await minutes_signing.sign(svc, held.actor("botruong"), mid)
    assert final.status == "final"

    pdf = (await minutes_signing.pdf(svc, held.actor("thuky"), mid)).data
    report = await verification.verify(svc, pdf)
    assert [s.valid for s in report.signatures] == [True] * 4, report
    assert [s.kind for s in report.signatures] == ["own_key"] * 3 + ["platform"]
    assert [s.signer for s in report.signatures][:3] == ["Thuky", "Daibieu", "Tv000"]

    platform_ca = await pki.ca_certificate(svc)
    roots = [platform_ca, national.cert, outside_ca.cert]
    levels = await asyncio.to_thread(pades_levels, pdf, roots, svc.clock.now())
    assert levels == ["B-LTA"] * 4  # B-LT (strict revocation from the DSS, B-T) + a doc timestamp

    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in roots))
    # pyHanko's command line at the signing time (the tests' clock is frozen days back, so the
    # embedded CRL and OCSP answers are out of date by the wall clock); revocation is what
    # pades_levels checked strictly above.
    result = await asyncio.to_thread(
        pyhanko_validate, path, bundle, "--validation-time", svc.clock.now().isoformat()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("Sig")]
    assert len(lines) == 4 and all(PYHANKO_OK.match(line) for line in lines), lines

    out = await asyncio.to_thread(_pdfsig, path, [platform_ca, national.cert], tmp_path / "nss")
    assert out.count("Signature Validation: Signature is Valid.") == 4, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == 4, out

    # The keys never left their tokens: generated inside, sensitive, never extractable ...
    for token in tokens.values():
        assert token.key_attributes() == {
            "sensitive": True,
            "extractable": False,
            "always_sensitive": True,
            "never_extractable": True,
            "local": True,
        }
    # ... and no private key the server holds (its database, its data directory) is theirs:
    # their current credentials hold a certificate and no key.
    theirs = {_spki(t.public_key) for t in tokens.values()}
    async with svc.db.reading() as session:
        credentials = (await session.scalars(select(SignerCredential))).all()
        for name in KINDS:
            current = await pki.current_credential(session, world[name].id)
            assert current is not None and current.source is CredentialSource.EXTERNAL
            assert current.encrypted_key == b""
            certificate = x509.load_pem_x509_certificate(current.certificate_pem.encode())
            assert _spki(certificate.public_key()) in theirs
    held = [pki.unlock(svc, c).key for c in credentials if c.encrypted_key]
    held += await asyncio.to_thread(_private_keys_in, Path(svc.settings.data_dir))
    assert held and not {_spki(key.public_key()) for key in held} & theirs


def _pdfsig(path: Path, roots: list[x509.Certificate], nssdir: Path) -> str:
    """poppler's verdict, with an NSS database trusting ``roots``."""
    nss_db(nssdir, roots[0].public_bytes(serialization.Encoding.PEM))
    for i, root in enumerate(roots[1:]):
        pem = nssdir / f"root-{i}.pem"
        pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{nssdir}", "-n", f"root-{i}", "-t", ",C,", "-a",
             "-i", str(pem)],
            check=True,
        )  # fmt: skip
    return pdfsig(path, nssdir)


def _private_keys_in(directory: Path) -> list:
    """Every PEM private key in the files under ``directory`` (unencrypted: the server's own)."""
    found = []
    for file in directory.rglob("*"):
        if file.is_file():
            for block in file.read_bytes().split(b"-----BEGIN ")[1:]:
                if block.split(b"-----", 1)[0].endswith(b"PRIVATE KEY"):
                    found.append(serialization.load_pem_private_key(b"-----BEGIN " + block, None))
    return found


async def test_the_agent_signs_only_what_its_signer_confirms(
    client, svc, world: World, clock: FrozenClock, national: DeviceCa, tmp_path
) -> None:
    held, mid = await _in_review(world, clock)
    await minutes_signing.approve(
        svc, held.actor("thuky"), mid, ApproveIn(version=1, signer_ids=[world[n].id for n in ORDER])
    )
    hsm = SoftHsm.create(tmp_path / "hsm")
    token = _token(hsm, national, "thuky")
    other = _token(hsm, national, "daibieu")
    origin = f"http://{client.host}:{client.port}"
    headers = bearer(await api_login(client, "thuky"))
    agent = await Agent.start(token, origin, "--timeout", "30")
    try:
        async with aiohttp.ClientSession(headers={"Origin": "https://evil.example"}) as stranger:
            resp = await stranger.get(f"{agent.url}/certificate")
            assert resp.status == 403
            assert (await resp.json())["error"]["code"] == "origin_not_allowed"
        async with aiohttp.ClientSession() as no_origin:  # a local program, not a page
            assert (await no_origin.post(f"{agent.url}/sign", json={})).status == 403
        async with aiohttp.ClientSession(headers={"Origin": origin}) as page:
            preflight = await page.options(
                f"{agent.url}/sign", headers={"Access-Control-Request-Method": "POST"}
            )
            assert preflight.status == 204
            assert preflight.headers["Access-Control-Allow-Origin"] == origin
            assert preflight.headers["Access-Control-Allow-Private-Network"] == "true"
            identity = await (await page.get(f"{agent.url}/certificate")).json()
            resp = await client.post(
                "/api/me/signing-certificate/device",
                json={"certificate_pem": identity["certificate_pem"], "chain_pem": ""},
                headers=headers,
            )
            assert resp.status == 201
            request = await (
                await client.post(f"/api/minutes/{mid}/sign/device", headers=headers)
            ).json()
            before = await _state(svc)

            async def refused(body: dict, status: int, code: str) -> None:
                resp = await page.post(f"{agent.url}/sign", json=body)
                assert (resp.status, (await resp.json())["error"]["code"]) == (status, code)

            # what the signer would be shown is not what would be signed: refused unasked
            await refused(dict(request, document_digest="0" * 64), 422, "digest_mismatch")
            attrs = base64.b64decode(request["signed_attributes"])
            tampered = attrs.replace(bytes.fromhex(request["document_digest"]), b"\x01" * 32)
            await refused(
                dict(request, signed_attributes=base64.b64encode(tampered).decode()),
                422,
                "digest_mismatch",
            )
            # a request prepared for another token's certificate
            other_fp = other.certificate.fingerprint(hashes.SHA256()).hex()  # type: ignore[union-attr]
            await refused(dict(request, certificate_fingerprint=other_fp), 409, "other_certificate")
            await refused({"token": "x"}, 409, "other_certificate")

            # the signer says no
            asking = asyncio.ensure_future(page.post(f"{agent.url}/sign", json=request))
            await agent.asked(asking)
            await agent.answer("n")
            resp = await asking
            assert (resp.status, (await resp.json())["error"]["code"]) == (403, "refused_by_signer")
            assert await _state(svc) == before  # nothing was signed, nothing changed

            # asked again, confirmed: the same request signs
            asking = asyncio.ensure_future(page.post(f"{agent.url}/sign", json=request))
            await agent.asked(asking)
            await agent.answer("có")
            answer = await (await asking).json()
        resp = await client.post(
            f"/api/signing/requests/{request['token']}/signature",
            json={"signature_base64": answer["signature_base64"]},
            headers=headers,
        )
        assert resp.status == 200, await resp.text()
    finally:
        await agent.stop()
    async with svc.db.reading() as session:
        refusals = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "signing.device_refused")
            )
        ).all()
    assert refusals == []  # the agent's refusals never reached the server
