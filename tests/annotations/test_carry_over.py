"""A new version: annotations whose text is still on the page move with it; the rest stay."""

from __future__ import annotations

import io

import aiohttp
import pytest
from reportlab.pdfgen import canvas

from ecabinet.files import fonts

from ..documents.helpers import Setup, setup_meetings
from ..documents.pdfs import make_pdf
from .helpers import annotate, highlight, ink, listed, note


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def new_version(s: Setup, doc: int, data: bytes) -> None:
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("file", data, filename="v2.pdf", content_type="application/pdf")
    resp = await s.client.post(f"/api/documents/{doc}/versions", data=form, headers=s.h("thuky"))
    assert resp.status == 201, await resp.text()


async def test_a_highlight_whose_quote_is_still_on_the_page_moves_to_the_new_version(s):
    doc = await s.document(s.meeting_a, data=make_pdf("Đề án chuyển đổi số quốc gia"))
    kept = await annotate(s, doc, "daibieu", highlight(quote="chuyển đổi  số"))
    gone = await annotate(s, doc, "daibieu", highlight(quote="quốc gia - page 1"))
    elsewhere = await annotate(s, doc, "daibieu", {**highlight(quote="page 2"), "page": 1})
    await new_version(s, doc, make_pdf("Đề án CHUYỂN ĐỔI SỐ đến 2030", pages=3))
    by_id = {a["id"]: a for a in await listed(s, doc, "daibieu")}
    assert by_id[kept["id"]]["version"] == 2
    assert by_id[kept["id"]]["made_on_version"] == 1
    assert by_id[kept["id"]]["earlier_version"] is False
    for stale in (gone, elsewhere):
        assert by_id[stale["id"]]["version"] == 1
        assert by_id[stale["id"]]["earlier_version"] is True


async def test_notes_and_ink_move_only_when_their_page_is_unchanged(s):
    doc = await s.document(s.meeting_a, data=make_pdf("Báo cáo", pages=2))
    on_page_1 = await annotate(s, doc, "daibieu", note())
    on_page_2 = await annotate(s, doc, "daibieu", ink())
    # Page 1 keeps its text, page 2 changes.
    buf = io.BytesIO()
    fonts.register_fonts()
    c = canvas.Canvas(buf)
    c.setFont(fonts.REGULAR, 12)
    c.drawString(72, 720, "Báo cáo - page 1")
    c.showPage()
    c.setFont(fonts.REGULAR, 12)
    c.drawString(72, 720, "Trang đã viết lại")
    c.showPage()
    c.save()
    await new_version(s, doc, buf.getvalue())
    by_id = {a["id"]: a for a in await listed(s, doc, "daibieu")}
    assert by_id[on_page_1["id"]]["version"] == 2
    assert by_id[on_page_2["id"]]["earlier_version"] is True


async def test_shared_annotations_are_carried_for_every_reader_and_the_export_follows(s):
    doc = await s.document(s.meeting_a, data=make_pdf("Nghị quyết phiên họp"))
    shared = await annotate(
        s, doc, "daibieu", highlight(quote="Nghị quyết", visibility="meeting", body="OK")
    )
    await new_version(s, doc, make_pdf("Nghị quyết phiên họp (sửa)"))
    seen = await listed(s, doc, "botruong")
    assert [(a["id"], a["version"]) for a in seen] == [(shared["id"], 2)]
    resp = await s.client.get(f"/api/documents/{doc}/annotated.pdf", headers=s.h("daibieu"))
    assert resp.status == 200
    assert b"/Highlight" in await resp.read()
