"""Is this certificate one a signer may sign with here, now? (Signatures with the signer's own
key, issue 18.)

A certificate from outside the platform is accepted only if it chains to one of the
deployment's **trusted roots** (``ECABINET_SIGNING_TRUST_ROOTS``: PEM files or directories of
them, separated by ``os.pathsep``; the platform CA is trusted too), is valid at the signing
instant, is for signing documents (KeyUsage digitalSignature and nonRepudiation) and is not
revoked: its CRL distribution points and OCSP responder are asked at signing time (pyHanko's
certificate validator, "hard-fail": a certificate naming a CRL or responder that cannot be
reached is refused; one naming neither is accepted on its validity alone). What was fetched is
kept in the returned context, for the PDF's DSS (PAdES B-LT).
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathError,
    PathValidationError,
    RevokedError,
)

from . import pki
from .context import Services
from .pki import CertificateUnusable

log = logging.getLogger("ecabinet.signer_trust")
SIGNING_USAGE = frozenset({"digital_signature", "non_repudiation"})
FETCH_TIMEOUT = 10  # seconds, per CRL / OCSP request


def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _pem_files(spec: str) -> list[Path]:
    files: list[Path] = []
    for part in filter(None, (p.strip() for p in spec.split(os.pathsep))):
        path = Path(part)
        if path.is_dir():
            files += sorted(
                p for p in path.iterdir() if p.suffix.lower() in {".pem", ".crt", ".cer"}
            )
        else:
            files.append(path)
    return files


def configured_roots(spec: str) -> list[x509.Certificate]:
    """The certificates in the PEM files (or directories of ``*.pem``/``*.crt``/``*.cer``)
    named by ``spec`` (``os.pathsep``-separated)."""
    roots: list[x509.Certificate] = []
    for path in _pem_files(spec):
        roots += x509.load_pem_x509_certificates(path.read_bytes())
    return roots


async def trusted_roots(svc: Services) -> list[x509.Certificate]:
    """The deployment's trust anchors: the platform CA (once created) and the configured roots."""
    roots = configured_roots(svc.settings.signing_trust_roots)
    ca = await pki.existing_ca_certificate(svc)
    return [ca, *roots] if ca is not None else roots


def _refusal(exc: Exception) -> CertificateUnusable:
    if isinstance(exc, RevokedError):
        return CertificateUnusable(
            "The signing certificate has been revoked by its CA.", code="certificate_revoked"
        )
    if isinstance(exc, ExpiredError):
        return CertificateUnusable(
            "A certificate of the chain has expired.", code="certificate_expired"
        )
    if isinstance(exc, NotYetValidError):
        return CertificateUnusable(
            "A certificate of the chain is not valid yet.", code="certificate_not_yet_valid"
        )
    if isinstance(exc, InsufficientRevinfoError):
        return CertificateUnusable(
            "The certificate's revocation status could not be established (its CRL or OCSP "
            "responder did not answer).",
            code="revocation_unknown",
        )
    if isinstance(exc, InvalidCertificateError):
        return CertificateUnusable(
            "The certificate is not for signing documents (key usage digitalSignature and "
            "nonRepudiation).",
            code="certificate_wrong_usage",
        )
    if isinstance(exc, PathBuildingError):
        return CertificateUnusable(
            "The certificate does not chain to a CA this deployment trusts.",
            code="certificate_untrusted",
        )
    return CertificateUnusable(
        f"The certificate does not validate: {exc}", code="certificate_untrusted"
    )


async def check(
    svc: Services,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    now: datetime,
) -> ValidationContext:
    """Refuse (``CertificateUnusable`` with its code) a certificate that cannot sign here at
    ``now``; else return a context holding the path's revocation data (fetched now), for the
    DSS. The caller closes nothing: the network session is released here."""
    pki.check_usable(cert, now)  # validity and nonRepudiation, with the platform's codes
    roots = await trusted_roots(svc)
    fetching = ValidationContext(
        trust_roots=[asn1(c) for c in roots],
        other_certs=[asn1(c) for c in chain],
        allow_fetching=True,
        revocation_mode="hard-fail",
        moment=now,
    )
    validator = CertificateValidator(
        asn1(cert), intermediate_certs=[asn1(c) for c in chain], validation_context=fetching
    )
    try:
        path = await asyncio.wait_for(
            validator.async_validate_usage(set(SIGNING_USAGE)), FETCH_TIMEOUT * 3
        )
        crls, ocsps = list(fetching.crls), list(fetching.ocsps)
    except (PathError, PathValidationError, InvalidCertificateError) as exc:
        raise _refusal(exc) from exc
    except TimeoutError as exc:
        raise CertificateUnusable(
            "The certificate's revocation status could not be fetched in time.",
            code="revocation_unknown",
        ) from exc
    finally:
        await fetching.aclose()
    path_certs = [c for c in path] if path is not None else []
    return ValidationContext(
        trust_roots=[asn1(c) for c in roots],
        other_certs=[*path_certs, *(asn1(c) for c in chain)],
        crls=crls,
        ocsps=ocsps,
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=now,
    )
