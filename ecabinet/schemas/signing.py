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
