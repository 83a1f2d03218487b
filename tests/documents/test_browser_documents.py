"""The agenda editor and document upload in a real headless Chromium against the live app.

Drag and drop reorders the agenda (saved through the API with the CSRF header), an upload sent
from the page lands in the list, a refused one shows why, the board book builds and is offered.
Runs once on its own SQLite database (the pages do not depend on the database engine).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, expect

from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Language, OrganizationLevel, Role
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory
from ecabinet.web.appkeys import services_key

from ..browser import launch, logged_in, serving
from .pdfs import make_pdf

pytestmark = pytest.mark.browser
SECRET = "browser-test-secret-key-that-is-long-enough-42"
PASSWORD = "correct horse battery"


@dataclass
class Live:
    url: str
    meeting_id: int
    headers: dict[str, str]


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    """Synchronous: Alembic runs its own event loop."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def live(migrated: str, tmp_path: Path) -> AsyncIterator[Live]:
    url = migrated
    app = create_app(Settings(data_dir=tmp_path / "var", database_url=url, secret_key=SECRET))
    async with serving(app) as base:
        svc = app[services_key]
        org = await directory.create_organization(
            svc, None, OrganizationIn(slug="vpcp", name="VPCP", level=OrganizationLevel.GOVERNMENT)
        )
        for username, role in (("thuky", Role.SECRETARY), ("daibieu", Role.DELEGATE)):
            await directory.create_user(
                svc,
                None,
                UserIn(
                    username=username,
                    full_name=username.title(),
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
                    "participants": [{"username": "daibieu", "role": "member"}],
                },
            )
            assert resp.status == 201, await resp.text()
            meeting_id = (await resp.json())["id"]
            for title in ("Một", "Hai", "Ba"):
                await http.post(
                    f"/api/meetings/{meeting_id}/agenda", headers=headers, json={"title": title}
                )
        yield Live(base, meeting_id, headers)


@pytest.fixture
async def page(live: Live) -> AsyncIterator[Page]:
    async with launch() as browser:
        _, page = await logged_in(browser, live.url, "thuky", PASSWORD, wait_ms=15_000)
        yield page


async def agenda_titles(live: Live) -> list[str]:
    async with aiohttp.ClientSession(live.url) as http:
        resp = await http.get(f"/api/meetings/{live.meeting_id}/agenda", headers=live.headers)
        return [i["title"] for i in (await resp.json())["items"]]


async def test_drag_and_drop_reorders_the_agenda(page: Page, live: Live) -> None:
    await page.goto(f"/meetings/{live.meeting_id}/agenda")
    items = page.locator(".agenda-item")
    await expect(items).to_have_count(3)
    async with page.expect_response(lambda r: r.url.endswith("/agenda/order")) as saved:
        await items.nth(2).drag_to(items.nth(0), target_position={"x": 10, "y": 2})
    assert (await saved.value).status == 200
    await expect(page.locator(".agenda-item strong").first).to_have_text("Ba")
    assert await agenda_titles(live) == ["Ba", "Một", "Hai"]
    async with page.expect_response(lambda r: r.url.endswith("/agenda/order")) as saved:
        await page.locator(".agenda-item").nth(0).locator(".js-down").click()
    assert (await saved.value).status == 200
    await expect(page.locator(".agenda-item strong").first).to_have_text("Một")
    assert await agenda_titles(live) == ["Một", "Ba", "Hai"]


async def test_upload_from_the_page_lands_in_the_list_and_the_board_book_builds(
    page: Page, live: Live, tmp_path: Path
) -> None:
    pdf = tmp_path / "To trinh.pdf"
    pdf.write_bytes(make_pdf("Tờ trình", pages=3, filler=2_000_000))
    await page.goto(f"/meetings/{live.meeting_id}/documents")
    await page.locator("#upload-form input[type=file]").set_input_files(str(pdf))
    await page.locator("#upload-form input[name=title]").fill("Tờ trình Chính phủ")
    await page.locator("#upload-form button.primary").click()
    await expect(page.locator("table")).to_contain_text("Tờ trình Chính phủ")
    await page.locator("#book-build").click()
    await expect(page.locator("#book-download")).to_be_visible()
    await expect(page.locator("#book-status")).to_contain_text("Ready")
    # "Download" fetches a fresh signed link (SEC-C2) and opens it
    async with page.expect_response(lambda r: "/board-book/content?sig=" in r.url) as opened:
        await page.locator("#book-download").click()
    response = await opened.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"


async def test_a_refused_upload_shows_the_reason(page: Page, live: Live, tmp_path: Path) -> None:
    fake = tmp_path / "not.pdf"
    fake.write_bytes(b"PK\x03\x04 a zip really")
    await page.goto(f"/meetings/{live.meeting_id}/documents")
    await page.locator("#upload-form input[type=file]").set_input_files(str(fake))
    await page.locator("#upload-form button.primary").click()
    await expect(page.locator("#page-error")).to_contain_text("ZIP")
