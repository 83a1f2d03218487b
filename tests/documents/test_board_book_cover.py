"""Issue 21 item 12: the board book's cover in the administrative layout of Decree 30/2020 —
the issuing body, Quốc hiệu, tiêu ngữ, place and date — above the meeting's title, time and
place."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ecabinet.models import Meeting, Organization

from .helpers import Setup, setup_meetings
from .test_board_book import build
from .test_files import pdf_text


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def test_the_board_book_cover_carries_the_decree_30_heading(s, tmp_path: Path) -> None:
    ready = await build(s, "daibieu")
    resp = await s.client.get(ready["download_url"], headers=s.h("daibieu"))
    assert resp.status == 200
    path = tmp_path / "book.pdf"
    path.write_bytes(await resp.read())
    cover = unicodedata.normalize("NFC", pdf_text(path).split("\f")[0])
    async with s.world.svc.db.reading() as session:
        meeting = await session.get(Meeting, s.meeting_a)
        assert meeting is not None
        issuer = await session.get(Organization, meeting.organization_id)
        assert issuer is not None
    flat = " ".join(cover.split())
    assert issuer.name.upper() in flat  # the issuing body, in capitals
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert "Độc lập - Tự do - Hạnh phúc" in flat
    assert "Hà Nội, ngày 03 tháng 12 năm 2026" in flat  # the meeting's day, in its zone
    assert "Phiên họp A" in flat and "09:00 03/12/2026" in flat
