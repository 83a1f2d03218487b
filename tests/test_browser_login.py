"""The login flow in a real headless Chromium against the real server on a loopback port.

These tests run once, on their own migrated SQLite database: they exercise the pages, the cookie
session and CSRF from a browser, which do not depend on the database engine.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Language, OrganizationLevel, Role
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory
from ecabinet.web.appkeys import services_key

from .browser import HEADLESS_ARGS, chromium_path

pytestmark = pytest.mark.browser

SECRET = "browser-test-secret-key-that-is-long-enough-42"
USERNAME = "thuky"
PASSWORD = "correct horse battery"
FULL_NAME = "Nguyễn Thị Thư"
LOGIN_URL = re.compile(r"^http://127\.0\.0\.1:\d+/login(\?.*)?$")
HOME_URL = re.compile(r"^http://127\.0\.0\.1:\d+/$")


@dataclass
class LiveServer:
    url: str


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """A migrated SQLite database of its own (synchronous: Alembic runs its own event loop)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"
    upgrade(url)
    return Settings(data_dir=tmp_path / "var", database_url=url, secret_key=SECRET)


@pytest.fixture
async def live_server(sqlite_settings: Settings) -> AsyncIterator[LiveServer]:
    """The real application behind aiohttp's TCP server on 127.0.0.1 and a free port, with one
    secretary account."""
    app = create_app(sqlite_settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        svc = app[services_key]
        org = await directory.create_organization(
            svc,
            None,
            OrganizationIn(
                slug="vpcp", name="Văn phòng Chính phủ", level=OrganizationLevel.GOVERNMENT
            ),
        )
        await directory.create_user(
            svc,
            None,
            UserIn(
                username=USERNAME,
                full_name=FULL_NAME,
                title="Thư ký phiên họp",
                role=Role.SECRETARY,
                organization_id=org.id,
                password=PASSWORD,
                language=Language.VI,
            ),
        )
        port = runner.addresses[0][1]
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()


@pytest.fixture
def chromium() -> str:
    return chromium_path()


@pytest.fixture
async def page(chromium: str, live_server: LiveServer) -> AsyncIterator[Page]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=HEADLESS_ARGS)
        try:
            context = await browser.new_context(base_url=live_server.url)
            context.set_default_timeout(10_000)
            yield await context.new_page()
        finally:
            await browser.close()


async def test_login_switch_language_and_logout_in_a_real_browser(page: Page) -> None:
    await page.goto("/")
    await expect(page).to_have_url(LOGIN_URL)
    await expect(page.locator("h1")).to_have_text("Đăng nhập")

    await page.get_by_label("Tên đăng nhập").fill(USERNAME)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()

    await expect(page).to_have_url(HOME_URL)
    await expect(page.locator("h1")).to_contain_text(FULL_NAME)
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    await expect(page.locator("h1")).to_have_text(f"Welcome, {FULL_NAME}")

    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(LOGIN_URL)
    await expect(page.get_by_label("Password")).to_be_visible()
    await page.goto("/")
    await expect(page).to_have_url(LOGIN_URL)


async def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page: Page) -> None:
    await page.goto("/login")
    await page.get_by_label("Tên đăng nhập").fill(USERNAME)
    await page.get_by_label("Mật khẩu").fill("not the password at all")
    await page.get_by_role("button", name="Đăng nhập").click()

    await expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    await expect(page).to_have_url(LOGIN_URL)
    await expect(page.get_by_label("Tên đăng nhập")).to_have_value(USERNAME)
    await expect(page.get_by_label("Mật khẩu")).to_have_value("")
