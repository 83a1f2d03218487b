"""The board book: built in the background, cached by content hash, per-reader contents."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import update

from ecabinet.models import BoardBook, BoardBookStatus

from ..conftest import api_login, bearer
from .helpers import Setup, participants, setup_meetings
from .pdfs import make_pdf
from .test_files import pdf_text


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def book(s: Setup, user: str, method: str = "GET") -> dict:
    resp = await s.client.request(
        method, f"/api/meetings/{s.meeting_a}/board-book", headers=s.h(user)
    )
    assert resp.status in (200, 202), await resp.text()
    return await resp.json()


async def build(s: Setup, user: str) -> dict:
    started = await book(s, user, "POST")
    assert started["status"] in ("building", "ready")
    await s.world.svc.files.wait_idle()
    return await book(s, user)


async def test_board_book_has_cover_agenda_and_every_document_with_bookmarks(s, tmp_path: Path):
    h = s.h("thuky")
    item = await (
        await s.client.post(
            f"/api/meetings/{s.meeting_a}/agenda", json={"title": "Dự án Luật Đất đai"}, headers=h
        )
    ).json()
    await s.client.post(f"/api/meetings/{s.meeting_a}/agenda/publish", headers=h)
    await s.upload(s.meeting_a, make_pdf("Phụ lục chung", pages=1), title="Phụ lục")
    await s.upload(
        s.meeting_a,
        make_pdf("Tờ trình luật", pages=2),
        title="Tờ trình",
        agenda_item_id=str(item["id"]),
    )
    assert (await book(s, "daibieu"))["status"] is None
    ready = await build(s, "daibieu")
    assert ready["status"] == "ready" and ready["progress"] == 100
    assert ready["pages"] == 2 + 2 + 1  # cover, agenda, 2 + 1 document pages
    resp = await s.client.get(ready["download_url"], headers=s.h("daibieu"))
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "no-store"
    path = tmp_path / "book.pdf"
    path.write_bytes(await resp.read())
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        titles = [o.title for o in outline.root]
    assert titles == ["Bìa / Cover", "Chương trình họp / Agenda", "1. Tờ trình", "Phụ lục"]
    pages = pdf_text(path).split("\f")
    assert "Phiên họp A" in pages[0]
    assert "Dự án Luật Đất đai" in pages[1]
    assert "Tờ trình luật" in pages[2] and "Phụ lục chung" in pages[4]


async def test_same_contents_are_built_once_and_a_change_means_a_new_book(s):
    await s.upload(s.meeting_a, make_pdf("Một"))
    first = await build(s, "daibieu")
    again = await book(s, "botruong", "POST")
    assert again["content_key"] == first["content_key"] and again["status"] == "ready"
    await s.upload(s.meeting_a, make_pdf("Hai"))
    changed = await book(s, "daibieu")
    assert changed["content_key"] != first["content_key"] and changed["status"] is None


async def test_restricted_documents_make_different_books_for_different_readers(s):
    people = await participants(s, s.meeting_a)
    document = await s.document(s.meeting_a, title="Riêng")
    await s.client.patch(
        f"/api/documents/{document}",
        json={"restricted_to": [people["botruong"]["id"]]},
        headers=s.h("thuky"),
    )
    chair = await build(s, "botruong")
    member = await build(s, "daibieu")
    assert chair["content_key"] != member["content_key"]
    assert chair["pages"] == member["pages"] + 2


async def test_a_book_with_confidential_pages_is_watermarked_for_its_reader(s, tmp_path: Path):
    await s.upload(s.meeting_a, make_pdf("Bí mật"), classification="secret")
    ready = await build(s, "daibieu")
    resp = await s.client.get(ready["download_url"], headers=s.h("daibieu"))
    path = tmp_path / "book.pdf"
    path.write_bytes(await resp.read())
    text = pdf_text(path)
    assert text.count("Daibieu") >= ready["pages"]
    assert "MẬT / SECRET" in text


async def test_download_before_it_is_built_is_not_found(s):
    resp = await s.client.get(
        f"/api/meetings/{s.meeting_a}/board-book/content", headers=s.h("daibieu")
    )
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "board_book_not_ready"


async def test_a_build_left_behind_by_a_stopped_process_is_started_again(s):
    await s.upload(s.meeting_a, make_pdf("Một"))
    await build(s, "daibieu")
    async with s.world.svc.db.transaction() as session:
        await session.execute(
            update(BoardBook).values(status=BoardBookStatus.BUILDING, progress=40)
        )
    assert (await book(s, "daibieu", "POST"))["progress"] == 40  # recent: assume it runs
    s.world.svc.clock.advance(minutes=16)
    s.headers["daibieu"] = bearer(await api_login(s.client, "daibieu"))
    restarted = await build(s, "daibieu")
    assert restarted["status"] == "ready" and restarted["progress"] == 100
