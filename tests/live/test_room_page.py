"""The meeting room page: who may open it, CSP-compatible, every string translated."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import TestClient

from ecabinet.web.i18n import VI
from ecabinet.web.i18n_room import ROOM_VI
from ecabinet.web.views.room_pages import room_strings

from .conftest import Meeting

ROOT = Path(__file__).resolve().parents[2]


async def _browser_login(client: TestClient, username: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    resp = await client.post(
        "/login",
        data={"username": username, "password": "correct horse battery", "next": "/",
              "csrf_token": token.group(1)},
        allow_redirects=False,
    )  # fmt: skip
    assert resp.status == 303


async def test_invited_member_opens_the_room_page(client: TestClient, meeting: Meeting) -> None:
    await _browser_login(client, "daibieu")
    resp = await client.get(f"/meetings/{meeting.id}/room")
    assert resp.status == 200
    html = await resp.text()
    assert f'data-join-url="/api/meetings/{meeting.id}/join"' in html
    # No inline script: only external files and a JSON data block.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


async def test_room_page_of_a_meeting_you_cannot_see_is_not_found(
    client: TestClient, meeting: Meeting
) -> None:
    await _browser_login(client, "admin")
    resp = await client.get(f"/meetings/{meeting.id}/room")
    assert resp.status == 404


def test_every_room_string_has_a_vietnamese_translation() -> None:
    template = (ROOT / "templates/meetings/room.html").read_text()
    # room.js and its parts (room_*.js), which all read the strings of #room-strings.
    script = "\n".join(p.read_text() for p in sorted((ROOT / "static/js").glob("room*.js")))
    used = set(re.findall(r'_\("([^"]+)"\)', template))
    used |= set(re.findall(r"_\('([^']+)'\)", template))
    used |= set(re.findall(r'\bt\("([^"]+)"\)', script))
    used |= set(re.findall(r'(?:good|fair|poor): "([^"]+)"', script))
    assert used, "no strings found: the patterns are out of date"
    assert sorted(used - VI.keys()) == []


def test_the_room_says_its_own_words_where_a_shared_catalogue_means_another_thing() -> None:
    """The chair's "Remove" is "Mời ra" (ask out of the meeting), not the agenda's "Xóa"
    (delete), although both are "Remove" in English (issue 22 item 4)."""
    strings = room_strings("vi")
    assert strings["Remove"] == "Mời ra"
    assert VI["Remove"] == "Xóa"  # the shared catalogue keeps its own sense
    for text, vietnamese in ROOM_VI.items():
        assert strings[text] == vietnamese, text
    assert room_strings("en")["Remove"] == "Remove"
