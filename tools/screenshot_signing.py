"""Screenshots of the signature pages for docs/signing.md.

    python tools/screenshot_signing.py docs/screenshot-verify.png [--stamps docs/stamps.png]

Starts the app on a throw-away data directory with the demo data, issues platform certificates
to a few demo members, has them sign a set of minutes in turn (the Prime Minister last), then, in
headless Chromium, uploads the signed PDF on /verify as the demo secretary and saves the page.
With ``--stamps``, also renders the signature page of the PDF (pdftoppm).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from aiohttp import web  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from screenshot import CHROMIUM_ARGS, chromium_path  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ecabinet.app import create_app  # noqa: E402
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.models import User  # noqa: E402
from ecabinet.services import pki, signing  # noqa: E402
from ecabinet.services.actor import Actor  # noqa: E402
from ecabinet.services.seed import seed_demo  # noqa: E402
from ecabinet.web.appkeys import services_key  # noqa: E402

SIGNERS = ["botruong-y-te", "botruong-tai-chinh", "chutich-nghe-an", "thutuong"]


def render_stamps(pdf_path: Path, out: Path) -> None:
    """Page 2 (the signature page) as PNG, cropped to its top third."""
    from PIL import Image

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("error: pdftoppm not found; apt-get install poppler-utils")
    prefix = pdf_path.with_name("page")
    subprocess.run(  # noqa: S603 - fixed arguments
        [pdftoppm, "-f", "2", "-l", "2", "-r", "100", "-png", "-singlefile",
         str(pdf_path), str(prefix)],
        check=True,
    )  # fmt: skip
    image = Image.open(prefix.with_suffix(".png"))
    image.crop((0, 0, image.width, int(image.height * 0.32))).save(out)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="ecabinet-signing-") as tmp:
        data_dir = Path(tmp)
        url = f"sqlite+aiosqlite:///{data_dir / 'ecabinet.db'}"
        await asyncio.to_thread(upgrade, url)
        app = create_app(
            Settings(data_dir=data_dir, database_url=url, ca_passphrase=secrets.token_urlsafe(24))
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            svc = app[services_key]
            passwords = {u.username: u.password for u in await seed_demo(svc)}
            async with svc.db.reading() as session:
                users = {
                    u.username: u
                    for u in await session.scalars(select(User).where(User.username.in_(SIGNERS)))
                }
            signers = [users[name] for name in SIGNERS]
            for user in signers:
                await pki.issue_certificate(svc, None, user.id)
            doc = await signing.prepare(
                svc,
                None,
                signing.DocumentRequest(
                    "meeting",
                    "1",
                    "Biên bản phiên họp Chính phủ thường kỳ tháng 11 năm 2026",
                    [
                        "Thủ tướng Chính phủ chủ trì; các Phó Thủ tướng, Bộ trưởng, Thủ trưởng "
                        "cơ quan ngang bộ dự họp; các tỉnh, thành phố dự họp trực tuyến.",
                        "Chính phủ thống nhất thông qua các nội dung trình tại phiên họp.",
                    ],
                    [u.id for u in signers],
                ),
            )
            for user in signers:
                actor = Actor(
                    user.id, user.username, user.full_name, user.role, user.organization_id,
                    user.language, "screenshot",
                )  # fmt: skip
                await signing.sign_next(svc, actor, doc.id)
            pdf_path = data_dir / "bien-ban.pdf"
            async with svc.db.reading() as session:
                from ecabinet.models import SigningDocument

                pdf_path.write_bytes((await session.get(SigningDocument, doc.id)).pdf)
            base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                context = await browser.new_context(
                    base_url=base_url, viewport={"width": 1280, "height": 800}, locale="vi-VN"
                )
                page = await context.new_page()
                await page.goto("/login")
                await page.fill("input[name=username]", "thuky")
                await page.fill("input[name=password]", passwords["thuky"])
                await page.click("button.primary")
                await page.wait_for_url(f"{base_url}/**")
                await page.goto("/verify")
                await page.set_input_files("input[name=file]", str(pdf_path))
                await page.click("button.primary")
                await page.wait_for_selector("[data-summary]")
                await page.screenshot(path=str(args.out), full_page=True)
                print(f"wrote {args.out}")
                await browser.close()
            if args.stamps:
                await asyncio.to_thread(render_stamps, pdf_path, args.stamps)
                print(f"wrote {args.stamps}")
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--stamps", type=Path)
    asyncio.run(main(parser.parse_args()))
