"""Revocation of the platform CA's certificates, published for validators (long-term
verification, PAdES B-LT): a CRL at ``/pki/crl`` that every issued certificate names in its
CRL distribution point, signed by the CA. It lists every platform certificate marked revoked
(by the admin, or replaced by a newer one), with its revocation date. Signing embeds the same
CRL in the PDF's DSS, so a signature can be checked offline and after the certificate expires.
"""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy import select

from ..errors import NotFound
from ..models import CredentialSource, SignerCredential
from . import pki
from .context import Services

CRL_PATH = pki.CRL_PATH
CRL_VALIDITY = timedelta(days=7)
CRL_BACKDATE = timedelta(minutes=5)


def crl_url(svc: Services) -> str:
    return svc.settings.base_url + CRL_PATH


async def current_crl(svc: Services) -> x509.CertificateRevocationList:
    """The platform CA's CRL as of now (404 ``ca_not_created`` before the CA exists)."""
    async with svc.db.reading() as session:
        ca_row = await pki.ca_row(session)
        if ca_row is None:
            raise NotFound("The platform CA has not been created yet.", code="ca_not_created")
        revoked = list(
            await session.execute(
                select(SignerCredential.certificate_pem, SignerCredential.revoked_at).where(
                    SignerCredential.source == CredentialSource.PLATFORM,
                    SignerCredential.revoked_at.is_not(None),
                )
            )
        )
    ca_cert = x509.load_pem_x509_certificate(ca_row.certificate_pem.encode())
    ca_key = pki.ca_key_of(svc, ca_row)
    now = svc.clock.now()
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - CRL_BACKDATE)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for pem, at in revoked:
        cert = x509.load_pem_x509_certificate(pem.encode())
        if cert.issuer != ca_cert.subject:
            continue
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(at)
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256())
