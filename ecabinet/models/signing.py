"""Digital signatures (chữ ký số): the platform's certificate authority, signers' credentials,
and documents that collect PAdES signatures from an ordered list of signers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class CredentialSource(enum.StrEnum):
    PLATFORM = "platform"  # issued by the platform's own CA
    PKCS12 = "pkcs12"  # uploaded by the signer, from an outside CA
    # the signer's own key on their token or a remote-signing service: only the certificate is
    # here (``encrypted_key`` is empty); signatures come back from the device (external signing)
    EXTERNAL = "external"


def _values(e: type[enum.Enum]) -> list[str]:
    return [m.value for m in e]


class CertificateAuthority(Base):
    """The platform CA. One row named ``platform``; its key is encrypted with the CA passphrase."""

    __tablename__ = "certificate_authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    encrypted_key_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignerCredential(Base):
    """A signer's certificate and private key (AES-GCM encrypted, never sent to any client)."""

    __tablename__ = "signer_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[CredentialSource] = mapped_column(
        Enum(CredentialSource, native_enum=False, length=16, values_callable=_values)
    )
    certificate_pem: Mapped[str] = mapped_column(Text)
    chain_pem: Mapped[str] = mapped_column(Text, default="")
    encrypted_key: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SigningDocument(Base):
    """A PDF that the listed signers sign in turn, each signature an incremental update.

    The minutes workflow creates one per minutes version; ``subject_type``/``subject_id`` point
    back at it. ``signer_ids`` is the configured order (chair last).
    """

    __tablename__ = "signing_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    signer_ids: Mapped[list[Any]] = mapped_column(JSON)
    signed_count: Mapped[int] = mapped_column(Integer, default=0)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentSignature(Base):
    """One signature added to a :class:`SigningDocument` (the record kept beside the PDF)."""

    __tablename__ = "document_signature"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("signing_document.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    field_name: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("signer_credential.id", ondelete="RESTRICT")
    )
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pdf_sha256: Mapped[str] = mapped_column(String(64))


class ExternalSigningRequest(Base):
    """A signer's revision prepared by the server and waiting for the signature value from the
    signer's own device (interrupted signing). Single use (``used_at``), expires, and is only
    valid while the document still has ``base_sha256`` (nothing was signed meanwhile)."""

    __tablename__ = "external_signing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # what the device is given
    document_id: Mapped[int] = mapped_column(
        ForeignKey("signing_document.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("signer_credential.id", ondelete="RESTRICT")
    )
    position: Mapped[int] = mapped_column(Integer)
    field_name: Mapped[str] = mapped_column(String(32))
    base_sha256: Mapped[str] = mapped_column(String(64))  # the document it was prepared on
    prepared_pdf: Mapped[bytes] = mapped_column(LargeBinary)  # with an empty /Contents
    document_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 over the /ByteRange
    reserved_start: Mapped[int] = mapped_column(Integer)
    reserved_end: Mapped[int] = mapped_column(Integer)
    signed_attrs: Mapped[bytes] = mapped_column(LargeBinary)  # DER: what the device signs
    mechanism: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the stamp's and /M's instant
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
