"""What the page asks the agent to sign, checked before the signer is asked: the bytes to sign
are CMS signed attributes whose messageDigest is the document digest shown to the signer and
whose signing certificate is the token's own, and nothing in the request contradicts them. A
page (or a server) cannot get the token to sign anything but what the signer reads."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, tsp  # noqa: F401 (tsp registers the signing_certificate_v2 attribute)
from cryptography.hazmat.primitives import serialization

from .token import TokenIdentity


class RequestRefused(Exception):
    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class SigningRequest:
    token: str
    meeting: str
    document: str
    signer: str
    position: int
    document_digest: str  # hex SHA-256 over the revision's /ByteRange
    signed_attributes: bytes

    def summary(self, identity: TokenIdentity) -> list[tuple[str, str]]:
        """What the signer reads before confirming (Vietnamese / English labels)."""
        digest = " ".join(self.document_digest[i : i + 8] for i in range(0, 64, 8))
        return [
            ("Cuộc họp / Meeting", self.meeting or "—"),
            ("Văn bản / Document", self.document),
            ("Người ký / Signer", f"{self.signer} (#{self.position})"),
            ("Chứng thư số / Certificate", identity.certificate.subject.rfc4514_string()),
            ("Mã băm / SHA-256", digest),
        ]


def _text(body: dict[str, Any], key: str, limit: int = 500) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise RequestRefused("request_unreadable", f"{key} is not a text of at most {limit}.")
    return value


def parse(body: Any, identity: TokenIdentity) -> SigningRequest:
    """The request as the e-Cabinet server prepared it (``SigningRequestOut``), checked."""
    if not isinstance(body, dict):
        raise RequestRefused("request_unreadable", "The request is not a JSON object.")
    fingerprint = _text(body, "certificate_fingerprint", 64).lower()
    if fingerprint != identity.fingerprint:
        raise RequestRefused(
            "other_certificate",
            "The request is for another certificate than the one on this token.",
            409,
        )
    if _text(body, "mechanism", 40) != identity.mechanism:
        raise RequestRefused("mechanism_mismatch", "The request names another signing scheme.")
    try:
        raw = base64.b64decode(_text(body, "signed_attributes", 16384), validate=True)
        attributes = cms.CMSAttributes.load(raw, strict=True)
        by_type = {a["type"].native: a["values"][0] for a in attributes}
    except (binascii.Error, ValueError, TypeError, KeyError, IndexError) as exc:
        raise RequestRefused("request_unreadable", "The signed attributes are unreadable.") from exc
    if hashlib.sha256(raw).hexdigest() != _text(body, "to_be_signed_digest", 64).lower():
        raise RequestRefused("digest_mismatch", "The bytes to sign do not match their digest.")
    message_digest = by_type.get("message_digest")
    document_digest = _text(body, "document_digest", 64).lower()
    if message_digest is None or message_digest.native.hex() != document_digest:
        raise RequestRefused(
            "digest_mismatch", "The signed attributes name another document digest."
        )
    signing_certificate = by_type.get("signing_certificate_v2")
    own = hashlib.sha256(identity.certificate.public_bytes(serialization.Encoding.DER)).digest()
    try:
        cert_hash = signing_certificate["certs"][0]["cert_hash"].native  # type: ignore[index]
    except (TypeError, KeyError, IndexError) as exc:
        raise RequestRefused(
            "request_unreadable", "The signed attributes name no signing certificate."
        ) from exc
    if cert_hash != own:
        raise RequestRefused(
            "other_certificate", "The signed attributes name another certificate.", 409
        )
    position = body.get("position")
    if not isinstance(position, int):
        raise RequestRefused("request_unreadable", "position is not a number.")
    return SigningRequest(
        token=_text(body, "token", 128),
        meeting=_text(body, "meeting_title"),
        document=_text(body, "document_title"),
        signer=_text(body, "signer_name"),
        position=position,
        document_digest=document_digest,
        signed_attributes=raw,
    )
