"""The reader in a real headless Chromium against the live app (acceptance for issue 6).

A delegate opens a document in the pdf.js reader, highlights a phrase and adds a note, reloads
and finds both; a second delegate does not see them until they are shared, then sees them
appear without reloading (live socket). The reader runs under the app's CSP with the pdf.js
worker loaded from 'self' — any CSP violation fails the test. Runs once on its own SQLite
database (the pages do not depend on the database engine).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Language, OrganizationLevel, Role
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory
from ecabinet.web.appkeys import services_key

from ..browser import launch, serving
from ..browser import logged_in as browser_login
from ..documents.pdfs import make_pdf

pytestmark = pytest.mark.browser
SECRET = "browser-test-secret-key-that-is-long-enough-42"
PASSWORD = "correct horse battery"
PHRASE = "Tài liệu mẫu"


@dataclass
class Live:
    url: str
    meeting_id: int
    document_id: int


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    """Synchronous: Alembic runs its own event loop."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def live(migrated: str, tmp_path: Path) -> AsyncIterator[Live]:
    app = create_app(Settings(data_dir=tmp_path / "var", database_url=migrated, secret_key=SECRET))
    async with serving(app) as base:
        svc = app[services_key]
        org = await directory.create_organization(
            svc, None, OrganizationIn(slug="vpcp", name="VPCP", level=OrganizationLevel.GOVERNMENT)
        )
        for username, full_name, role in (
            ("thuky", "Thư Ký", Role.SECRETARY),
            ("daibieu", "Đại Biểu Một", Role.DELEGATE),
            ("daibieu2", "Đại Biểu Hai", Role.DELEGATE),
        ):
            await directory.create_user(
                svc,
                None,
                UserIn(
                    username=username,
                    full_name=full_name,
                    role=role,
                    organization_id=org.id,
                    password=PASSWORD,
                    language=Language.EN,
                ),
            )
        async with aiohttp.ClientSession(base) as http:
            login = await http.post(
                "/api/auth/login", json={"username": "thuky", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {(await login.json())['access_token']}"}
            resp = await http.post(
                "/api/meetings",
                headers=headers,
                json={
                    "title": "Phiên họp thử",
                    "starts_at": "2026-12-03T09:00:00+07:00",
                    "ends_at": "2026-12-03T11:00:00+07:00",
                    "mode": "online",
                    "participants": [
                        {"username": "daibieu", "role": "member"},
                        {"username": "daibieu2", "role": "member"},
                    ],
                },
            )
            assert resp.status == 201, await resp.text()
            meeting_id = (await resp.json())["id"]
            form = aiohttp.FormData(quote_fields=False)
            form.add_field("title", "Tờ trình")
            form.add_field(
                "file",
                make_pdf(PHRASE, pages=3),
                filename="to-trinh.pdf",
                content_type="application/pdf",
            )
            resp = await http.post(
                f"/api/meetings/{meeting_id}/documents", data=form, headers=headers
            )
            assert resp.status == 201, await resp.text()
            document_id = (await resp.json())["id"]
        yield Live(base, meeting_id, document_id)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with launch() as launched:
        yield launched


async def logged_in(browser: Browser, live: Live, username: str) -> tuple[BrowserContext, Page]:
    return await browser_login(browser, live.url, username, PASSWORD, wait_ms=15_000)


async def open_reader(page: Page, live: Live, at_page: int = 1) -> None:
    await page.goto(f"/documents/{live.document_id}/read")
    await page.wait_for_function(
        "() => window.__reader && window.__reader.ready && window.__reader.live"
    )
    text_layer = page.locator(f'#viewer .page[data-page-number="{at_page}"] .textLayer')
    await expect(text_layer).to_contain_text(PHRASE, timeout=20_000)


async def select_phrase(page: Page, phrase: str) -> None:
    """Select ``phrase`` in page 1's text layer, as a user's drag would."""
    await page.evaluate(
        """(phrase) => {
          const layer = document.querySelector('#viewer .page[data-page-number="1"] .textLayer');
          const walker = document.createTreeWalker(layer, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const at = node.textContent.indexOf(phrase);
            if (at >= 0) {
              const range = document.createRange();
              range.setStart(node, at);
              range.setEnd(node, at + phrase.length);
              const sel = window.getSelection();
              sel.removeAllRanges();
              sel.addRange(range);
              return;
            }
          }
          throw new Error("phrase not in the text layer");
        }""",
        phrase,
    )


async def no_csp_violations(page: Page) -> None:
    assert await page.evaluate("window.__csp") == []


async def test_a_delegate_highlights_and_notes_then_shares_live_with_another(
    browser: Browser, live: Live
) -> None:
    _, first = await logged_in(browser, live, "daibieu")
    await open_reader(first, live)
    # The pdf.js worker really runs as a dedicated worker loaded from 'self' under our CSP
    # (not pdf.js's main-thread fallback).
    assert any(
        w.url.startswith(live.url + "/static/vendor/pdfjs/build/pdf.worker") for w in first.workers
    )

    # Highlight a phrase from a text selection.
    await select_phrase(first, PHRASE)
    async with first.expect_response(
        lambda r: r.url.endswith("/annotations") and r.request.method == "POST"
    ) as made:
        await first.locator("#tool-highlight").click()
    assert (await made.value).status == 201
    highlight = first.locator('.annotation-list li[data-kind="highlight"]')
    await expect(highlight).to_contain_text(PHRASE)
    await expect(first.locator('#viewer .page[data-page-number="1"] .annot-hl')).to_have_count(1)

    # A sticky note: choose the tool, tap the page, write, save.
    await first.locator("#tool-note").click()
    await first.locator('#viewer .page[data-page-number="1"] .annot-layer').click(
        position={"x": 200, "y": 300}
    )
    await first.locator("#note-text").fill("Đề nghị làm rõ kinh phí")
    await first.locator("#note-save").click()
    note = first.locator('.annotation-list li[data-kind="note"]')
    await expect(note).to_contain_text("Đề nghị làm rõ kinh phí")
    await expect(first.locator('#viewer .page[data-page-number="1"] .annot-note')).to_have_count(1)

    # Reload: both are still there.
    await open_reader(first, live)
    await expect(first.locator('.annotation-list li[data-kind="highlight"]')).to_contain_text(
        PHRASE
    )
    await expect(first.locator('.annotation-list li[data-kind="note"]')).to_contain_text(
        "làm rõ kinh phí"
    )
    await expect(first.locator("#annotations li")).to_have_count(2)

    # The second delegate, reader open, sees nothing of them while they are private.
    _, second = await logged_in(browser, live, "daibieu2")
    await open_reader(second, live)
    await expect(second.locator("#annotations li")).to_have_count(0)
    await expect(second.locator(".annot-hl, .annot-note")).to_have_count(0)

    # Shared with the meeting: they appear for the second delegate without a reload.
    for kind in ("highlight", "note"):
        item = first.locator(f'.annotation-list li[data-kind="{kind}"]')
        async with first.expect_response(lambda r: "/api/annotations/" in r.url) as patched:
            await item.locator("select.js-visibility").select_option("meeting")
        assert (await patched.value).status == 200
    await expect(second.locator("#annotations li")).to_have_count(2)
    await expect(second.locator('.annotation-list li[data-kind="highlight"]')).to_contain_text(
        PHRASE
    )
    await expect(second.locator('.annotation-list li[data-kind="note"]')).to_contain_text(
        "Đại Biểu Một"
    )
    await expect(
        second.locator('#viewer .page[data-page-number="1"] .annot-hl.shared')
    ).to_have_count(1)
    await expect(
        second.locator('#viewer .page[data-page-number="1"] .annot-note.shared')
    ).to_have_count(1)
    # The second delegate cannot change them.
    await expect(second.locator("#annotations .js-delete")).to_have_count(0)

    # Made private again: gone live as well.
    note_item = first.locator('.annotation-list li[data-kind="note"]')
    await note_item.locator("select.js-visibility").select_option("private")
    await expect(second.locator("#annotations li")).to_have_count(1)

    await no_csp_violations(first)
    await no_csp_violations(second)


async def test_the_reader_reopens_at_the_last_page_and_navigates_by_keyboard_and_search(
    browser: Browser, live: Live
) -> None:
    _, page = await logged_in(browser, live, "daibieu")
    await open_reader(page, live)
    await expect(page.locator("#thumbs button")).to_have_count(3)
    await page.locator("#viewer-container").focus()
    async with page.expect_response(
        lambda r: r.url.endswith("/reading") and r.request.method == "PUT"
    ) as saved:
        await page.keyboard.press("ArrowRight")
    assert (await saved.value).status == 204
    await expect(page.locator("#page-number")).to_have_value("2")
    async with page.expect_request(
        lambda r: (
            r.url.endswith("/reading") and r.method == "PUT" and '"page":3' in (r.post_data or "")
        )
    ):
        await page.locator("#thumbs button").nth(2).click()
    await expect(page.locator("#page-number")).to_have_value("3")
    await open_reader(page, live, at_page=3)
    await expect(page.locator("#page-number")).to_have_value("3")
    # Search finds the phrase on every page.
    await page.locator("#search").fill("page 2")
    await expect(page.locator("#search-status")).to_contain_text("1/1")
    # Zoom and fit-to-width change the scale.
    before = await page.evaluate("window.__reader.state.pdfViewer.currentScale")
    await page.locator("#zoom-in").click()
    after = await page.evaluate("window.__reader.state.pdfViewer.currentScale")
    assert after > before
    await page.locator("#fit-width").click()
    assert await page.evaluate("window.__reader.state.pdfViewer.currentScale") == pytest.approx(
        before
    )
    await no_csp_violations(page)


async def test_ink_drawn_with_a_pen_is_saved_as_one_annotation(
    browser: Browser, live: Live
) -> None:
    _, page = await logged_in(browser, live, "daibieu")
    await open_reader(page, live)
    await page.locator("#tool-ink").click()
    layer = page.locator('#viewer .page[data-page-number="1"] .annot-layer')
    box = await layer.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 100, box["y"] + 100)
    await page.mouse.down()
    for step in range(1, 6):
        await page.mouse.move(box["x"] + 100 + step * 20, box["y"] + 100 + step * 10)
    await page.mouse.up()
    async with page.expect_response(
        lambda r: r.url.endswith("/annotations") and r.request.method == "POST"
    ) as made:
        await page.locator("#ink-done").click()
    body = await (await made.value).json()
    assert body["kind"] == "ink" and len(body["geometry"]["strokes"][0]) >= 5
    await expect(page.locator('.annotation-list li[data-kind="ink"]')).to_have_count(1)
    await no_csp_violations(page)


async def test_delegates_give_and_answer_opinions_on_the_opinions_page(
    browser: Browser, live: Live
) -> None:
    _, first = await logged_in(browser, live, "daibieu")
    await first.goto(f"/meetings/{live.meeting_id}/opinions")
    section = first.locator(f'.opinion-subject[data-document="{live.document_id}"]')
    await section.locator("textarea").fill("Đề nghị bổ sung lộ trình thực hiện")
    await section.locator("button.primary").click()
    await expect(section.locator(".opinion-list li")).to_contain_text("bổ sung lộ trình")

    _, second = await logged_in(browser, live, "daibieu2")
    await second.goto(f"/meetings/{live.meeting_id}/opinions")
    section = second.locator(f'.opinion-subject[data-document="{live.document_id}"]')
    await expect(section.locator(".opinion-list li")).to_contain_text("Đại Biểu Một")
    await section.locator(".js-reply").click()
    await section.locator(".opinion-list textarea").fill("Nhất trí")
    await section.locator(".opinion-list li button", has_text="Send opinion").click()
    await expect(section.locator(".opinion-list li.reply")).to_contain_text("Nhất trí")
    await no_csp_violations(first)
    await no_csp_violations(second)
