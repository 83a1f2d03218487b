"""The file building blocks on their own: blob store, PDF inspection, watermark, board book."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from ecabinet.files import boardbook, watermark
from ecabinet.files.blobs import BlobStore, BlobTooLarge
from ecabinet.files.pdf import PdfRejected, inspect_pdf

from .pdfs import encrypted_pdf, make_pdf, truncated_pdf, zip_renamed

PDFTOTEXT = shutil.which("pdftotext")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def store_bytes(store: BlobStore, data: bytes, limit: int = 10_000_000) -> tuple[str, bool]:
    staged = store.stage(limit)
    async with staged:
        for start in range(0, len(data), 1000):
            await staged.write(data[start : start + 1000])
        ref, new = await store.commit(staged)
    return ref.sha256, new


async def test_blob_is_stored_under_its_sha256_and_only_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = make_pdf()
    digest, new = await store_bytes(store, data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert new
    assert store.path_of(digest).read_bytes() == data
    parts = store.path_of(digest).relative_to(tmp_path).parts
    assert parts[:3] == ("blobs", digest[:2], digest[2:4])
    again, new_again = await store_bytes(store, data)
    assert again == digest and not new_again
    assert files_under(tmp_path) == [store.path_of(digest)]


async def test_blob_over_the_limit_leaves_nothing_on_disk(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        await store_bytes(store, b"x" * 5000, limit=4096)
    assert files_under(tmp_path) == []


async def test_staged_blob_that_is_not_committed_is_removed(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    async with store.stage(100) as staged:
        await staged.write(b"%PDF-")
        await staged.finish()
    assert files_under(tmp_path) == []


def test_blob_names_must_be_sha256(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path_of("../../etc/passwd")


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return path


def test_valid_pdf_is_accepted_with_its_page_count(tmp_path: Path) -> None:
    assert inspect_pdf(write(tmp_path, make_pdf(pages=3))).pages == 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (zip_renamed(), "not_a_pdf"),
        (b"MZ\x90\x00 an exe renamed to .pdf", "not_a_pdf"),
        (b"", "not_a_pdf"),
        (truncated_pdf(), "pdf_truncated"),
        (encrypted_pdf(), "pdf_encrypted"),
        (encrypted_pdf(user_password=""), "pdf_encrypted"),
        (b"%PDF-1.7\n garbage garbage\n%%EOF\n", "pdf_damaged"),
    ],
    ids=["zip", "exe", "empty", "truncated", "encrypted", "encrypted-no-password", "garbage"],
)
def test_bad_files_are_refused_with_a_stable_code(tmp_path: Path, data: bytes, code: str) -> None:
    with pytest.raises(PdfRejected) as info:
        inspect_pdf(write(tmp_path, data))
    assert info.value.code == code


def test_every_truncation_of_a_pdf_is_refused(tmp_path: Path) -> None:
    data = make_pdf()
    for cut in range(0, len(data) - 6, max(1, len(data) // 40)):
        with pytest.raises(PdfRejected):
            inspect_pdf(write(tmp_path, data[:cut]))


def pdf_text(path: Path) -> str:
    assert PDFTOTEXT, "poppler-utils (pdftotext) is needed; .ci/run installs it"
    return subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_watermark_is_on_every_page_in_vietnamese(tmp_path: Path) -> None:
    source = write(tmp_path, make_pdf("Dự thảo nghị quyết", pages=3))
    target = tmp_path / "marked.pdf"
    mark = watermark.WatermarkText("Nguyễn Văn Ước", "Bộ Y tế", "2026-11-23 09:00 +07", label="MẬT")
    assert watermark.stamp(source, target, mark) == 3
    with pikepdf.open(target) as pdf:
        assert len(pdf.pages) == 3
    text = pdf_text(target)
    pages = text.split("\f")
    for page in pages[:3]:
        assert "Nguyễn Văn Ước" in page
        assert "Bộ Y tế" in page
        assert "2026-11-23 09:00 +07" in page
        assert "Dự thảo nghị quyết" in page


def test_two_recipients_get_different_bytes(tmp_path: Path) -> None:
    source = write(tmp_path, make_pdf())
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    watermark.stamp(source, a, watermark.WatermarkText("A", "Org", "t"))
    watermark.stamp(source, b, watermark.WatermarkText("B", "Org", "t"))
    assert a.read_bytes() != b.read_bytes()


LABELS = {
    "when": "Thời gian",
    "where": "Địa điểm",
    "generated": "Tạo lúc",
    "no": "TT",
    "item": "Nội dung",
    "presenter": "Trình bày",
    "minutes": "Phút",
    "agenda": "Chương trình",
    "cover": "Bìa",
}


def test_board_book_has_cover_agenda_documents_and_bookmarks(tmp_path: Path) -> None:
    one = tmp_path / "one.pdf"
    one.write_bytes(make_pdf("Tờ trình số một", pages=2))
    two = tmp_path / "two.pdf"
    two.write_bytes(make_pdf("Báo cáo số hai", pages=3))
    cover = boardbook.BookCover(
        title="Phiên họp Chính phủ thường kỳ tháng 11",
        organization="Văn phòng Chính phủ",
        when="23/11/2026 09:00",
        where="Nhà Quốc hội",
        classification="MẬT",
        generated="23/11/2026 08:00",
        labels=LABELS,
    )
    agenda = [
        boardbook.BookAgendaItem(1, "Tình hình kinh tế - xã hội", "Bộ Kế hoạch", 30, ("Tờ trình",)),
        boardbook.BookAgendaItem(2, "Dự án luật", "Bộ Tư pháp", 45),
    ]
    seen: list[tuple[int, int]] = []
    target = tmp_path / "book.pdf"
    pages = boardbook.assemble(
        target,
        cover,
        agenda,
        [boardbook.BookDocument("Tờ trình", one, 1), boardbook.BookDocument("Báo cáo", two)],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert pages == 2 + 2 + 3
    assert seen[-1] == (4, 4) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    with pikepdf.open(target) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
        assert titles == ["Bìa", "Chương trình", "1. Tờ trình", "Báo cáo"]
    text = pdf_text(target).split("\f")
    assert "Phiên họp Chính phủ thường kỳ tháng 11" in text[0]
    assert "Tình hình kinh tế - xã hội" in text[1]
    assert "Tờ trình số một" in text[2]
    assert "Báo cáo số hai" in text[4]


async def test_staging_files_left_by_a_crash_are_swept_but_fresh_ones_kept(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    old = store.stage(100)
    await old.finish()
    fresh = store.stage(100)
    await fresh.finish()
    os.utime(old.path, (1_000, 1_000))
    assert store.sweep_staging(3600, now=fresh.path.stat().st_mtime) == 1
    assert not old.path.exists() and fresh.path.exists()
