"""Headless Chromium for the browser tests: where it is, and how to start it on this machine."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
HEADLESS_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's chromium (or ECABINET_TEST_CHROMIUM); without it the test is skipped, saying why."""
    path = os.environ.get("ECABINET_TEST_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not Path(path).exists():
        pytest.skip(
            f"Chromium not found ({path or 'no chromium on PATH'}): apt-get install chromium "
            "or set ECABINET_TEST_CHROMIUM; .ci/run does both"
        )
    return path


# A fake camera and microphone, and WebRTC over loopback only (for pages that open the room).
MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
# Collects CSP violations from the page itself (runs before any page script).
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@asynccontextmanager
async def launch(*, media: bool = False) -> AsyncIterator[Browser]:
    """Headless Chromium (skipped with a reason when absent); ``media`` adds fake devices."""
    executable = chromium_path()
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, args=HEADLESS_ARGS + (MEDIA_ARGS if media else [])
        )
        try:
            yield browser
        finally:
            await browser.close()


async def logged_in(
    browser: Browser, base_url: str, username: str, password: str, *, wait_ms: float = 20_000
) -> tuple[BrowserContext, Page]:
    """A fresh browser context (its own cookies) logged in through the login form."""
    context = await browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(wait_ms)
    await context.add_init_script(CSP_WATCH)
    page = await context.new_page()
    await page.goto("/login")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(password)
    await page.locator("form button").last.click()
    await page.wait_for_url(lambda u: "/login" not in u)
    return context, page


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on a real port on 127.0.0.1; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
