"""The agenda, document and distribution pages, through a browser session (cookie + CSRF)."""

from __future__ import annotations

import re

import aiohttp
import pytest

from ..test_meeting_pages import browser_login
from .helpers import Setup, setup_meetings
from .pdfs import make_pdf


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


def csrf_meta(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_secretary_pages_show_editor_upload_and_dashboard_without_inline_scripts(s):
    await s.document(s.meeting_a, title="Tờ trình số 1")
    await browser_login(s.client, "thuky")
    for path, expected in [
        ("agenda", 'id="agenda-add"'),
        ("documents", 'id="upload-form"'),
        ("distribution", 'id="remind-all"'),
    ]:
        resp = await s.client.get(f"/meetings/{s.meeting_a}/{path}")
        html = await resp.text()
        assert resp.status == 200, path
        assert expected in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        assert "js/documents.js" in html
    html = await (await s.client.get(f"/meetings/{s.meeting_a}/distribution")).text()
    assert "Tờ trình số 1" in html and "Chưa đọc" in html  # Vietnamese by default


async def test_member_sees_read_status_but_no_editor(s):
    document = await s.document(s.meeting_a, title="Báo cáo")
    await browser_login(s.client, "daibieu")
    html = await (await s.client.get(f"/meetings/{s.meeting_a}/documents")).text()
    assert "Báo cáo" in html and 'id="upload-form"' not in html
    assert re.search(r"<strong>(Unread|Chưa đọc)</strong>", html)
    await s.client.get(f"/api/documents/{document}/content")
    html = await (await s.client.get(f"/meetings/{s.meeting_a}/documents")).text()
    assert re.search(r"✓ (Read|Đã đọc)", html)
    assert (await s.client.get(f"/meetings/{s.meeting_a}/distribution")).status == 403
    assert (await s.client.get(f"/meetings/{s.meeting_b}/documents")).status == 404


async def test_browser_upload_needs_the_csrf_header(s):
    await browser_login(s.client, "thuky")
    html = await (await s.client.get(f"/meetings/{s.meeting_a}/documents")).text()

    def form() -> aiohttp.FormData:
        data = aiohttp.FormData()
        data.add_field("file", make_pdf(), filename="a.pdf")
        return data

    url = f"/api/meetings/{s.meeting_a}/documents"
    assert (await s.client.post(url, data=form())).status == 403
    resp = await s.client.post(url, data=form(), headers={"X-CSRF-Token": csrf_meta(html)})
    assert resp.status == 201, await resp.text()
