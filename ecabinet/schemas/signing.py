"""Signing certificates, documents awaiting signatures, verification reports, audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from ..models import CredentialSource
from .common import Input, Output


class CredentialOut(Output):
    """A signer's certificate. The private key is never part of any response."""

    id: int
    user_id: int
    source: CredentialSource
    subject: str
    issuer: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    created_at: datetime
    certificate_pem: str


class Pkcs12In(Input):
    pkcs12_base64: str = Field(
        min_length=1, max_length=200_000, description="The PKCS#12 (.p12/.pfx) file, base64."
    )
    password: str = Field(default="", max_length=1024)


class SignIn(Input):
    """A signature is confirmed with the signer's password, re-entered (throttled like logins)."""

    password: str = Field(min_length=1, max_length=1024, description="The signer's password.")


class DocumentSignatureOut(Output):
    position: int
    field_name: str
    user_id: int
    signed_at: datetime
    pdf_sha256: str


class SigningDocumentOut(Output):
    id: int
    subject_type: str
    subject_id: str
    title: str
    signer_ids: list[int]
    signed_count: int
    next_signer_id: int | None
    pdf_sha256: str
    updated_at: datetime


class SignatureReportOut(Output):
    field_name: str
    signer: str
    subject: str
    issuer: str
    signing_time: datetime | None
    timestamp: datetime | None
    intact: bool
    trusted: bool
    modification: str
    modifications_ok: bool
    covers_whole_file: bool
    valid: bool
    kind: str = Field(description="platform (the platform CA) or own_key (an outside CA).")
    labels: dict[str, str] = Field(description="The verdicts in Vietnamese (Circular 15/2025).")


class VerificationOut(Output):
    all_valid: bool
    summary: str
    error: str
    signatures: list[SignatureReportOut]


class AuditEventOut(Output):
    seq: int
    at: datetime
    action: str
    actor_id: int | None
    address: str
    subject_type: str
    subject_id: str
    meeting_id: int | None = None
    data: dict[str, Any]
    entry_hash: str


class AuditChainOut(Output):
    length: int
    head_hash: str
    intact: bool
    first_bad_seq: int | None


class DeviceCertificateIn(Input):
    """The certificate of a key on the signer's own token / remote-signing service (no key)."""

    certificate_pem: str = Field(min_length=1, max_length=20000)
    chain_pem: str = Field(default="", max_length=80000, description="Intermediates (PEM).")


class SigningRequestOut(Output):
    """What the signer's device shows and signs (interrupted signing, issue 18)."""

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
    document_digest: str = Field(description="Hex SHA-256 over the revision's /ByteRange.")
    signed_attributes: str = Field(
        description="Base64 DER CMS signed attributes (with the digest): the bytes to sign."
    )
    to_be_signed_digest: str = Field(description="Hex SHA-256 of the signed attributes.")
    mechanism: str = Field(description="ecdsa-sha256 (DER signature) or rsassa-pss-sha256.")
    signed_at: datetime
    expires_at: datetime


class DeviceSignatureIn(Input):
    """The device's answer: the signature value over ``signed_attributes`` (base64; ECDSA as
    DER or raw r||s), or a whole CMS SignedData (base64 DER) over ``document_digest``."""

    signature_base64: str = Field(default="", max_length=4096)
    cms_base64: str = Field(default="", max_length=65536)


class DeviceSignatureOut(Output):
    document_id: int
    subject_type: str
    subject_id: str
    position: int
    signed_count: int
    complete: bool
    pdf_sha256: str
