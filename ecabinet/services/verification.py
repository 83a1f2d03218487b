"""Verify every signature in a PDF (pyHanko) and report it in Vietnamese and English.

Circular 15/2025: the verification result names the signer, the signing time and the integrity.
Trust anchors: the platform CA (if it exists) plus ``ECABINET_SIGNING_TRUST_ROOTS`` (a PEM
bundle: in production the national root CAs). Revocation is checked when the certificates name
a CRL or OCSP responder and the network allows it ("soft fail" otherwise); the platform's own
certificates name its CRL (``/pki/crl``), which signing also embeds in the PDF (docs/signing.md).
"""

from __future__ import annotations

import asyncio
import functools
import io
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from . import pki, signer_trust
from .context import Services

# (English, Vietnamese) for everything the report says.
LABELS: dict[str, tuple[str, str]] = {
    "signer": ("Signer", "Người ký"),
    "signing_time": ("Signing time", "Thời gian ký"),
    "timestamp": ("Trusted timestamp", "Dấu thời gian"),
    "integrity": ("Integrity", "Tính toàn vẹn"),
    "trust": ("Certificate", "Chứng thư số"),
    "changes": ("Changes after signing", "Thay đổi sau khi ký"),
    "issuer": ("Issued by", "Cơ quan cấp"),
    "intact": (
        "Intact: the signed content has not been changed",
        "Toàn vẹn: nội dung đã ký không bị thay đổi",
    ),
    "broken": (
        "Broken: the signed content was altered",
        "Không toàn vẹn: nội dung đã ký đã bị thay đổi",
    ),
    "not_assessed": (
        "Not assessed: the signed content was altered",
        "Không đánh giá: nội dung đã ký đã bị thay đổi",
    ),
    "trusted": ("Trusted", "Tin cậy"),
    "untrusted": ("Not trusted", "Không tin cậy"),
    "valid": ("Valid signature", "Chữ ký hợp lệ"),
    "invalid": ("Invalid signature", "Chữ ký không hợp lệ"),
    "none": ("None: the signature covers the whole file", "Không có: chữ ký bao trùm toàn bộ tệp"),
    "lta_updates": ("Only validation data added", "Chỉ bổ sung dữ liệu xác thực"),
    "form_filling": (
        "Later signatures and form filling only",
        "Chỉ thêm chữ ký sau và điền biểu mẫu",
    ),
    "annotations": ("Annotations added", "Có thêm chú thích"),
    "other": ("Other changes (not allowed)", "Có thay đổi khác (không được phép)"),
    "unknown": ("Unknown", "Không xác định"),
    "kind": ("Kind of signature", "Loại chữ ký"),
    "platform": (
        "Platform CA (the server signs with a key it holds)",
        "CA của hệ thống (máy chủ ký bằng khóa do máy chủ giữ)",
    ),
    "own_key": (
        "Signer's own certificate (outside CA)",
        "Chứng thư số riêng của người ký (CA bên ngoài)",
    ),
    "no_timestamp": ("None (time stated by the signer)", "Không có (thời gian do người ký khai)"),
    "not_a_pdf": ("The file is not a readable PDF.", "Tệp không phải PDF đọc được."),
    "no_signatures": ("The file has no signatures.", "Tệp không có chữ ký số."),
    "all_valid": ("All signatures are valid and trusted.", "Tất cả chữ ký đều hợp lệ và tin cậy."),
    "not_all_valid": (
        "Not all signatures are valid and trusted.",
        "Không phải mọi chữ ký đều hợp lệ và tin cậy.",
    ),
}


def label(key: str, language: str = "vi") -> str:
    en, vi = LABELS[key]
    return vi if language == "vi" else en


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer: str  # the certificate's common name
    subject: str
    issuer: str  # the issuing CA's common name
    signing_time: datetime | None  # as claimed by the signer
    timestamp: datetime | None  # from a trusted time-stamp token (PAdES B-T), if any
    intact: bool  # the signed bytes hash to the signed digest and the signature verifies
    # the certificate chains to a trust anchor and is for signing (non-repudiation); judged on
    # its own, so a broken signature by a trusted certificate still says "trusted"
    trusted: bool
    # none / lta_updates / form_filling / annotations / other / unknown; not_assessed when the
    # signature is broken (later revisions cannot be judged against altered content)
    modification: str
    modifications_ok: bool
    covers_whole_file: bool
    valid: bool  # pyHanko's bottom line: all of the above
    # "platform": issued by the platform CA (key held by the server); "own_key": another CA
    kind: str = "own_key"

    @property
    def integrity_key(self) -> str:
        return "intact" if self.intact else "broken"

    @property
    def trust_key(self) -> str:
        return "trusted" if self.trusted else "untrusted"


@dataclass
class VerificationReport:
    signatures: list[SignatureReport] = field(default_factory=list)
    error: str = ""  # a LABELS key when the file could not be checked at all

    @property
    def all_valid(self) -> bool:
        return not self.error and bool(self.signatures) and all(s.valid for s in self.signatures)

    @property
    def summary_key(self) -> str:
        if self.error:
            return self.error
        if not self.signatures:
            return "no_signatures"
        return "all_valid" if self.all_valid else "not_all_valid"


def _common_name(name: asn1_x509.Name) -> str:
    """The CN (what people call the signer or the CA), else the whole name."""
    try:
        return str(name.native.get("common_name", "")) or name.human_friendly
    except (ValueError, KeyError):
        return ""


def _modification(status: object) -> str:
    level = getattr(status, "modification_level", None)
    if level is None:
        return "unknown"
    return {
        ModificationLevel.NONE: "none",
        ModificationLevel.LTA_UPDATES: "lta_updates",
        ModificationLevel.FORM_FILLING: "form_filling",
        ModificationLevel.ANNOTATIONS: "annotations",
    }.get(level, "other")


def _certificate_trusted(sig: EmbeddedPdfSignature, context: ValidationContext) -> bool:
    """The certificate's own verdict, apart from the signature's integrity (pyHanko skips the
    trust check when the digest does not match, which would read as "not trusted")."""
    cert = sig.signer_cert
    if cert is None:
        return False
    validator = CertificateValidator(
        cert, intermediate_certs=sig.other_embedded_certs, validation_context=context
    )
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except Exception:  # any failure of the path or of the usage means: not trusted
        return False
    return True


def _kind(cert: asn1_x509.Certificate | None, platform: x509.Certificate | None) -> str:
    if cert is None or platform is None:
        return "own_key"
    try:
        x509.load_der_x509_certificate(cert.dump()).verify_directly_issued_by(platform)
    except (ValueError, TypeError, InvalidSignature):
        return "own_key"
    return "platform"


def verify_pdf(
    data: bytes,
    trust_roots: list[x509.Certificate],
    moment: datetime | None = None,
    *,
    platform_ca: x509.Certificate | None = None,
) -> VerificationReport:
    """Check every signature of ``data`` (blocking: call it in a worker thread)."""
    roots = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust_roots
    ]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_regular_signatures)  # not document timestamps (B-LTA)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        del exc
        return VerificationReport(error="not_a_pdf")
    report = VerificationReport()
    for sig in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=moment)
        cert = sig.signer_cert
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except Exception:
            trusted = _certificate_trusted(sig, context)
            report.signatures.append(
                SignatureReport(
                    field_name=sig.field_name or "",
                    signer=_common_name(cert.subject) if cert else "",
                    subject=cert.subject.human_friendly if cert else "",
                    issuer=_common_name(cert.issuer) if cert else "",
                    signing_time=sig.self_reported_timestamp,
                    timestamp=None,
                    intact=False,
                    trusted=trusted,
                    modification="not_assessed",
                    modifications_ok=False,
                    covers_whole_file=False,
                    valid=False,
                    kind=_kind(cert, platform_ca),
                )
            )
            continue
        ts = status.timestamp_validity
        intact = bool(status.intact and status.valid)
        trusted = bool(status.trusted) if intact else _certificate_trusted(sig, context)
        report.signatures.append(
            SignatureReport(
                field_name=sig.field_name or "",
                signer=_common_name(status.signing_cert.subject),
                subject=status.signing_cert.subject.human_friendly,
                issuer=_common_name(status.signing_cert.issuer),
                signing_time=status.signer_reported_dt,
                timestamp=ts.timestamp if ts is not None and ts.trusted else None,
                intact=intact,
                trusted=trusted,
                modification=_modification(status) if intact else "not_assessed",
                modifications_ok=bool(status.docmdp_ok),
                covers_whole_file=status.coverage is not None
                and status.coverage.name == "ENTIRE_FILE",
                valid=bool(status.bottom_line),
                kind=_kind(status.signing_cert, platform_ca),
            )
        )
    return report


def configured_roots(svc: Services) -> list[x509.Certificate]:
    """``ECABINET_SIGNING_TRUST_ROOTS``: PEM files or directories (``signer_trust``)."""
    return signer_trust.configured_roots(svc.settings.signing_trust_roots)


async def trust_roots(svc: Services) -> list[x509.Certificate]:
    roots = configured_roots(svc)
    ca = await pki.existing_ca_certificate(svc)
    return [ca, *roots] if ca is not None else roots


async def verify(svc: Services, data: bytes) -> VerificationReport:
    """Verify against the platform's trust anchors, at the platform clock's time."""
    roots = await trust_roots(svc)
    platform = await pki.existing_ca_certificate(svc)
    return await asyncio.to_thread(
        functools.partial(verify_pdf, data, roots, svc.clock.now(), platform_ca=platform)
    )
