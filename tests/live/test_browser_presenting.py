"""Acceptance: presenting a document without screen sharing, in real Chromium.

The chair and a member each have the meeting room open and the document in the pdf.js reader
(a second tab of the same browser context: the reader talks to the room page over a
BroadcastChannel; the room's socket carries one small `present` message per page turn). The
chair presents and turns pages; the member's reader follows, the member browses away and sees
"Following paused", the chair turns on, and "Follow the presenter" brings the member back to
the chair's page.
"""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import BrowserContext, Page, expect

from ..browser import launch, logged_in
from ..conftest import PASSWORD, api_login, bearer
from ..documents.pdfs import make_pdf
from .conftest import Meeting

pytestmark = pytest.mark.browser
PAGES = 5
READY = (
    "() => window.__reader && window.__reader.ready && window.__reader.state.pdfViewer.pagesCount"
)


async def upload(client: TestClient, meeting: Meeting) -> int:
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("title", "Tờ trình trình chiếu")
    form.add_field(
        "file",
        make_pdf("Trình chiếu", pages=PAGES),
        filename="t.pdf",
        content_type="application/pdf",
    )
    headers = bearer(await api_login(client, "thuky"))
    resp = await client.post(f"/api/meetings/{meeting.id}/documents", data=form, headers=headers)
    assert resp.status == 201, await resp.text()
    return int((await resp.json())["id"])


async def room_and_reader(context: BrowserContext, room: Page, meeting: Meeting, doc: int) -> Page:
    await room.goto(f"/meetings/{meeting.id}/room")
    await expect(room.locator("#session-panel")).to_be_visible()
    reader = await context.new_page()
    await reader.goto(f"/documents/{doc}/read")
    await reader.wait_for_function(READY)
    return reader


def on_page(n: int) -> str:
    return f"() => window.__reader.state.pdfViewer.currentPageNumber === {n}"


async def test_the_member_follows_the_chairs_pages_browses_away_and_follows_again(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload(client, meeting)
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        chair_context, chair_room = await logged_in(browser, base, "botruong", PASSWORD)
        sent: list[str] = []  # what the chair's room socket sends
        chair_room.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(str(f))))
        chair = await room_and_reader(chair_context, chair_room, meeting, doc)
        member_context, member_room = await logged_in(browser, base, "daibieu", PASSWORD)
        member = await room_and_reader(member_context, member_room, meeting, doc)

        await expect(member.locator("#present-start")).to_be_hidden()  # not the chair, no floor
        await chair.locator("#present-start").click()
        await expect(chair.locator("#follow-status")).to_contain_text("You are presenting")
        await expect(member.locator("#follow-status")).to_have_text(
            "Following the presenter: Botruong"
        )
        await expect(member_room.locator("#presenting")).to_contain_text("Botruong is presenting")

        await chair.locator("#page-number").fill("3")
        await chair.locator("#page-number").press("Enter")
        await member.wait_for_function(on_page(3))
        await expect(member.locator("#page-number")).to_have_value("3")

        # The member turns back a page: following pauses; the chair's next turn does not move them.
        await member.locator("#prev").click()
        await member.wait_for_function(on_page(2))
        await expect(member.locator("#follow-status")).to_have_text("Following paused")
        await chair.locator("#next").click()
        await chair.wait_for_function(on_page(4))
        await expect(member_room.locator("#presenting-text")).to_contain_text("page 4")
        assert await member.evaluate("window.__reader.state.pdfViewer.currentPageNumber") == 2

        await member.locator("#follow-again").click()
        await member.wait_for_function(on_page(4))
        await expect(member.locator("#follow-status")).to_have_text(
            "Following the presenter: Botruong"
        )
        await expect(member.locator("#follow-again")).to_be_hidden()

        # A page turn is one small message on the socket, not a stream.
        turns = [f for f in sent if '"type":"present"' in f.replace(" ", "")]
        assert len(turns) >= 3
        assert all(len(f.encode()) < 200 for f in turns), turns

        # Stopping: the room says nobody presents any more.
        await chair.locator("#present-stop").click()
        await expect(member_room.locator("#presenting")).to_be_hidden()
        for page in (chair, member, chair_room, member_room):
            assert await page.evaluate("window.__csp") == []


async def test_a_reader_opened_without_the_room_follows_through_the_session_socket(
    client: TestClient, meeting: Meeting
) -> None:
    """The member reads on another device: no room page, only the reader. It learns the current
    presentation when it opens (the chair is already on page 2), follows the chair's page turns,
    and sees the presentation end."""
    doc = await upload(client, meeting)
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        chair_context, chair_room = await logged_in(browser, base, "botruong", PASSWORD)
        chair = await room_and_reader(chair_context, chair_room, meeting, doc)
        await chair.locator("#present-start").click()
        await chair.locator("#next").click()
        await chair.wait_for_function(on_page(2))
        await expect(chair_room.locator("#presenting-text")).to_contain_text("page 2")

        _, member = await logged_in(browser, base, "daibieu", PASSWORD)
        feeds: list[str] = []
        member.on("websocket", lambda ws: feeds.append(ws.url))
        await member.goto(f"/documents/{doc}/read")
        await member.wait_for_function(READY)
        await member.wait_for_function(on_page(2))  # where the chair is, without a room page
        await expect(member.locator("#follow-status")).to_have_text(
            "Following the presenter: Botruong"
        )
        await expect(member.locator("#present-start")).to_be_hidden()
        # beside the reader's own document socket, the meeting's session socket (no room socket)
        assert sorted(u.split("/ws/")[1] for u in feeds) == [
            f"documents/{doc}",
            f"meetings/{meeting.id}/session",
        ]

        await chair.locator("#page-number").fill("5")
        await chair.locator("#page-number").press("Enter")
        await member.wait_for_function(on_page(5))
        await chair.locator("#present-stop").click()
        await expect(member.locator("#follow-bar")).to_be_hidden()
        for page in (chair, member, chair_room):
            assert await page.evaluate("window.__csp") == []


async def test_the_chair_presents_from_a_reader_without_the_room_and_a_reader_follows(
    client: TestClient, meeting: Meeting
) -> None:
    """The chair runs the session from the console and the reader — no room page, no video: the
    reader's session socket says the chair may present, carries her `present` per page turn, and
    the member's reader (no room page either) follows; stopping hides the member's bar."""
    doc = await upload(client, meeting)
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, chair = await logged_in(browser, base, "botruong", PASSWORD)
        sent: list[str] = []  # what the chair's reader sends on its sockets
        chair.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(str(f))))
        await chair.goto(f"/documents/{doc}/read")
        await chair.wait_for_function(READY)
        _, member = await logged_in(browser, base, "daibieu", PASSWORD)
        await member.goto(f"/documents/{doc}/read")
        await member.wait_for_function(READY)
        await member.wait_for_function("() => window.__follow.feedSeen")
        await expect(member.locator("#follow-bar")).to_be_hidden()  # nobody presents, may not

        await chair.locator("#present-start").click()  # shown once the session socket said so
        await expect(chair.locator("#follow-status")).to_contain_text("You are presenting")
        await expect(member.locator("#follow-status")).to_have_text(
            "Following the presenter: Botruong"
        )
        await chair.locator("#page-number").fill("3")
        await chair.locator("#page-number").press("Enter")
        await member.wait_for_function(on_page(3))
        await chair.locator("#next").click()
        await member.wait_for_function(on_page(4))
        await expect(member.locator("#present-start")).to_be_hidden()
        turns = [f for f in sent if '"type":"present"' in f.replace(" ", "")]
        assert len(turns) >= 3 and all(len(f.encode()) < 200 for f in turns), turns

        await chair.locator("#present-stop").click()
        await expect(member.locator("#follow-bar")).to_be_hidden()
        await expect(chair.locator("#present-start")).to_be_visible()
        for page in (chair, member):
            assert await page.evaluate("window.__csp") == []
