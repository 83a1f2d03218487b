"""The platform's certificate authority and signers' credentials (keys for chữ ký số).

* The CA (ECDSA P-256, ecdsa-with-SHA256) is created on first use. Its private key is stored as
  encrypted PKCS#8 (``BestAvailableEncryption``) under ``ECABINET_CA_PASSPHRASE``, which is never
  in the database. Without a passphrase the CA is refused, except with ``ECABINET_DEBUG`` (dev),
  where the passphrase is derived from the server secret.
* A signer's certificate is issued by that CA (KeyUsage digitalSignature + nonRepudiation,
  critical; no EKU, which NSS/pdfsig would otherwise reject), or the signer uploads a PKCS#12 from
  an outside CA. Either way the private key is stored AES-256-GCM encrypted with a key derived
  from the server secret, bound to the certificate's fingerprint; no endpoint returns it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..models import (
    CertificateAuthority,
    CredentialSource,
    Organization,
    SignerCredential,
    User,
)
from .actor import Actor
from .context import Services, perform
from .keys import derive
from .permissions import Permission

log = logging.getLogger("ecabinet.pki")

PLATFORM_CA = "platform"
CRL_PATH = "/pki/crl"  # served by the app (web/views/pki_pages.py, services/revocation.py)
CA_VALIDITY = timedelta(days=20 * 365)
SIGNER_VALIDITY = timedelta(days=2 * 365)
BACKDATE = timedelta(minutes=5)
KEY_PURPOSE = "signer-key-encryption"
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CertificateUnusable(DomainError):
    """The certificate cannot be used to sign now (expired, not yet valid, revoked, wrong use)."""

    status = 409
    code = "certificate_unusable"


class CaNotConfigured(DomainError):
    status = 503
    code = "ca_not_configured"


@dataclass(frozen=True)
class SignerMaterial:
    """What signing needs: the key, its certificate and the chain up to (and with) the root."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


# --- pure functions -------------------------------------------------------------------------


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_pem_chain(pem: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(pem.encode())) if pem.strip() else ()


def subject_name(full_name: str, title: str = "", organization: str = "") -> x509.Name:
    """``C=VN, O=<cơ quan>, title=<chức vụ>, CN=<họ tên>`` (UTF8String, so diacritics survive)."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title[:64]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, full_name[:64]))
    return x509.Name(attrs)


def make_ca(name: x509.Name, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_signer_certificate(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    subject: x509.Name,
    now: datetime,
    validity: timedelta = SIGNER_VALIDITY,
    *,
    crl_url: str = "",
) -> x509.Certificate:
    """An end-entity certificate for signing documents: digitalSignature + nonRepudiation;
    with ``crl_url``, a CRL distribution point naming the CA's published CRL."""
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + validity, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def check_usable(cert: x509.Certificate, now: datetime) -> None:
    """Refuse a certificate that cannot make a valid signature at ``now``."""
    if now < cert.not_valid_before_utc:
        raise CertificateUnusable(
            "The signing certificate is not valid yet.", code="certificate_not_yet_valid"
        )
    if now > cert.not_valid_after_utc:
        raise CertificateUnusable(
            "The signing certificate has expired.", code="certificate_expired"
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.content_commitment:
        raise CertificateUnusable(
            "The certificate is not for signing documents (it lacks non-repudiation).",
            code="certificate_wrong_usage",
        )


def _key_aead(secret: str) -> AESGCM:
    return AESGCM(derive(secret, KEY_PURPOSE))


def encrypt_key(key: PrivateKey, secret: str, bound_to: str) -> bytes:
    """AES-256-GCM over PKCS#8 DER; the certificate fingerprint is the associated data."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(12)
    return nonce + _key_aead(secret).encrypt(nonce, der, bound_to.encode())


def decrypt_key(blob: bytes, secrets: tuple[str, ...], bound_to: str) -> PrivateKey:
    """Decrypt with the current secret, then with each previous one (secret rotation)."""
    for secret in secrets:
        try:
            der = _key_aead(secret).decrypt(blob[:12], blob[12:], bound_to.encode())
        except InvalidTag:
            continue
        key = serialization.load_der_private_key(der, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            break
        return key
    raise CertificateUnusable(
        "The signing key cannot be decrypted with the server's secret keys.",
        code="signing_key_unreadable",
    )


def read_pkcs12(
    data: bytes, password: str
) -> tuple[PrivateKey, x509.Certificate, tuple[x509.Certificate, ...]]:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() or None)
    except ValueError as exc:
        raise ValidationFailed(
            "The file is not a PKCS#12 bundle or the password is wrong.", code="pkcs12_unreadable"
        ) from exc
    if cert is None or not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValidationFailed(
            "The PKCS#12 bundle must hold an RSA or ECDSA key and its certificate.",
            code="pkcs12_incomplete",
        )
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise ValidationFailed("RSA keys must be at least 2048 bits.", code="weak_key")
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size < 256:
        raise ValidationFailed("ECDSA keys must be at least 256 bits.", code="weak_key")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise ValidationFailed(
            "The key in the bundle does not match its certificate.", code="pkcs12_mismatch"
        )
    return key, cert, tuple(extra)


# --- the platform CA ------------------------------------------------------------------------


def _ca_passphrase(svc: Services) -> bytes:
    if svc.settings.ca_passphrase:
        return svc.settings.ca_passphrase.encode()
    if svc.settings.debug:
        log.warning("ECABINET_CA_PASSPHRASE is not set; deriving it from the secret key (dev only)")
        return derive(svc.settings.secret_key, "ca-passphrase").hex().encode()
    raise CaNotConfigured(
        "Set ECABINET_CA_PASSPHRASE to let the platform run its certificate authority."
    )


async def ca_row(session: AsyncSession) -> CertificateAuthority | None:
    return (
        await session.scalars(
            select(CertificateAuthority).where(CertificateAuthority.name == PLATFORM_CA)
        )
    ).one_or_none()


async def ensure_ca(svc: Services) -> CertificateAuthority:
    """The platform CA, created (and audited) the first time anything needs it."""
    async with svc.db.reading() as session:
        row = await ca_row(session)
    if row is not None:
        return row
    passphrase = _ca_passphrase(svc)
    now = svc.clock.now()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Phòng họp không giấy"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"e-Cabinet CA {now:%Y-%m-%d}"),
        ]
    )
    cert, key = make_ca(name, now)
    row = CertificateAuthority(
        name=PLATFORM_CA,
        certificate_pem=cert_pem(cert),
        encrypted_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        ).decode("ascii"),
        fingerprint=fingerprint(cert),
        created_at=now,
    )
    try:
        async with perform(svc, None, "pki.ca_create") as act:
            act.session.add(row)
            await act.session.flush()
            act.record("certificate_authority", row.id, fingerprint=row.fingerprint)
    except Conflict:
        # Another process created it first: use theirs.
        async with svc.db.reading() as session:
            existing = await ca_row(session)
        if existing is None:
            raise
        return existing
    log.info("created the platform CA %s", row.fingerprint)
    return row


async def ca_certificate(svc: Services) -> x509.Certificate:
    row = await ensure_ca(svc)
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


async def existing_ca_certificate(svc: Services) -> x509.Certificate | None:
    """The platform CA if it has been created (verification never creates it)."""
    async with svc.db.reading() as session:
        row = await ca_row(session)
    return x509.load_pem_x509_certificate(row.certificate_pem.encode()) if row else None


def ca_key_of(svc: Services, row: CertificateAuthority) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(
            row.encrypted_key_pem.encode(), password=_ca_passphrase(svc)
        )
    except ValueError as exc:
        raise CaNotConfigured(
            "ECABINET_CA_PASSPHRASE does not open the platform CA's key."
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CaNotConfigured("The platform CA's key is of an unsupported type.")
    return key


# --- signers' credentials -------------------------------------------------------------------


def _record(
    user_id: int,
    source: CredentialSource,
    key: PrivateKey,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    secret: str,
    now: datetime,
) -> SignerCredential:
    fp = fingerprint(cert)
    return SignerCredential(
        user_id=user_id,
        source=source,
        certificate_pem=cert_pem(cert),
        chain_pem="".join(cert_pem(c) for c in chain),
        encrypted_key=encrypt_key(key, secret, fp),
        fingerprint=fp,
        subject=cert.subject.rfc4514_string()[:500],
        issuer=cert.issuer.rfc4514_string()[:500],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        created_at=now,
    )


async def _store(
    svc: Services, actor: Actor | None, action: str, permission: Permission | None, row: Any
) -> SignerCredential:
    async with perform(svc, actor, action, permission) as act:
        # A new credential replaces the user's earlier ones.
        earlier = await act.session.scalars(
            select(SignerCredential).where(
                SignerCredential.user_id == row.user_id, SignerCredential.revoked_at.is_(None)
            )
        )
        for old in earlier:
            old.revoked_at = row.created_at
        act.session.add(row)
        await act.session.flush()
        act.record(
            "signer_credential",
            row.id,
            user_id=row.user_id,
            source=row.source.value,
            fingerprint=row.fingerprint,
            subject=row.subject,
        )
    return row


# Store a credential as the user's current one (earlier ones marked replaced), audited.
store_credential = _store


async def issue_certificate(svc: Services, actor: Actor | None, user_id: int) -> SignerCredential:
    """Issue a platform certificate (and a fresh P-256 key) to a user."""
    if actor is not None:
        actor.require(Permission.SIGNER_CERTIFICATE_ISSUE)
    async with svc.db.reading() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.", code="user_not_found")
        org = await session.scalar(
            select(Organization.name).where(Organization.id == user.organization_id)
        )
    ca_row = await ensure_ca(svc)
    ca_cert = x509.load_pem_x509_certificate(ca_row.certificate_pem.encode())
    ca_key = ca_key_of(svc, ca_row)
    now = svc.clock.now()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_signer_certificate(
        ca_cert,
        ca_key,
        key.public_key(),
        subject_name(user.full_name, user.title, org or ""),
        now,
        crl_url=svc.settings.base_url + CRL_PATH,
    )
    row = _record(
        user.id, CredentialSource.PLATFORM, key, cert, (ca_cert,), svc.settings.secret_key, now
    )
    return await _store(
        svc, actor, "pki.certificate_issue", Permission.SIGNER_CERTIFICATE_ISSUE, row
    )


async def import_pkcs12(
    svc: Services, actor: Actor, data: bytes, password: str
) -> SignerCredential:
    """The actor's own certificate from an outside CA, as a PKCS#12 bundle."""
    key, cert, chain = read_pkcs12(data, password)
    now = svc.clock.now()
    check_usable(cert, now)
    row = _record(
        actor.user_id, CredentialSource.PKCS12, key, cert, chain, svc.settings.secret_key, now
    )
    return await _store(svc, actor, "pki.pkcs12_import", None, row)


async def current_credential(session: AsyncSession, user_id: int) -> SignerCredential | None:
    return (
        await session.scalars(
            select(SignerCredential)
            .where(SignerCredential.user_id == user_id, SignerCredential.revoked_at.is_(None))
            .order_by(SignerCredential.id.desc())
            .limit(1)
        )
    ).one_or_none()


async def signs_with_device(svc: Services, user_id: int) -> bool:
    """The user's current certificate is of a key on their own device (the signing agent)."""
    async with svc.db.reading() as session:
        credential = await current_credential(session, user_id)
    return credential is not None and credential.source is CredentialSource.EXTERNAL


def unlock(svc: Services, credential: SignerCredential) -> SignerMaterial:
    """Decrypt a credential's key for one signing operation."""
    secrets = (svc.settings.secret_key, *svc.settings.previous_secret_keys)
    cert = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    key = decrypt_key(credential.encrypted_key, secrets, credential.fingerprint)
    return SignerMaterial(key=key, certificate=cert, chain=load_pem_chain(credential.chain_pem))


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
