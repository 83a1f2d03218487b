"""Documents signed in turn by an ordered list of signers (the minutes workflow's signing step).

``prepare`` (``render`` + ``store``) renders the PDF with one empty signature field per signer
(chair last) and stores it; ``sign_next`` adds the next signer's PAdES signature as an
incremental update. One signature at a time per document: the document row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions are already exclusive) for
the whole step, and the signing itself runs in a worker thread so the event loop keeps
serving. The certificate is checked (validity period, key usage, not replaced) *before* any
PDF byte is written.

``store`` and ``sign_in`` run inside a caller's transaction, so the minutes workflow can open a
round or add a signature and change the minutes' state in one atomic, audited action.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, PathValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import CredentialSource, DocumentSignature, SignerCredential, SigningDocument, User
from . import decree30, pades, pdf_render, pki, revocation, signing_confirmation, verification
from .actor import Actor
from .context import Services, perform
from .permissions import Permission

log = logging.getLogger("ecabinet.signing")
MAX_SIGNERS = 200
# Documents whose signing belongs to a workflow (it tracks state beside the PDF): they are signed
# only through that workflow (``POST /api/minutes/{id}/sign``), never through ``sign_next``.
WORKFLOW_SUBJECTS = frozenset({"minutes_version"})
STAMP_TIME_FORMAT = "%d/%m/%Y %H:%M:%S (UTC%z)"


@dataclass(frozen=True)
class DocumentRequest:
    """What the minutes workflow (or any other caller) asks to have signed."""

    subject_type: str
    subject_id: str
    title: str
    paragraphs: list[str]
    signer_ids: list[int]  # in signing order; the chair last
    administrative: decree30.Heading | None = None  # the Decree 30/2020 layout, if any


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def timestamper_for(svc: Services) -> TimeStamper | None:
    """PAdES B-T when ``ECABINET_TSA_URL`` names an RFC 3161 time-stamp authority."""
    return HTTPTimeStamper(svc.settings.tsa_url) if svc.settings.tsa_url else None


async def render(svc: Services, request: DocumentRequest) -> bytes:
    """The PDF with one empty signature field per signer (no database write)."""
    if not request.signer_ids or len(request.signer_ids) > MAX_SIGNERS:
        raise ValidationFailed(
            f"A document needs between 1 and {MAX_SIGNERS} signers.", code="bad_signer_list"
        )
    if len(set(request.signer_ids)) != len(request.signer_ids):
        raise ValidationFailed("A signer is listed twice.", code="bad_signer_list")
    async with svc.db.reading() as session:
        users = {
            u.id: u
            for u in await session.scalars(select(User).where(User.id.in_(request.signer_ids)))
        }
    missing = [i for i in request.signer_ids if i not in users]
    if missing:
        raise NotFound("A listed signer does not exist.", code="user_not_found")
    slots = [
        pdf_render.SignatureSlot(pdf_render.field_name(n), users[uid].full_name, users[uid].title)
        for n, uid in enumerate(request.signer_ids, start=1)
    ]
    font = await stamp_font(svc)
    return await asyncio.to_thread(
        functools.partial(
            pdf_render.render,
            request.title,
            request.paragraphs,
            slots,
            font,
            administrative=request.administrative,
        )
    )


async def store(
    session: AsyncSession, actor: Actor | None, request: DocumentRequest, pdf: bytes, now: datetime
) -> SigningDocument:
    """Store a rendered document in the caller's transaction (the caller audits)."""
    doc = SigningDocument(
        subject_type=request.subject_type,
        subject_id=request.subject_id,
        title=request.title,
        signer_ids=list(request.signer_ids),
        signed_count=0,
        pdf=pdf,
        pdf_sha256=sha256(pdf),
        created_by=actor.user_id if actor else None,
        created_at=now,
        updated_at=now,
    )
    session.add(doc)
    await session.flush()
    return doc


async def prepare(svc: Services, actor: Actor | None, request: DocumentRequest) -> SigningDocument:
    """Render and store a document awaiting its signatures."""
    pdf = await render(svc, request)
    async with perform(svc, actor, "signing.prepare", Permission.SIGNING_REQUEST) as act:
        doc = await store(act.session, actor, request, pdf, svc.clock.now())
        act.record(
            "signing_document",
            doc.id,
            subject=f"{request.subject_type}:{request.subject_id}",
            signers=list(request.signer_ids),
            sha256=doc.pdf_sha256,
        )
    return doc


async def get_document(svc: Services, actor: Actor, document_id: int) -> SigningDocument:
    """A document its signers, its creator and auditors may see; others get 404."""
    async with svc.db.reading() as session:
        doc = await session.get(SigningDocument, document_id)
    if doc is None or not (
        actor.user_id in doc.signer_ids
        or actor.user_id == doc.created_by
        or actor.can(Permission.AUDIT_VIEW)
    ):
        raise NotFound("No such document.", code="document_not_found")
    return doc


async def stamp_font(svc: Services) -> Path:
    return await asyncio.to_thread(pdf_render.stamp_font, svc.settings.data_dir / "fonts")


async def sign_in(
    session: AsyncSession,
    svc: Services,
    actor: Actor,
    document_id: int,
    *,
    font: Path,
    timestamper: TimeStamper | None,
) -> tuple[SigningDocument, DocumentSignature, SignerCredential]:
    """Add the actor's signature inside the caller's transaction, if it is their turn.

    Locks the document row first (one signature at a time per document); the caller audits.
    """
    doc, position = await lock_turn(session, actor, document_id)
    field = pdf_render.field_name(position)
    now = svc.clock.now()
    signed, credential = await signed_by(
        session,
        svc,
        actor,
        doc.pdf,
        field,
        now=now,
        font=font,
        timestamper=timestamper,
        archive=position == len(doc.signer_ids),
    )
    record = record_signature(session, doc, actor, position, signed, credential, now)
    await session.flush()
    return doc, record, credential


def record_signature(
    session: AsyncSession,
    doc: SigningDocument,
    actor: Actor,
    position: int,
    signed: bytes,
    credential: SignerCredential,
    now: datetime,
) -> DocumentSignature:
    """The document now holds ``signed`` (its ``position``-th signature): update it and add the
    signature's record (in the caller's transaction)."""
    doc.pdf = signed
    doc.pdf_sha256 = sha256(signed)
    doc.signed_count = position
    doc.updated_at = now
    record = DocumentSignature(
        document_id=doc.id,
        position=position,
        field_name=pdf_render.field_name(position),
        user_id=actor.user_id,
        credential_id=credential.id,
        signed_at=now,
        pdf_sha256=doc.pdf_sha256,
    )
    session.add(record)
    return record


async def lock_turn(
    session: AsyncSession, actor: Actor, document_id: int
) -> tuple[SigningDocument, int]:
    """Lock the document row and check that it is the actor's turn; their position (1-based)."""
    query = select(SigningDocument).where(SigningDocument.id == document_id)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    doc = (await session.scalars(query)).one_or_none()
    if doc is None or actor.user_id not in doc.signer_ids:
        raise NotFound("No such document.", code="document_not_found")
    if doc.signed_count >= len(doc.signer_ids):
        raise Conflict("Every signer has already signed.", code="document_complete")
    if doc.signer_ids[doc.signed_count] != actor.user_id:
        if doc.signer_ids.index(actor.user_id) < doc.signed_count:
            raise Conflict("You have already signed this document.", code="already_signed")
        raise Forbidden("It is not your turn to sign yet.", code="not_your_turn")
    return doc, doc.signed_count + 1


async def signed_by(
    session: AsyncSession,
    svc: Services,
    actor: Actor,
    pdf: bytes,
    field: str,
    *,
    now: datetime,
    font: Path,
    timestamper: TimeStamper | None,
    reason: str = "Phê duyệt / Approval",
    archive: bool = False,
) -> tuple[bytes, SignerCredential]:
    """``pdf`` with the actor's PAdES signature in its empty field ``field``, and the credential
    that made it. The certificate is checked at ``now`` (validity, key usage, not replaced) before
    any byte is written, and the stamp shows ``now`` — the caller's time of the act it records;
    409 ``no_signing_certificate`` when the actor has none. Signs in a worker thread.

    A platform certificate's chain and the CA's current CRL go into the PDF's DSS (B-LT with a
    TSA); ``archive`` (the last signature) adds a document timestamp when a TSA is set (B-LTA)."""
    credential = await pki.current_credential(session, actor.user_id)
    if credential is None:
        raise Conflict(
            "You have no signing certificate; ask for one or upload your own.",
            code="no_signing_certificate",
        )
    if credential.source is CredentialSource.EXTERNAL:
        raise Conflict(
            "Your certificate's key is on your own device: sign with the signing agent.",
            code="sign_with_your_device",
        )
    material = pki.unlock(svc, credential)
    pki.check_usable(material.certificate, now)
    user = await session.get(User, actor.user_id)
    # One instant for the act: the stamp's text, /M and the CMS signingTime (to the second).
    instant = now.astimezone(svc.settings.zone).replace(microsecond=0)
    stamp = pades.StampText(
        signer=user.full_name if user else actor.full_name,
        title=user.title if user else "",
        when=instant.strftime(STAMP_TIME_FORMAT),
    )
    validation = await validation_material(svc, credential, material, now)

    def sign(validation: ValidationContext | None) -> bytes:
        return pades.sign(
            pdf,
            field,
            material,
            stamp,
            font,
            reason=reason,
            timestamper=timestamper,
            signed_at=instant,
            validation=validation,
            archive=archive,
        )

    try:
        signed = await asyncio.to_thread(sign, validation)
    except (PathError, PathValidationError) as exc:
        if validation is None:
            raise
        # The TSA's chain is not trusted here (add its root to ECABINET_SIGNING_TRUST_ROOTS):
        # sign without the long-term material rather than not at all.
        log.warning("signing without validation data (B-T at most): %s", exc)
        signed = await asyncio.to_thread(sign, None)
    return signed, credential


async def validation_material(
    svc: Services, credential: SignerCredential, material: pki.SignerMaterial, now: datetime
) -> ValidationContext | None:
    """What to embed for long-term validation: for a platform certificate, its CA and the CA's
    CRL as of ``now`` (nothing is fetched); None for an outside certificate."""
    if credential.source is not CredentialSource.PLATFORM:
        return None
    crl = await revocation.current_crl(svc)
    roots = [*material.chain, *verification.configured_roots(svc)]
    return ValidationContext(
        trust_roots=[pades.asn1_cert(c) for c in roots],
        crls=[crl.public_bytes(serialization.Encoding.DER)],
        allow_fetching=False,
        moment=now,
        revocation_mode="soft-fail",
    )


async def sign_next_confirmed(
    svc: Services, actor: Actor, document_id: int, password: str
) -> DocumentSignature:
    """What a person does (the API): confirm with the password, then sign."""
    confirmation = await signing_confirmation.confirm(svc, actor, password)
    return await sign_next(svc, actor, document_id, confirmation=confirmation)


async def sign_next(
    svc: Services,
    actor: Actor,
    document_id: int,
    *,
    timestamper: TimeStamper | None = None,
    confirmation: signing_confirmation.Confirmation | None = None,
) -> DocumentSignature:
    """Add the actor's signature, if it is their turn. Returns the signature record.
    People sign through :func:`sign_next_confirmed`; the confirmation's factor is audited."""
    font = await stamp_font(svc)
    timestamper = timestamper or timestamper_for(svc)
    async with perform(svc, actor, "signing.sign") as act:
        owner = await act.session.scalar(
            select(SigningDocument.subject_type).where(SigningDocument.id == document_id)
        )
        if owner in WORKFLOW_SUBJECTS:
            raise Conflict(
                "This document is signed through its workflow (the minutes' sign step).",
                code="signed_through_workflow",
            )
        doc, record, credential = await sign_in(
            act.session, svc, actor, document_id, font=font, timestamper=timestamper
        )
        act.record(
            "signing_document",
            doc.id,
            subject=f"{doc.subject_type}:{doc.subject_id}",
            position=record.position,
            field=record.field_name,
            certificate=credential.fingerprint,
            sha256=doc.pdf_sha256,
            complete=record.position == len(doc.signer_ids),
            confirmed=confirmation.factor if confirmation else None,
        )
    return record
