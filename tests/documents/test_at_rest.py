"""Documents at rest (SEC-C3): blobs and derived copies are sealed on disk, served unchanged.

Real uploads through the real app, real files on disk, real AES-GCM (``files/sealing.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import logging
from pathlib import Path

import aiohttp
import pikepdf
import pytest
from reportlab.pdfgen import canvas

import run
from ecabinet.config import Settings
from ecabinet.files import fonts
from ecabinet.files.reseal import reseal_all
from ecabinet.files.sealing import HEADER_SIZE, SEGMENT, TAG, Sealer, SealError, is_sealed

from .helpers import Setup, setup_meetings

MARKER = (
    "NGHI-QUYET-MAT-7f3a9c"  # in the PDF's metadata as plain ASCII, so a plaintext file shows it
)
FILLER = 300_000  # several 64 KiB segments


def marked_pdf(filler: int = FILLER) -> bytes:
    buf = io.BytesIO()
    fonts.register_fonts()
    c = canvas.Canvas(buf, pageCompression=0)
    c.setSubject(MARKER)
    c.setKeywords("k" * filler)
    for number in (1, 2):
        c.setFont(fonts.REGULAR, 12)
        c.drawString(72, 720, f"Trang {number}")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def upload(s: Setup, data: bytes, classification: str = "internal") -> tuple[int, str]:
    resp = await s.upload(s.meeting_a, data, classification=classification)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    return created["id"], created["sha256"]


def blob_path(settings: Settings, sha: str) -> Path:
    return settings.data_dir / "documents" / "blobs" / sha[:2] / sha[2:4] / sha


def flip(path: Path, offset: int) -> None:
    path.chmod(0o640)
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


async def get(s: Setup, document: int, range_: str | None = None):
    headers = dict(s.h("daibieu"))
    if range_:
        headers["Range"] = range_
    return await s.client.get(f"/api/documents/{document}/content", headers=headers)


async def test_the_blob_on_disk_holds_no_plaintext_and_serves_whole_and_by_range(s, settings):
    data = marked_pdf()
    assert MARKER.encode() in data and len(data) > 4 * SEGMENT
    document, sha = await upload(s, data)
    assert sha == hashlib.sha256(data).hexdigest()  # content addressing stays on the plaintext
    raw = blob_path(settings, sha).read_bytes()
    assert not raw.startswith(b"%PDF")
    assert MARKER.encode() not in raw and b"k" * 64 not in raw
    assert len(raw) == HEADER_SIZE + len(data) + TAG * (-(-len(data) // SEGMENT))

    full = await get(s, document)
    assert full.status == 200 and await full.read() == data
    assert full.headers["ETag"] == f'"{sha}"'
    assert full.headers["Content-Length"] == str(len(data))
    size = len(data)
    for first, last in [
        (0, 0),
        (100, 199),
        (SEGMENT - 10, SEGMENT + 9),  # across one segment boundary
        (SEGMENT - 1, 3 * SEGMENT),  # across several
        (2 * SEGMENT, 2 * SEGMENT),  # the first byte of a segment
        (size - 1, size - 1),  # the last byte
        (size - 70_000, size + 5000),  # past the end: up to the last byte
    ]:
        part = await get(s, document, f"bytes={first}-{last}")
        assert part.status == 206, (first, last)
        end = min(last, size - 1)
        assert await part.read() == data[first : end + 1], (first, last)
        assert part.headers["Content-Range"] == f"bytes {first}-{end}/{size}"
    tail = await get(s, document, "bytes=-1")
    assert tail.status == 206 and await tail.read() == data[-1:]
    rest = await get(s, document, f"bytes={SEGMENT + 1}-")
    assert rest.status == 206 and await rest.read() == data[SEGMENT + 1 :]
    beyond = await get(s, document, f"bytes={size}-")
    assert beyond.status == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    same = await s.client.get(
        f"/api/documents/{document}/content",
        headers={**s.h("daibieu"), "If-None-Match": f'"{sha}"'},
    )
    assert same.status == 304


async def test_a_flipped_byte_gives_a_clean_logged_error_not_garbage(s, settings, caplog):
    data = marked_pdf()
    document, sha = await upload(s, data)
    # a byte inside the third segment's ciphertext
    flip(blob_path(settings, sha), HEADER_SIZE + 2 * (SEGMENT + TAG) + 123)
    intact = await get(s, document, "bytes=0-99")  # segment 0 is untouched
    assert intact.status == 206 and await intact.read() == data[:100]
    with caplog.at_level(logging.ERROR, logger="ecabinet.files"):
        for range_ in (None, f"bytes={2 * SEGMENT + 100}-{2 * SEGMENT + 200}"):
            resp = await get(s, document, range_)
            assert resp.status == 500, range_
            body = await resp.json()
            assert body["error"]["code"] == "stored_file_damaged"
            assert "Traceback" not in str(body) and MARKER not in str(body)
    assert any("damaged" in r.getMessage() for r in caplog.records)


async def test_the_wrapped_key_binds_the_secret(s, settings):
    data = marked_pdf(filler=10)
    _, sha = await upload(s, data)
    path = blob_path(settings, sha)
    assert b"".join(Sealer(settings.secret_key).read_range(path)) == data
    with pytest.raises(SealError, match="no configured secret"):
        b"".join(Sealer("another-secret-of-enough-length-0123456789abcd").read_range(path))
    flip(path, 20)  # inside the wrapped data key
    with pytest.raises(SealError):
        b"".join(Sealer(settings.secret_key).read_range(path))


async def test_a_watermarked_copy_is_sealed_too_and_served_as_a_pdf(s, settings):
    data = marked_pdf(filler=10)
    document, _ = await upload(s, data, classification="confidential")
    resp = await get(s, document)
    assert resp.status == 200, await resp.text()
    served = await resp.read()
    with pikepdf.open(io.BytesIO(served)) as pdf:
        assert len(pdf.pages) == 2
        assert str(pdf.docinfo.get("/Subject")) == MARKER
    copies = list((settings.data_dir / "documents" / "derived" / "watermarked").rglob("*.pdf"))
    assert len(copies) == 1 and is_sealed(copies[0])
    assert MARKER.encode() not in copies[0].read_bytes()
    again = await get(s, document, "bytes=0-9")  # the cached copy, decrypted by range
    assert again.status == 206 and await again.read() == served[:10]
    staging = settings.data_dir / "documents" / "staging"
    assert not any(staging.iterdir())  # no plaintext temp copy left behind


async def test_a_legacy_plaintext_blob_still_reads_and_reseal_seals_it(s, settings):
    data = marked_pdf()
    document, sha = await upload(s, data)
    path = blob_path(settings, sha)
    path.chmod(0o640)
    path.write_bytes(data)  # as stored before encryption at rest
    path.chmod(0o440)
    full = await get(s, document)
    assert full.status == 200 and await full.read() == data
    part = await get(s, document, f"bytes={SEGMENT - 5}-{SEGMENT + 5}")
    assert await part.read() == data[SEGMENT - 5 : SEGMENT + 6]

    summary = reseal_all(settings.data_dir / "documents", Sealer(settings.secret_key))
    assert (summary.sealed, summary.failed) == (1, [])
    assert is_sealed(path) and MARKER.encode() not in path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == oct(0o440)
    again = await get(s, document)
    assert again.status == 200 and await again.read() == data
    assert again.headers["ETag"] == full.headers["ETag"] == f'"{sha}"'


async def test_rotation_rewraps_so_the_old_secret_can_be_dropped(s, settings, capsys):
    data = marked_pdf()
    document, sha = await upload(s, data, classification="confidential")
    assert (await get(s, document)).status == 200  # also a sealed watermarked copy
    path = blob_path(settings, sha)
    before = path.read_bytes()
    new_secret = "rotated-secret-that-is-long-enough-9876543210zyx"
    rotated = dataclasses.replace(
        settings, secret_key=new_secret, previous_secret_keys=(settings.secret_key,)
    )
    # before the re-wrap, the new secret alone cannot open the blob; with the old one it can
    with pytest.raises(SealError):
        b"".join(Sealer(new_secret).read_range(path))
    assert b"".join(Sealer(new_secret, (settings.secret_key,)).read_range(path)) == data

    assert run.cmd_blobs_reseal(rotated, argparse.Namespace()) == 0
    assert "0 files sealed, 2 re-wrapped" in capsys.readouterr().out
    after = path.read_bytes()
    assert after[HEADER_SIZE:] == before[HEADER_SIZE:]  # only the header changed
    assert after[:HEADER_SIZE] != before[:HEADER_SIZE]
    assert b"".join(Sealer(new_secret).read_range(path)) == data  # old secret removed
    with pytest.raises(SealError):
        b"".join(Sealer(settings.secret_key).read_range(path))
    watermarked = next((settings.data_dir / "documents" / "derived").rglob("*.pdf"))
    assert b"".join(Sealer(new_secret).read_range(watermarked)).startswith(b"%PDF")
    assert run.cmd_blobs_reseal(rotated, argparse.Namespace()) == 0  # idempotent
    assert "2 already current" in capsys.readouterr().out


async def test_damage_found_mid_stream_cuts_the_response_short_instead_of_sending_garbage(
    s, settings, caplog
):
    data = marked_pdf()
    document, sha = await upload(s, data)
    flip(blob_path(settings, sha), HEADER_SIZE + 4 * (SEGMENT + TAG) + 7)  # past the first 256 KiB
    with caplog.at_level(logging.ERROR, logger="ecabinet.files"):
        resp = await get(s, document)
        assert resp.status == 200  # the first 256 KiB checked out before the response started
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert any("mid-stream" in r.getMessage() for r in caplog.records)
