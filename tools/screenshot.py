"""Screenshots of the real pages for the README.

    python tools/screenshot.py OUT.png [--admin ADMIN.png] [--width 1280 --height 800]

Starts the application on a throw-away data directory (migrated SQLite, demo data seeded), logs
in through the login form in headless Chromium (the Debian ``chromium``, or the binary named by
``ECABINET_TEST_CHROMIUM``) and saves the home page of the demo secretary; with ``--admin`` also
the user list as the demo administrator. Nothing outside the temporary directory is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from playwright.async_api import Browser, async_playwright  # noqa: E402

from ecabinet.app import create_app  # noqa: E402
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.services.seed import seed_demo  # noqa: E402
from ecabinet.web.appkeys import services_key  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("ECABINET_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise SystemExit("error: Chromium not found; apt-get install chromium")
    return path


@asynccontextmanager
async def demo_server(data_dir: Path) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """Serve the app on 127.0.0.1 and a free port; yield its URL and the demo passwords."""
    url = f"sqlite+aiosqlite:///{data_dir / 'ecabinet.db'}"
    await asyncio.to_thread(upgrade, url)
    app = create_app(Settings(data_dir=data_dir, database_url=url))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        seeded = await seed_demo(app[services_key])
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}", {u.username: u.password for u in seeded}
    finally:
        await runner.cleanup()


async def capture(
    browser: Browser,
    base_url: str,
    username: str,
    password: str,
    path: str,
    out: Path,
    size: tuple[int, int],
) -> None:
    context = await browser.new_context(
        base_url=base_url, viewport={"width": size[0], "height": size[1]}, locale="vi-VN"
    )
    try:
        page = await context.new_page()
        await page.goto("/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", password)
        await page.click("button.primary")
        await page.wait_for_load_state()
        if "/account/password" in page.url:
            # Demo accounts start with a generated password that must be replaced.
            new = password + "-changed"
            await page.fill("input[name=current]", password)
            await page.fill("input[name=new]", new)
            await page.fill("input[name=again]", new)
            await page.click("button.primary")
        await page.wait_for_url(f"{base_url}/")
        if path != "/":
            await page.goto(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(out))
        print(f"wrote {out} ({username} on {path})")
    finally:
        await context.close()


async def main(args: argparse.Namespace) -> None:
    size = (args.width, args.height)
    with tempfile.TemporaryDirectory(prefix="ecabinet-screenshot-") as tmp:
        async with demo_server(Path(tmp)) as (base_url, passwords), async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                await capture(browser, base_url, "thuky", passwords["thuky"], "/", args.out, size)
                if args.admin:
                    await capture(
                        browser,
                        base_url,
                        "admin",
                        passwords["admin"],
                        "/admin/users",
                        args.admin,
                        size,
                    )
            finally:
                await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="PNG file for the home page")
    parser.add_argument("--admin", type=Path, help="PNG file for /admin/users (optional)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
