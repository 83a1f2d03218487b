"""Signing with a key the server never holds (issue 18): interrupted PAdES signing.

1. **Register** (``register_certificate``): the signer gives the certificate of the key on their
   token (or remote-signing service), with its chain; it must validate now against the
   deployment's trusted roots (``signer_trust.check``). It becomes their current credential, of
   source ``external``, with no key.
2. **Prepare** (``prepare_in``, inside the workflow's transaction, when it is the signer's turn):
   the server writes the signer's revision (stamp, /ByteRange, an empty /Contents; pyHanko
   ``PdfSigner.async_digest_doc_for_signing``) and the CMS signed attributes (messageDigest = the
   /ByteRange's SHA-256, signingCertificateV2 = the registered certificate), and keeps them in an
   ``external_signing_request`` row. The device is given a random token, what is being signed
   (document, meeting, signer, digests) and the signed attributes to sign.
3. **Complete** (``complete_in``): the device returns the signature value over the signed
   attributes (or a whole CMS SignedData). Before anything is stored: the request is the
   actor's, unused, not expired, and the document has not changed since (no stale revision);
   the value verifies with the registered certificate's key over the prepared attributes (or the
   CMS's messageDigest is the prepared digest and its signer is the registered certificate); the
   certificate validates now (trusted root, validity, key usage, revocation: CRL / OCSP fetched);
   and pyHanko validates the finished signature in the PDF (intact, trusted). Then the CMS (with
   an RFC 3161 timestamp when a TSA is configured) is embedded, the validation material fetched
   during the check goes into the DSS (PAdES B-LT), and the last signature gets a document
   timestamp (B-LTA). Any refusal raises, so the caller's transaction stores nothing.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import io
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import add_validation_info, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..models import (
    CredentialSource,
    DocumentSignature,
    ExternalSigningRequest,
    SignerCredential,
    SigningDocument,
    User,
)
from . import audit, audit_subjects, pades, pdf_render, pki, signer_trust, signing
from .actor import Actor
from .context import Services, perform

log = logging.getLogger("ecabinet.external_signing")
REQUEST_LIFETIME = timedelta(minutes=10)
MAX_CHAIN = 8


class SignatureRefused(ValidationFailed):
    """The returned signature does not fit what was prepared (nothing is stored)."""

    status = 422
    code = "signature_invalid"


# --- registering the certificate of a key on a device ---------------------------------------


def parse_certificates(
    certificate_pem: str, chain_pem: str
) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode())
        chain = pki.load_pem_chain(chain_pem)
    except ValueError as exc:
        raise ValidationFailed(
            "The certificate (or its chain) is not PEM.", code="certificate_unreadable"
        ) from exc
    if len(chain) > MAX_CHAIN:
        raise ValidationFailed("The chain is too long.", code="certificate_unreadable")
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise ValidationFailed("RSA keys must be at least 2048 bits.", code="weak_key")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < 256:
        raise ValidationFailed("ECDSA keys must be at least 256 bits.", code="weak_key")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValidationFailed("Only RSA and ECDSA keys sign here.", code="weak_key")
    return cert, chain


async def register_certificate(
    svc: Services, actor: Actor, certificate_pem: str, chain_pem: str = ""
) -> SignerCredential:
    """The actor signs from now on with the key of ``certificate_pem`` (on their device)."""
    cert, chain = parse_certificates(certificate_pem, chain_pem)
    now = svc.clock.now()
    await signer_trust.check(svc, cert, chain, now)
    fp = pki.fingerprint(cert)
    row = SignerCredential(
        user_id=actor.user_id,
        source=CredentialSource.EXTERNAL,
        certificate_pem=pki.cert_pem(cert),
        chain_pem="".join(pki.cert_pem(c) for c in chain),
        encrypted_key=b"",  # the key is on the signer's device
        fingerprint=fp,
        subject=cert.subject.rfc4514_string()[:500],
        issuer=cert.issuer.rfc4514_string()[:500],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        created_at=now,
    )
    async with svc.db.reading() as session:
        taken = await session.scalar(
            select(SignerCredential.user_id).where(SignerCredential.fingerprint == fp)
        )
    if taken is not None:
        raise Conflict("This certificate is already registered.", code="certificate_registered")
    return await pki.store_credential(svc, actor, "pki.external_register", None, row)


# --- what the device is shown and signs -----------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """What the signer's device needs and shows: the document, the signer, the digests."""

    token: str
    document_id: int
    document_title: str
    subject_type: str
    subject_id: str
    meeting_id: int | None
    meeting_title: str
    position: int
    field_name: str
    signer_name: str
    certificate_fingerprint: str
    certificate_subject: str
    digest_algorithm: str
    document_digest: str  # hex SHA-256 over the signer's revision's /ByteRange
    signed_attributes: str  # base64 DER: the bytes the device signs (they hold the digest)
    to_be_signed_digest: str  # hex SHA-256 of the signed attributes
    mechanism: str
    signed_at: datetime
    expires_at: datetime


async def _meeting_of(session: AsyncSession, doc: SigningDocument) -> tuple[int | None, str]:
    if doc.subject_type != "minutes_version":
        return None, ""
    from ..models import Meeting, Minutes, MinutesVersion

    row = (
        await session.execute(
            select(Meeting.id, Meeting.title)
            .join(Minutes, Minutes.meeting_id == Meeting.id)
            .join(MinutesVersion, MinutesVersion.minutes_id == Minutes.id)
            .where(MinutesVersion.id == int(doc.subject_id))
        )
    ).first()
    return (row.id, row.title) if row else (None, "")


async def view_of(
    session: AsyncSession, request: ExternalSigningRequest, doc: SigningDocument
) -> RequestView:
    user = await session.get(User, request.user_id)
    credential = await session.get(SignerCredential, request.credential_id)
    assert credential is not None
    meeting_id, meeting_title = await _meeting_of(session, doc)
    return RequestView(
        token=request.token,
        document_id=doc.id,
        document_title=doc.title,
        subject_type=doc.subject_type,
        subject_id=doc.subject_id,
        meeting_id=meeting_id,
        meeting_title=meeting_title,
        position=request.position,
        field_name=request.field_name,
        signer_name=user.full_name if user else "",
        certificate_fingerprint=credential.fingerprint,
        certificate_subject=credential.subject,
        digest_algorithm="sha256",
        document_digest=request.document_digest,
        signed_attributes=base64.b64encode(request.signed_attrs).decode(),
        to_be_signed_digest=hashlib.sha256(request.signed_attrs).hexdigest(),
        mechanism=request.mechanism,
        signed_at=request.signed_at,
        expires_at=request.expires_at,
    )


async def get_request(svc: Services, actor: Actor, token: str) -> RequestView:
    """The request, to its signer only (404 for anyone else)."""
    async with svc.db.reading() as session:
        request = await _request(session, actor, token)
        doc = await session.get(SigningDocument, request.document_id)
        assert doc is not None
        return await view_of(session, request, doc)


async def _request(
    session: AsyncSession, actor: Actor, token: str, *, lock: bool = False
) -> ExternalSigningRequest:
    query = select(ExternalSigningRequest).where(ExternalSigningRequest.token == token[:64])
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    request = (await session.scalars(query)).one_or_none()
    if request is None or request.user_id != actor.user_id:
        raise NotFound("No such signing request.", code="signing_request_not_found")
    return request


async def subject_of(svc: Services, actor: Actor, token: str) -> tuple[str, str]:
    """The (subject_type, subject_id) of the document a request is for (the actor's own)."""
    async with svc.db.reading() as session:
        request = await _request(session, actor, token)
        doc = await session.get(SigningDocument, request.document_id)
        assert doc is not None
        return doc.subject_type, doc.subject_id


# --- prepare --------------------------------------------------------------------------------


def _prepare_sync(
    pdf: bytes,
    field: str,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    stamp: pades.StampText,
    font: Path,
    instant: datetime,
) -> pades.PreparedExternal:
    return asyncio.run(
        pades.prepare_external(pdf, field, cert, chain, stamp, font, signed_at=instant)
    )


async def prepare_in(
    session: AsyncSession, svc: Services, actor: Actor, document_id: int, *, font: Path
) -> tuple[SigningDocument, ExternalSigningRequest]:
    """Prepare the actor's revision for their device to sign, if it is their turn (inside the
    caller's transaction; the caller audits). Earlier unused requests of theirs on the document
    expire now."""
    doc, position = await signing.lock_turn(session, actor, document_id)
    credential = await pki.current_credential(session, actor.user_id)
    if credential is None or credential.source is not CredentialSource.EXTERNAL:
        raise Conflict(
            "Register the certificate of your token first (the platform signs with its own "
            "certificates without a device).",
            code="no_device_certificate",
        )
    now = svc.clock.now()
    cert = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    pki.check_usable(cert, now)
    user = await session.get(User, actor.user_id)
    instant = now.astimezone(svc.settings.zone).replace(microsecond=0)
    stamp = pades.StampText(
        signer=user.full_name if user else actor.full_name,
        title=user.title if user else "",
        when=instant.strftime(signing.STAMP_TIME_FORMAT),
    )
    field = pdf_render.field_name(position)
    prepared = await asyncio.to_thread(
        _prepare_sync,
        doc.pdf,
        field,
        cert,
        pki.load_pem_chain(credential.chain_pem),
        stamp,
        font,
        instant,
    )
    await session.execute(
        update(ExternalSigningRequest)
        .where(
            ExternalSigningRequest.document_id == doc.id,
            ExternalSigningRequest.user_id == actor.user_id,
            ExternalSigningRequest.used_at.is_(None),
            ExternalSigningRequest.expires_at > now,
        )
        .values(expires_at=now)
    )
    request = ExternalSigningRequest(
        token=secrets.token_urlsafe(32),
        document_id=doc.id,
        user_id=actor.user_id,
        credential_id=credential.id,
        position=position,
        field_name=field,
        base_sha256=doc.pdf_sha256,
        prepared_pdf=prepared.pdf,
        document_digest=prepared.document_digest.hex(),
        reserved_start=prepared.reserved_start,
        reserved_end=prepared.reserved_end,
        signed_attrs=prepared.signed_attrs,
        mechanism=prepared.mechanism,
        signed_at=instant,
        created_at=now,
        expires_at=now + REQUEST_LIFETIME,
    )
    session.add(request)
    await session.flush()
    return doc, request


# --- complete -------------------------------------------------------------------------------


def verify_value(cert: x509.Certificate, signed_attrs: bytes, value: bytes) -> None:
    """The raw signature value is the registered key's over the prepared attributes."""
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                value,
                signed_attrs,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed_attrs, ec.ECDSA(hashes.SHA256()))
        else:  # pragma: no cover - refused at registration
            raise InvalidSignature
    except InvalidSignature as exc:
        raise SignatureRefused(
            "The signature is not the registered key's signature over the prepared digest.",
            code="signature_mismatch",
        ) from exc


def check_cms(request: ExternalSigningRequest, cert: x509.Certificate, data: bytes) -> bytes:
    """A whole CMS SignedData from the device: over the prepared digest, by the registered
    certificate. Returns it as DER."""
    try:
        info = cms.ContentInfo.load(data)
        signed = info["content"]
        signer_info = signed["signer_infos"][0]
        attrs = signer_info["signed_attrs"]
        digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
        certs = [c.chosen for c in signed["certificates"]]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SignatureRefused("The CMS cannot be read.", code="cms_unreadable") from exc
    if digests != [bytes.fromhex(request.document_digest)]:
        raise SignatureRefused(
            "The CMS signs another digest than the one prepared.", code="digest_mismatch"
        )
    want = pades.asn1_cert(cert).dump()
    sid = signer_info["sid"]
    ours = [
        c
        for c in certs
        if c.dump() == want
        and (
            sid.name != "issuer_and_serial_number"
            or sid.chosen["serial_number"].native == c.serial_number
        )
    ]
    if not ours:
        raise SignatureRefused(
            "The CMS is not signed with the registered certificate.", code="wrong_signer"
        )
    return info.dump()


def _finish_sync(
    prepared: pades.PreparedExternal,
    cms_der: bytes,
    roots: list[x509.Certificate],
    fingerprint: str,
    context: ValidationContext,
    timestamper: TimeStamper | None,
    archive: bool,
    now: datetime,
) -> bytes:
    """Embed the CMS, validate the new signature (pyHanko), then add its DSS (B-LT) and, for
    the last signature with a TSA, a document timestamp (B-LTA)."""
    try:
        pdf = pades.embed_cms(prepared, cms_der)
    except ValueError as exc:
        raise SignatureRefused(str(exc), code="cms_too_large") from exc
    reader = PdfFileReader(io.BytesIO(pdf))
    sig = reader.embedded_regular_signatures[-1]
    anchors = [pades.asn1_cert(c) for c in roots]
    status = validate_pdf_signature(
        sig,
        signer_validation_context=ValidationContext(
            trust_roots=anchors, allow_fetching=False, moment=now
        ),
        ts_validation_context=ValidationContext(trust_roots=anchors, moment=now),
    )
    cert_fp = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    if not (status.intact and status.valid):
        raise SignatureRefused(
            "The returned signature does not verify over the prepared revision.",
            code="signature_invalid",
        )
    if cert_fp != fingerprint:
        raise SignatureRefused(
            "The signature is not made with the registered certificate.", code="wrong_signer"
        )
    if not status.trusted:
        raise SignatureRefused(
            "The signer's certificate does not chain to a trusted root.",
            code="certificate_untrusted",
        )
    try:
        out = add_validation_info(sig, context, add_vri_entry=False)
        pdf = out.getvalue()
    except Exception as exc:  # the DSS is an addition: B-T without it, and say so
        log.warning("signature stored without its DSS (B-T at most): %s", exc)
    if archive and timestamper is not None:
        stamped = io.BytesIO()
        signers.PdfTimeStamper(timestamper).timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            "sha256",
            validation_context=context,
            output=stamped,
        )
        pdf = stamped.getvalue()
    return pdf


async def complete_in(
    session: AsyncSession,
    svc: Services,
    actor: Actor,
    token: str,
    *,
    signature: bytes | None = None,
    cms_der: bytes | None = None,
    timestamper: TimeStamper | None = None,
) -> tuple[SigningDocument, DocumentSignature, SignerCredential]:
    """Validate the device's answer and add the signature (inside the caller's transaction; the
    caller audits). Every refusal raises before the document changes."""
    if (signature is None) == (cms_der is None):
        raise ValidationFailed(
            "Send either the signature value or the CMS.", code="signature_missing"
        )
    request = await _request(session, actor, token, lock=True)
    now = svc.clock.now()
    if request.used_at is not None:
        raise Conflict("This signing request was already used.", code="signing_request_used")
    if now >= request.expires_at:
        raise Conflict(
            "This signing request has expired; prepare it again.", code="signing_request_expired"
        )
    doc, position = await signing.lock_turn(session, actor, request.document_id)
    if doc.pdf_sha256 != request.base_sha256 or position != request.position:
        raise Conflict(
            "The document changed since this request was prepared; prepare it again.",
            code="signing_request_stale",
        )
    credential = await session.get(SignerCredential, request.credential_id)
    current = await pki.current_credential(session, actor.user_id)
    if credential is None or current is None or current.id != credential.id:
        raise Conflict(
            "The certificate this request was prepared for is no longer yours to sign with.",
            code="signing_request_stale",
        )
    cert = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    chain = pki.load_pem_chain(credential.chain_pem)
    prepared = pades.PreparedExternal(
        pdf=request.prepared_pdf,
        document_digest=bytes.fromhex(request.document_digest),
        reserved_start=request.reserved_start,
        reserved_end=request.reserved_end,
        signed_attrs=request.signed_attrs,
        mechanism=request.mechanism,
    )
    if signature is not None:
        verify_value(cert, request.signed_attrs, signature)
    else:
        assert cms_der is not None
        cms_der = check_cms(request, cert, cms_der)
    context = await signer_trust.check(svc, cert, chain, now)
    if signature is not None:
        cms_der = await pades.cms_from_signature_value(
            request.signed_attrs, signature, cert, chain, timestamper
        )
    assert cms_der is not None
    roots = await signer_trust.trusted_roots(svc)
    signed = await asyncio.to_thread(
        functools.partial(
            _finish_sync,
            prepared,
            cms_der,
            roots,
            credential.fingerprint,
            context,
            timestamper,
            position == len(doc.signer_ids),
            now,
        )
    )
    request.used_at = now
    record = signing.record_signature(session, doc, actor, position, signed, credential, now)
    await session.flush()
    return doc, record, credential


@asynccontextmanager
async def refusals_audited(
    svc: Services, actor: Actor, token: str, *, minutes_id: int | None = None
) -> AsyncIterator[None]:
    """Around a device's answer: a refusal rolls the answer back whole, then is recorded on its
    own (``signing.device_refused``: who, which request and document, why) so that signatures
    refused for a wrong digest, an untrusted or revoked certificate leave a trace."""
    try:
        yield
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise  # not the signer's request (404), or not a refusal of the answer
        async with svc.db.transaction() as session:
            request = (
                await session.scalars(
                    select(ExternalSigningRequest).where(
                        ExternalSigningRequest.token == token[:64],
                        ExternalSigningRequest.user_id == actor.user_id,
                    )
                )
            ).one_or_none()
            document_id = request.document_id if request else None
            meeting_id = (
                await audit_subjects.meeting_of(session, "minutes", minutes_id, {})
                if minutes_id
                else None
            )
            await audit.append(
                session,
                at=svc.clock.now(),
                action="signing.device_refused",
                actor_id=actor.user_id,
                address=actor.address,
                subject_type="signing_document",
                subject_id=document_id or "",
                data={
                    "code": exc.code,
                    "request": request.id if request else None,
                    **({"minutes": minutes_id} if minutes_id else {}),
                },
                meeting_id=meeting_id,
            )
        log.warning("device signature refused (%s) for user %s", exc.code, actor.user_id)
        raise


# --- documents outside a workflow -----------------------------------------------------------


async def prepare(svc: Services, actor: Actor, document_id: int) -> RequestView:
    """``prepare_in`` for a document outside a workflow (audited ``signing.external_prepare``)."""
    font = await signing.stamp_font(svc)
    async with perform(svc, actor, "signing.external_prepare") as act:
        await _not_workflow(act.session, document_id)
        doc, request = await prepare_in(act.session, svc, actor, document_id, font=font)
        act.record(
            "signing_document",
            doc.id,
            position=request.position,
            digest=request.document_digest,
            request=request.id,
        )
        return await view_of(act.session, request, doc)


async def complete(
    svc: Services,
    actor: Actor,
    token: str,
    *,
    signature: bytes | None = None,
    cms_der: bytes | None = None,
) -> DocumentSignature:
    """``complete_in`` for a document outside a workflow (audited ``signing.sign``)."""
    timestamper = signing.timestamper_for(svc)
    async with refusals_audited(svc, actor, token), perform(svc, actor, "signing.sign") as act:
        doc, record, credential = await complete_in(
            act.session,
            svc,
            actor,
            token,
            signature=signature,
            cms_der=cms_der,
            timestamper=timestamper,
        )
        await _not_workflow(act.session, doc.id)
        act.record(
            "signing_document",
            doc.id,
            subject=f"{doc.subject_type}:{doc.subject_id}",
            position=record.position,
            field=record.field_name,
            certificate=credential.fingerprint,
            sha256=doc.pdf_sha256,
            complete=record.position == len(doc.signer_ids),
            confirmed="device",
        )
    return record


async def _not_workflow(session: AsyncSession, document_id: int) -> None:
    owner = await session.scalar(
        select(SigningDocument.subject_type).where(SigningDocument.id == document_id)
    )
    if owner in signing.WORKFLOW_SUBJECTS:
        raise Conflict(
            "This document is signed through its workflow (the minutes' sign step).",
            code="signed_through_workflow",
        )
