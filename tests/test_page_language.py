"""Labels and messages the every-page check cannot judge by form alone: the documents page names
the title field as a document's (not a person's position) and gives human sizes; "Download"
before the board book exists opens a page in the viewer's language, not the API's JSON; a page's
script gets the refusal in the viewer's language while API clients keep the English message."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from ecabinet.web.formatting import human_size

from .conftest import World, api_login, bearer
from .governance import make_session
from .live.conftest import upload_document
from .test_meeting_pages import browser_login


def test_sizes_read_as_people_write_them() -> None:
    assert human_size(0) == "0 KB" and human_size(300) == "1 KB"
    assert human_size(48_000) == "47 KB"
    assert human_size(1_300_000) == "1,2 MB" and human_size(1_300_000, "en") == "1.2 MB"
    assert human_size(250 * 1024 * 1024) == "250 MB"


async def test_documents_page_and_board_book_speak_vietnamese(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    await upload_document(client, s.meeting_id, "Tờ trình", pages=2)
    await browser_login(client, "thuky")
    html = await (await client.get(f"/meetings/{s.meeting_id}/documents")).text()
    assert '<label>Tên tài liệu <input name="title"' in html and "Chức vụ" not in html
    assert "0.0 MB" not in html and re.search(r"2 trang · \d+ KB", html)
    assert f'href="/meetings/{s.meeting_id}/board-book"' in html
    resp = await client.get(f"/meetings/{s.meeting_id}/board-book")
    page = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/html"
    assert "Bộ tài liệu họp chưa được tạo" in page and "board_book_not_ready" not in page


async def test_a_pages_script_gets_the_refusal_in_the_viewers_language(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    tokens = await api_login(client, "botruong")
    api = await client.post(
        f"/api/meetings/{s.meeting_id}/motions", json={"title": "X"}, headers=bearer(tokens)
    )
    error = (await api.json())["error"]
    assert error["code"] == "session_not_in_progress" and "text" not in error  # an API client
    await browser_login(client, "botruong")
    page = await client.get(f"/meetings/{s.meeting_id}")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text()).group(1)
    resp = await client.post(
        f"/api/meetings/{s.meeting_id}/motions", json={"title": "X"}, headers={"X-CSRF-Token": csrf}
    )
    error = (await resp.json())["error"]
    assert resp.status == 409 and error["code"] == "session_not_in_progress"
    assert error["text"] == "Phiên họp chưa diễn ra hoặc đã kết thúc." != error["message"]
