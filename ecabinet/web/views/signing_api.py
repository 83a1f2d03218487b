"""Signing API: the CA certificate, signers' certificates, signing, verification, audit."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select

from ...errors import NotFound, ValidationFailed
from ...models import AuditEvent, DocumentSignature, SignerCredential, SigningDocument
from ...schemas.signing import (
    AuditChainOut,
    AuditEventOut,
    CredentialOut,
    DocumentSignatureOut,
    Pkcs12In,
    SignIn,
    SigningDocumentOut,
    VerificationOut,
)
from ...services import audit_log, pki, signer_certificates, signing, verification
from ...services.audit import ChainReport
from ..api import MAX_INT, ApiRegistry, ApiRequest, IntQuery
from ..file_body import read_body

api = ApiRegistry()
TAGS = ("signing",)


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@api.route(
    "GET",
    "/api/ca.pem",
    summary="The platform CA certificate (PEM), to trust in outside PDF tools",
    auth=False,
    errors=(404,),
    tags=TAGS,
)
async def ca_pem(req: ApiRequest) -> web.StreamResponse:
    """404 until the CA exists: it is created when the first certificate is issued (a GET never
    writes)."""
    cert = await pki.existing_ca_certificate(req.services)
    if cert is None:
        raise NotFound(
            "The platform CA has not been created yet; it is created when the first signing "
            "certificate is issued.",
            code="ca_not_created",
        )
    return web.Response(
        body=pki.cert_pem(cert).encode(),
        content_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="ecabinet-ca.pem"'},
    )


@api.route(
    "GET",
    "/api/me/signing-certificate",
    summary="My current signing certificate (never the key)",
    errors=(404,),
    response=CredentialOut,
    tags=TAGS,
)
async def my_certificate(req: ApiRequest) -> SignerCredential:
    async with req.services.db.reading() as session:
        credential = await pki.current_credential(session, req.actor.user_id)
    if credential is None:
        raise NotFound("You have no signing certificate.", code="no_signing_certificate")
    return credential


@api.route(
    "POST",
    "/api/me/signing-certificate/pkcs12",
    summary="Use my own certificate from an outside CA (PKCS#12, base64)",
    body=Pkcs12In,
    response=CredentialOut,
    status=201,
    tags=TAGS,
)
async def upload_pkcs12(req: ApiRequest) -> SignerCredential:
    try:
        data = base64.b64decode(req.body.pkcs12_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("pkcs12_base64 is not base64.", code="pkcs12_unreadable") from exc
    return await pki.import_pkcs12(req.services, req.actor, data, req.body.password)


@api.route(
    "POST",
    r"/api/admin/users/{id:\d+}/signing-certificate",
    summary="Issue a user a signing certificate from the platform CA",
    errors=(503,),
    response=CredentialOut,
    status=201,
    tags=TAGS,
)
async def issue_certificate(req: ApiRequest) -> SignerCredential:
    return await pki.issue_certificate(req.services, req.actor, req.id())


@api.route(
    "DELETE",
    r"/api/admin/users/{id:\d+}/signing-certificate",
    summary="Revoke a user's signing certificate (it then appears in the CA's CRL)",
    response=CredentialOut,
    tags=TAGS,
)
async def revoke_certificate(req: ApiRequest) -> SignerCredential:
    return await signer_certificates.revoke(req.services, req.actor, req.id())


def _document_out(doc: SigningDocument) -> SigningDocumentOut:
    ids = [int(i) for i in doc.signer_ids]
    return SigningDocumentOut(
        id=doc.id,
        subject_type=doc.subject_type,
        subject_id=doc.subject_id,
        title=doc.title,
        signer_ids=ids,
        signed_count=doc.signed_count,
        next_signer_id=ids[doc.signed_count] if doc.signed_count < len(ids) else None,
        pdf_sha256=doc.pdf_sha256,
        updated_at=doc.updated_at,
    )


@api.route(
    "GET",
    r"/api/signing/documents/{id:\d+}",
    summary="A document awaiting or bearing signatures",
    response=SigningDocumentOut,
    tags=TAGS,
)
async def get_document(req: ApiRequest) -> SigningDocumentOut:
    return _document_out(await signing.get_document(req.services, req.actor, req.id()))


@api.route(
    "GET",
    r"/api/signing/documents/{id:\d+}/signatures",
    summary="The signatures added so far, in order",
    response=list[DocumentSignatureOut],
    tags=TAGS,
)
async def list_signatures(req: ApiRequest) -> Sequence[DocumentSignature]:
    doc = await signing.get_document(req.services, req.actor, req.id())
    async with req.services.db.reading() as session:
        return (
            await session.scalars(
                select(DocumentSignature)
                .where(DocumentSignature.document_id == doc.id)
                .order_by(DocumentSignature.position)
            )
        ).all()


@api.route(
    "GET",
    r"/api/signing/documents/{id:\d+}/pdf",
    summary="The PDF as it stands (with every signature added so far)",
    tags=TAGS,
)
async def document_pdf(req: ApiRequest) -> web.StreamResponse:
    doc = await signing.get_document(req.services, req.actor, req.id())
    return web.Response(
        body=doc.pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="document-{doc.id}.pdf"',
            "ETag": f'"{doc.pdf_sha256}"',
            "Cache-Control": "no-store",
        },
    )


@api.route(
    "POST",
    r"/api/signing/documents/{id:\d+}/sign",
    summary="Add my signature (when it is my turn), confirmed with my password",
    body=SignIn,
    response=SigningDocumentOut,
    tags=TAGS,
)
async def sign_document(req: ApiRequest) -> SigningDocumentOut:
    await signing.sign_next_confirmed(req.services, req.actor, req.id(), req.body.password)
    return _document_out(await signing.get_document(req.services, req.actor, req.id()))


def report_out(report: verification.VerificationReport) -> VerificationOut:
    return VerificationOut(
        all_valid=report.all_valid,
        summary=report.summary_key,
        error=report.error,
        signatures=[
            {
                **s.__dict__,
                "labels": {
                    "integrity": verification.label(s.integrity_key),
                    "trust": verification.label(s.trust_key),
                    "verdict": verification.label("valid" if s.valid else "invalid"),
                    "changes": verification.label(s.modification),
                    "kind": verification.label(s.kind),
                },
            }
            for s in report.signatures
        ],
    )


@api.route(
    "POST",
    "/api/verify",
    summary="Verify the signatures of a PDF (send it as the body, Content-Type application/pdf)",
    consumes={"application/pdf": {"type": "string", "format": "binary"}},
    response=VerificationOut,
    tags=TAGS,
)
async def verify_pdf(req: ApiRequest) -> VerificationOut:
    svc = req.services
    data = await read_body(
        req.request, content_type="application/pdf", limit=svc.settings.max_verify_upload
    )
    return report_out(await verification.verify(svc, data))


@api.route(
    "GET",
    "/api/admin/audit",
    summary="Audit log entries, newest first",
    response=list[AuditEventOut],
    tags=("admin",),
    query={
        "subject_type": "e.g. meeting",
        "subject_id": "e.g. a meeting id",
        "action": "An action, or a prefix ending in '.'",
        "actor_id": IntQuery("Who acted"),
        "meeting_id": IntQuery("Everything about one meeting"),
        "before_seq": IntQuery("Entries older than this sequence number (paging)"),
        "limit": IntQuery("At most this many (default 100, max 500)", maximum=MAX_INT),
    },
)
async def audit_events(req: ApiRequest) -> Sequence[AuditEvent]:
    return await audit_log.list_events(req.services, req.actor, audit_filter(req.query))


def audit_filter(get: Any) -> audit_log.AuditFilter:
    return audit_log.AuditFilter(
        subject_type=get("subject_type")[:32],
        subject_id=get("subject_id")[:64],
        action=get("action")[:64],
        actor_id=_int(get("actor_id")),
        meeting_id=_int(get("meeting_id")),
        before_seq=_int(get("before_seq")),
        limit=_int(get("limit")) or 100,
    )


@api.route(
    "GET",
    "/api/admin/audit/verify",
    summary="Check the audit log's hash chain",
    response=AuditChainOut,
    tags=("admin",),
)
async def audit_verify(req: ApiRequest) -> AuditChainOut:
    report: ChainReport = await audit_log.verify(req.services, req.actor)
    return AuditChainOut(
        length=report.length,
        head_hash=report.head_hash,
        intact=report.intact,
        first_bad_seq=report.first_bad_seq,
    )
