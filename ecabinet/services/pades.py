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

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
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
    style = _stamp_style(writer, font, stamp)
    pdf_signer = _SignerAt(
        meta,
        signer=pyhanko_signer(material),
        timestamper=timestamper,
        stamp_style=style,
        at=signed_at,
    )
    return _sign_with(pdf_signer, writer, stamp)


def _stamp_style(writer: IncrementalPdfFileWriter, font: Path, stamp: StampText) -> TextStampStyle:
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=stamp_font.factory(writer, font, STAMP_FONT_SIZE, stamp.lines()),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_FONT_SIZE + 3,
        ),
        border_width=1,
        background=None,
    )


def _sign_with(
    pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, stamp: StampText
) -> bytes:
    out = io.BytesIO()
    pdf_signer.sign_pdf(
        writer,
        existing_fields_only=True,
        appearance_text_params={"title": stamp.title or "—", "when": stamp.when},
        output=out,
    )
    return out.getvalue()


# --- interrupted signing: the key is on the signer's device ---------------------------------

# Room for the CMS in the signature's /Contents (DER bytes; written as hex, so twice that in the
# file): the signature, the signer's chain and an RFC 3161 token with its TSA's chain fit.
EXTERNAL_CMS_ROOM = 16384


@dataclass(frozen=True)
class PreparedExternal:
    """The signer's revision made ready, waiting for a signature value from their device.

    ``pdf`` has the field's stamp and a zeroed /Contents; ``document_digest`` is the SHA-256 over
    its /ByteRange; ``signed_attrs`` (DER) holds that digest (messageDigest) and the signer's
    certificate (signingCertificateV2): the device signs these bytes."""

    pdf: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    signed_attrs: bytes
    mechanism: str  # "ecdsa-sha256" | "rsassa-pss-sha256"


def mechanism_of(cert: x509.Certificate) -> str:
    if isinstance(cert.public_key(), rsa.RSAPublicKey):
        return "rsassa-pss-sha256"
    return "ecdsa-sha256"


def _external_signer(
    cert: x509.Certificate, chain: tuple[x509.Certificate, ...], value: bytes | int
) -> signers.ExternalSigner:
    return signers.ExternalSigner(
        signing_cert=asn1_cert(cert),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(c) for c in chain]),
        signature_value=value,
        signature_mechanism=RSA_PSS_SHA256
        if isinstance(cert.public_key(), rsa.RSAPublicKey)
        else None,
    )


# "rsassa-pss-sha256" as devices sign it (PKCS#11 CKM_SHA256_RSA_PKCS_PSS): MGF1 with SHA-256
# and a 32-byte salt. Named in the CMS, since pyHanko's own choice (the longest salt the key
# allows) would not describe what the device did.
RSA_PSS_SHA256 = algos.SignedDigestAlgorithm(
    {
        "algorithm": "rsassa_pss",
        "parameters": algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": "sha256"},
                "mask_gen_algorithm": {
                    "algorithm": "mgf1",
                    "parameters": {"algorithm": "sha256"},
                },
                "salt_length": 32,
            }
        ),
    }
)


async def prepare_external(
    pdf: bytes,
    field_name: str,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    stamp: StampText,
    font: Path,
    *,
    signed_at: datetime,
    reason: str = "Phê duyệt / Approval",
) -> PreparedExternal:
    """Write the signer's revision (stamp, byte range, empty /Contents) and the CMS signed
    attributes their device is to sign; nothing is signed here."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=stamp.signer,
    )
    ext = _external_signer(cert, chain, 512)
    pdf_signer = _SignerAt(
        meta, signer=ext, stamp_style=_stamp_style(writer, font, stamp), at=signed_at
    )
    digest, _tbs, out = await pdf_signer.async_digest_doc_for_signing(
        writer,
        existing_fields_only=True,
        bytes_reserved=EXTERNAL_CMS_ROOM * 2,
        appearance_text_params={"title": stamp.title or "—", "when": stamp.when},
    )
    attrs = await ext.signed_attrs(
        digest.document_digest,
        "sha256",
        attr_settings=PdfCMSSignedAttributes(signing_time=signed_at),
        use_pades=True,
    )
    out.seek(0)
    return PreparedExternal(
        pdf=out.read(),
        document_digest=digest.document_digest,
        reserved_start=digest.reserved_region_start,
        reserved_end=digest.reserved_region_end,
        signed_attrs=attrs.dump(),
        mechanism=mechanism_of(cert),
    )


async def cms_from_signature_value(
    signed_attrs: bytes,
    value: bytes,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    timestamper: TimeStamper | None,
) -> bytes:
    """The CMS SignedData around a raw signature value over ``signed_attrs`` (and, with a
    timestamper, an RFC 3161 signature timestamp: PAdES B-T)."""
    from asn1crypto import cms

    ext = _external_signer(cert, chain, value)
    content = await ext.async_sign_prescribed_attributes(
        "sha256", signed_attrs=cms.CMSAttributes.load(signed_attrs), timestamper=timestamper
    )
    return content.dump()


def embed_cms(prepared: PreparedExternal, cms_der: bytes) -> bytes:
    """``prepared.pdf`` with the CMS written into its reserved /Contents."""
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest

    if len(cms_der) * 2 > prepared.reserved_end - prepared.reserved_start - 2:
        raise ValueError("the signature container does not fit its reserved room")
    out = io.BytesIO(prepared.pdf)
    PreparedByteRangeDigest(
        prepared.document_digest, prepared.reserved_start, prepared.reserved_end
    ).fill_with_cms(out, cms_der)
    return out.getvalue()
