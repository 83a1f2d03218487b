"""Add one PAdES signature to a PDF as an incremental update (pyHanko), synchronously.

PAdES B-B (``ETSI.CAdES.detached``, SHA-256); B-T when a time-stamper is given. RSA keys sign
with RSASSA-PSS (Circular 15/2025), ECDSA keys with ecdsa-with-SHA256. The visible stamp in the
pre-created field shows the signer's name, title and the signing time in the configured zone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import stamp_font
from .pki import SignerMaterial

STAMP_TEXT = "Ký bởi: %(signer)s\n%(title)s\nThời gian: %(when)s"
STAMP_FONT_SIZE = 7


@dataclass(frozen=True)
class StampText:
    signer: str
    title: str
    when: str  # already formatted in the platform's time zone

    def lines(self) -> list[str]:
        """The lines the stamp prints (pyHanko shapes each line on its own)."""
        return (
            STAMP_TEXT % {"signer": self.signer, "title": self.title or "—", "when": self.when}
        ).split("\n")


def asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def pyhanko_signer(material: SignerMaterial) -> signers.SimpleSigner:
    key_der = material.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=asn1_cert(material.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(c) for c in material.chain]),
        prefer_pss=isinstance(material.key, rsa.RSAPrivateKey),
    )


class _SignerAt(signers.PdfSigner):
    """pyHanko's signer with the signing instant given, not read from the clock mid-way: the
    signature dictionary's ``/M``, the CMS ``signingTime`` and the stamp's text all show it."""

    def __init__(self, *args: Any, at: datetime | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        if self._at is not None:
            session.system_time = self._at
        return session


def sign(
    pdf: bytes,
    field_name: str,
    material: SignerMaterial,
    stamp: StampText,
    font: Path,
    *,
    reason: str = "Phê duyệt / Approval",
    location: str = "",
    timestamper: TimeStamper | None = None,
    signed_at: datetime | None = None,
    validation: ValidationContext | None = None,
    archive: bool = False,
) -> bytes:
    """Return ``pdf`` with one more signature, in the existing empty field ``field_name``.

    ``signed_at`` (aware) is the one instant of the act: ``/M``, the CMS signingTime and (as
    ``stamp.when``, formatted by the caller from the same instant) the stamp.

    ``validation`` (trust roots and the CA's CRL): the certificates and revocation data are
    embedded in the DSS (PAdES B-LT with a timestamper). ``archive`` with a timestamper adds a
    document timestamp after the signature (B-LTA: the last signature of a document)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=stamp.signer,
        embed_validation_info=validation is not None,
        validation_context=validation,
        use_pades_lta=archive and timestamper is not None and validation is not None,
    )
    style = TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=stamp_font.factory(writer, font, STAMP_FONT_SIZE, stamp.lines()),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_FONT_SIZE + 3,
        ),
        border_width=1,
        background=None,
    )
    pdf_signer = _SignerAt(
        meta,
        signer=pyhanko_signer(material),
        timestamper=timestamper,
        stamp_style=style,
        at=signed_at,
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(
        writer,
        existing_fields_only=True,
        appearance_text_params={"title": stamp.title or "—", "when": stamp.when},
        output=out,
    )
    return out.getvalue()
