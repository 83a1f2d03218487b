"""Fixtures for signatures: settings with a CA passphrase, an outside CA made with
``cryptography``, an NSS database trusting a CA (for pdfsig), and byte-flipping."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ecabinet.clock import FrozenClock
from ecabinet.config import Settings
from ecabinet.services import pki
from tests.conftest import TEST_SECRET

CA_PASSPHRASE = "mật khẩu của CA thử nghiệm"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        secret_key=TEST_SECRET,
        ca_passphrase=CA_PASSPHRASE,
    )


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


@dataclass(frozen=True)
class OutsideCa:
    """A CA that is not the platform's: RSA-3072, every certificate signed with RSASSA-PSS."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def create(cls, now: datetime, name: str = "Outside Root CA (test)") -> OutsideCa:
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tổ chức chứng thực thử nghiệm"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256(), rsa_padding=_pss())
        )
        return cls(cert, key)

    def issue(
        self,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        subject: x509.Name,
        not_before: datetime,
        not_after: datetime,
        *,
        eku: list[x509.ObjectIdentifier] | None = None,
        non_repudiation: bool = True,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    True, non_repudiation, False, False, False, False, False, False, False
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
        return builder.sign(self.key, hashes.SHA256(), rsa_padding=_pss())

    def pkcs12_for(
        self,
        full_name: str,
        title: str,
        now: datetime,
        password: str,
        *,
        days: int = 365,
        not_before: datetime | None = None,
    ) -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        start = not_before or now - timedelta(days=1)
        cert = self.issue(
            key.public_key(),
            pki.subject_name(full_name, title, "Bộ Y tế"),
            start,
            start + timedelta(days=days),
        )
        return pkcs12.serialize_key_and_certificates(
            b"signer",
            key,
            cert,
            [self.cert],
            serialization.BestAvailableEncryption(password.encode()),
        )

    def tsa(self, now: datetime) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """A time-stamping authority certificate (EKU timeStamping, critical)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA thử nghiệm")])
        cert = self.issue(
            key.public_key(),
            name,
            now - timedelta(days=1),
            now + timedelta(days=3650),
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
            non_repudiation=True,
        )
        return cert, key


@pytest.fixture(scope="session")
def outside_ca() -> OutsideCa:
    return OutsideCa.create(FrozenClock().now())


def nss_db(directory: Path, ca_pem: bytes) -> Path:
    """An NSS database trusting ``ca_pem`` for S/MIME (",C,"), the only slot pdfsig honours."""
    if shutil.which("certutil") is None:
        pytest.skip("certutil is missing: apt-get install libnss3-tools (.ci/run does)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.pem").write_bytes(ca_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", "root", "-t", ",C,", "-a", "-i",
         str(directory / "ca.pem")],
        check=True,
    )  # fmt: skip
    return directory


def first_byte_range(pdf: bytes) -> tuple[int, int]:
    """The first signature's ByteRange start and the end of its first part."""
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert found, "no signature in the PDF"
    return int(found.group(1)), int(found.group(2))


def flip_signed_byte(pdf: bytes, offset: int = 500) -> bytes:
    """Flip one bit of one byte inside the first revision's signed range (covered by all)."""
    start, length = first_byte_range(pdf)
    assert start <= offset < start + length
    changed = bytearray(pdf)
    changed[offset] ^= 0x01
    return bytes(changed)


def pdfsig(path: Path, nssdir: Path) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig is missing: apt-get install poppler-utils (.ci/run does)")
    # Not -no-ocsp: poppler 22.12 then says "Unknown issue with Certificate" for every
    # certificate. Our certificates name no OCSP responder, so nothing is fetched anyway.
    result = subprocess.run(
        ["pdfsig", "-nssdir", str(nssdir), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout  # pdfsig exits 0 whatever it finds: read what it says
