"""One set of minutes signed by 30 signers in turn, checked by tools that are not ours:
``pyhanko sign validate`` (the platform CA as the only trust root) and poppler's ``pdfsig``
(an NSS database trusting the CA). One flipped byte in the signed range breaks all 30.

No database: this drives the same functions the signing service calls (render, sign), once per
session, so the suite pays for 30 signatures only once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ecabinet.services import pades, pdf_render, pki, verification

from .conftest import first_byte_range, flip_signed_byte, nss_db, pdfsig

SIGNERS = 30
ROOT = Path(__file__).resolve().parents[2]
TITLE = "Biên bản phiên họp Chính phủ thường kỳ tháng 11"
BODY = [
    "Thủ tướng chủ trì; các Phó Thủ tướng, Bộ trưởng dự họp.",
    "Kiểm tra dấu tiếng Việt: ă â đ ê ô ơ ư — à á ả ã ạ, ằ ắ ẳ ẵ ặ, ầ ấ ẩ ẫ ậ, ề ế ể ễ ệ, "
    "ì í ỉ ĩ ị, ồ ố ổ ỗ ộ, ờ ớ ở ỡ ợ, ừ ứ ử ữ ự, ỳ ý ỷ ỹ ỵ; Ă Â Đ Ê Ô Ơ Ư Ỹ Ự Ữ.",
]
PYHANKO_OK = re.compile(
    r"^Sig\d\d:[0-9a-f]{64}:INTACT:TRUSTED,"
    # after a signature only later signatures, form filling or validation data (the DSS: B-LT)
    r"(UNTOUCHED|EXTENDED_WITH_(FORM_FILLING|LTA_UPDATES),ACCEPTABLE_MODIFICATIONS)$"
)


@dataclass(frozen=True)
class Signed:
    ca_pem: Path
    original: bytes
    revisions: list[bytes]
    names: list[str]
    directory: Path

    @property
    def final(self) -> bytes:
        return self.revisions[-1]

    def write(self, name: str, data: bytes) -> Path:
        path = self.directory / name
        path.write_bytes(data)
        return path


def signer_name(n: int) -> str:
    return f"Nguyễn Văn Ánh {n:02d}"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    directory = tmp_path_factory.mktemp("thirty")
    now = datetime.now(UTC)  # outside tools validate at the real time
    ca, ca_key = pki.make_ca(pki.subject_name("e-Cabinet CA (test)"), now)
    ca_pem = directory / "ca.pem"
    ca_pem.write_text(pki.cert_pem(ca))
    font = pdf_render.stamp_font(directory / "fonts")
    names = [signer_name(n) for n in range(1, SIGNERS + 1)]
    titles = ["Bộ trưởng Bộ Y tế"] * (SIGNERS - 1) + ["Thủ tướng Chính phủ (chủ trì)"]
    slots = [
        pdf_render.SignatureSlot(pdf_render.field_name(n), name, title)
        for n, (name, title) in enumerate(zip(names, titles, strict=True), start=1)
    ]
    pdf = original = pdf_render.render(TITLE, BODY, slots)
    revisions = []
    for n, (name, title) in enumerate(zip(names, titles, strict=True), start=1):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = pki.make_signer_certificate(
            ca, ca_key, key.public_key(), pki.subject_name(name, title, "Chính phủ"), now
        )
        pdf = pades.sign(
            pdf,
            pdf_render.field_name(n),
            pki.SignerMaterial(key, cert, (ca,)),
            pades.StampText(name, title, "23/11/2026 09:00:00 (UTC+0700)"),
            font,
        )
        revisions.append(pdf)
    return Signed(ca_pem, original, revisions, names, directory)


def pyhanko_validate(path: Path, ca_pem: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("pyhanko")
    if not cli.exists():
        pytest.skip("the pyhanko command is missing: pip install pyhanko-cli")
    # Soft revocation check: the platform's certificates name its CRL (/pki/crl), which no server
    # answers here, and the copy in the PDF's DSS was issued at the tests' frozen clock (days
    # ago): a hard-fail check would judge "no revocation information" (test_long_term.py checks
    # the embedded CRL strictly, at the signing time).
    return subprocess.run(
        [
            str(cli),
            "sign",
            "validate",
            "--soft-revocation-check",
            *extra,
            "--trust-replace",
            "--trust",
            str(ca_pem),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_signature_is_an_incremental_update_keeping_earlier_bytes(signed):
    previous = signed.original
    for revision in signed.revisions:
        assert revision.startswith(previous)
        previous = revision


def test_pyhanko_cli_reports_all_thirty_intact_and_trusted(signed):
    path = signed.write("minutes-30.pdf", signed.final)
    result = pyhanko_validate(path, signed.ca_pem)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("Sig")]
    assert len(lines) == SIGNERS
    assert all(PYHANKO_OK.match(line) for line in lines), lines
    assert lines[-1].endswith("UNTOUCHED")


def test_pdfsig_reports_all_thirty_valid_and_trusted(signed):
    nssdir = nss_db(signed.directory / "nss", signed.ca_pem.read_bytes())
    out = pdfsig(signed.write("minutes-30.pdf", signed.final), nssdir)
    assert out.count("Signature Validation: Signature is Valid.") == SIGNERS, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == SIGNERS, out
    for name in signed.names:
        assert f"Signer Certificate Common Name: {name}\n" in out
    assert out.count("Total document signed") == 1  # the last signature covers the whole file


def test_one_flipped_byte_breaks_every_signature_in_both_tools(signed):
    _start, length = first_byte_range(signed.final)
    assert length > 500
    broken = signed.write("tampered.pdf", flip_signed_byte(signed.final, 500))
    result = pyhanko_validate(broken, signed.ca_pem)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("Sig")]
    assert len(lines) == SIGNERS
    assert all(line.endswith(":INVALID") for line in lines), lines
    nssdir = nss_db(signed.directory / "nss-tamper", signed.ca_pem.read_bytes())
    out = pdfsig(broken, nssdir)
    assert out.count("Signature Validation: Digest Mismatch.") == SIGNERS, out
    assert "Signature is Valid." not in out


def test_our_verifier_agrees_with_the_outside_tools(signed):
    from cryptography import x509

    ca = x509.load_pem_x509_certificate(signed.ca_pem.read_bytes())
    report = verification.verify_pdf(signed.final, [ca])
    assert report.all_valid
    assert [s.signer for s in report.signatures] == signed.names
    assert [s.modification for s in report.signatures] == ["form_filling"] * (SIGNERS - 1) + [
        "none"
    ]
    tampered = verification.verify_pdf(flip_signed_byte(signed.revisions[2], 500), [ca])
    assert len(tampered.signatures) == 3
    assert not tampered.all_valid
    assert not any(s.intact for s in tampered.signatures)


def test_the_cli_verifies_with_exit_status_and_vietnamese_report(signed, tmp_path):
    # The first three revisions: the command's behaviour is the same, and it runs three times.
    count = 3
    good = signed.write("cli-good.pdf", signed.revisions[count - 1])
    bad = signed.write("cli-bad.pdf", flip_signed_byte(signed.revisions[count - 1], 500))
    env = {"PATH": "/usr/bin:/bin", "ECABINET_DATA_DIR": str(tmp_path / "var")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "run.py", "verify", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    ok = run(str(good), "--trust", str(signed.ca_pem))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("Tính toàn vẹn: Toàn vẹn") == count
    assert ok.stdout.count("Chứng thư số: Tin cậy") == count
    assert f"Người ký: {signed.names[0]}" in ok.stdout
    assert "Tất cả chữ ký đều hợp lệ và tin cậy." in ok.stdout
    broken = run(str(bad), "--trust", str(signed.ca_pem), "--lang", "en")
    assert broken.returncode == 1
    assert broken.stdout.count("Integrity: Broken") == count
    untrusted = run(str(good))  # no trust root: intact but not trusted
    assert untrusted.returncode == 1
    assert untrusted.stdout.count("Chứng thư số: Không tin cậy") == count


def test_text_and_stamps_come_out_of_the_pdf_with_their_diacritics(signed):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils")
    path = signed.write("text.pdf", signed.final)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    assert TITLE in flat
    for paragraph in BODY:
        assert " ".join(paragraph.split()) in flat
    for name in signed.names:
        assert f"Ký bởi: {name}" in flat
