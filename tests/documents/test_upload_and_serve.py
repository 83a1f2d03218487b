"""Uploading PDFs (streamed, checked, content-addressed) and serving them well."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from ecabinet.config import Settings
from ecabinet.models import AuditEvent, Document, DocumentVersion
from ecabinet.services.documents import safe_filename

from .helpers import Setup, setup_meetings
from .pdfs import encrypted_pdf, make_pdf, truncated_pdf, zip_renamed
from .test_files import pdf_text

LIMIT = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, max_upload_bytes=LIMIT)


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


def stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def count_rows(s: Setup) -> tuple[int, int]:
    async with s.world.svc.db.reading() as session:
        docs = await session.scalar(select(func.count()).select_from(Document))
        versions = await session.scalar(select(func.count()).select_from(DocumentVersion))
    return int(docs or 0), int(versions or 0)


async def test_upload_is_stored_once_under_its_hash_with_a_version(s, settings):
    data = make_pdf("Nghị quyết", pages=3)
    resp = await s.upload(s.meeting_a, data, title="Dự thảo nghị quyết", classification="public")
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["sha256"] == hashlib.sha256(data).hexdigest()
    assert created["pages"] == 3 and created["version"] == 1
    assert stored_files(settings) == [
        settings.data_dir
        / "documents"
        / "blobs"
        / created["sha256"][:2]
        / created["sha256"][2:4]
        / created["sha256"]
    ]
    meta = await (
        await s.client.get(f"/api/documents/{created['id']}", headers=s.h("daibieu"))
    ).json()
    assert meta["title"] == "Dự thảo nghị quyết"
    assert meta["classification"] == "public"
    assert [v["number"] for v in meta["versions"]] == [1]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (truncated_pdf(), 422, "pdf_truncated"),
        (zip_renamed(), 415, "not_a_pdf"),
        (encrypted_pdf(), 422, "pdf_encrypted"),
        (b"MZ" + b"\0" * 100, 415, "not_a_pdf"),
        (make_pdf(filler=LIMIT), 413, "file_too_large"),
    ],
    ids=["truncated", "renamed-zip", "encrypted", "exe", "over-limit"],
)
async def test_bad_uploads_are_refused_and_leave_nothing_behind(s, settings, data, status, code):
    audit_before = await audit_count(s)
    resp = await s.upload(s.meeting_a, data)
    assert resp.status == status
    assert (await resp.json())["error"]["code"] == code
    assert stored_files(settings) == []
    assert await count_rows(s) == (0, 0)
    assert await audit_count(s) == audit_before


async def audit_count(s: Setup) -> int:
    async with s.world.svc.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_declared_length_over_the_limit_is_refused_before_reading(s, settings):
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/documents",
        data=b"x" * (LIMIT * 3),
        headers={**s.h("thuky"), "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert resp.status == 413
    assert stored_files(settings) == []


async def test_an_unknown_field_or_a_missing_file_is_refused(s, settings):
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("title", "no file")
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/documents", data=form, headers=s.h("thuky")
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "file_missing"
    resp = await s.upload(s.meeting_a, colour="red")
    assert (await resp.json())["error"]["code"] == "unknown_field"
    resp = await s.upload(s.meeting_a, classification="top")
    assert (await resp.json())["error"]["code"] == "invalid_classification"
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/documents", json={"file": "x"}, headers=s.h("thuky")
    )
    assert resp.status == 415
    assert stored_files(settings) == []


async def test_path_in_the_filename_is_dropped_and_download_name_is_safe(s):
    resp = await s.upload(s.meeting_a, filename='../../etc/Tờ "trình"\t.pdf')
    document = (await resp.json())["id"]
    resp = await s.client.get(f"/api/documents/{document}/content", headers=s.h("daibieu"))
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''T%E1%BB%9D%20%22tr%C3%ACnh%22.pdf" in disposition
    assert "/" not in disposition and "\t" not in disposition
    assert 'filename="To _trinh_.pdf"' in disposition


def test_display_filenames_lose_paths_and_control_characters():
    assert safe_filename("..\\..\\Tờ trình\r\n.PDF") == "Tờ trình.pdf"
    assert safe_filename("/etc/passwd") == "passwd.pdf"
    assert safe_filename("...") == "document.pdf"
    assert len(safe_filename("a" * 500)) <= 150


async def test_new_version_keeps_the_old_one(s):
    first = make_pdf("Bản đầu")
    document = (await (await s.upload(s.meeting_a, first)).json())["id"]
    form = aiohttp.FormData()
    form.add_field("file", make_pdf("Bản sửa", pages=4), filename="v2.pdf")
    resp = await s.client.post(
        f"/api/documents/{document}/versions", data=form, headers=s.h("thuky")
    )
    assert resp.status == 201, await resp.text()
    meta = await (await s.client.get(f"/api/documents/{document}", headers=s.h("daibieu"))).json()
    assert meta["current_version"] == 2
    assert [(v["number"], v["pages"]) for v in meta["versions"]] == [(1, 2), (2, 4)]
    old = await s.client.get(f"/api/documents/{document}/content?version=1", headers=s.h("daibieu"))
    assert old.status == 200
    assert await old.read() == first


async def test_content_supports_range_and_etag(s):
    data = make_pdf("Phạm vi", pages=5)
    document = (await (await s.upload(s.meeting_a, data, classification="internal")).json())["id"]
    url = f"/api/documents/{document}/content"
    full = await s.client.get(url, headers=s.h("daibieu"))
    assert full.status == 200
    assert await full.read() == data
    assert full.headers["Content-Type"] == "application/pdf"
    assert full.headers["Accept-Ranges"] == "bytes"
    assert full.headers["Cache-Control"] == "private, no-cache"
    etag = full.headers["ETag"]
    part = await s.client.get(url, headers={**s.h("daibieu"), "Range": "bytes=100-199"})
    assert part.status == 206
    assert await part.read() == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    same = await s.client.get(url, headers={**s.h("daibieu"), "If-None-Match": etag})
    assert same.status == 304


async def test_confidential_copy_carries_each_recipients_watermark_made_once(s, settings, tmp_path):
    data = make_pdf("Nội dung mật", pages=2)
    resp = await s.upload(s.meeting_a, data, classification="confidential")
    document = (await resp.json())["id"]
    url = f"/api/documents/{document}/content"
    copies = {}
    for user in ("daibieu", "botruong"):
        resp = await s.client.get(url, headers=s.h(user))
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"
        copies[user] = await resp.read()
        path = tmp_path / f"{user}.pdf"
        path.write_bytes(copies[user])
        text = pdf_text(path)
        assert user.title() in text  # full names in the test world are username.title()
        assert "Bộ Y tế" in text
        assert "23/11/2026 09:00" in text  # the frozen clock, in Asia/Ho_Chi_Minh
        assert "Nội dung mật" in text
    assert copies["daibieu"] != copies["botruong"]
    assert data not in copies.values()
    cached = sorted((settings.data_dir / "documents" / "derived" / "watermarked").rglob("*.pdf"))
    assert len(cached) == 2
    s.world.svc.clock.advance(minutes=10)
    again = await s.client.get(url, headers=s.h("daibieu"))
    assert await again.read() == copies["daibieu"]
