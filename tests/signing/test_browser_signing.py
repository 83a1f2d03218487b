"""Issue 21 item 3 in a real headless Chromium: on an installation as ``make run`` leaves it (no
ECABINET_CA_PASSPHRASE, no debug, ``seed-demo``), the demo secretary signs the minutes from the
page, confirming with her password; the PDF then holds her valid, trusted signature."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from ecabinet.app import create_app
from ecabinet.config import CA_PASSPHRASE_FILE, Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Meeting, User
from ecabinet.schemas.minutes import ApproveIn, ReviewIn
from ecabinet.services import minutes, minutes_signing, seed, session, verification
from ecabinet.services.actor import Actor
from ecabinet.web.appkeys import services_key

from ..browser import launch, serving

pytestmark = pytest.mark.browser
NEW_PASSWORD = "mật khẩu mới của thư ký 2026"


def _actor(user: User) -> Actor:
    return Actor(
        user.id, user.username, user.full_name, user.role, user.organization_id, user.language, "t"
    )


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"
    upgrade(url)
    return url


async def test_a_demo_signer_signs_the_minutes_from_the_page_out_of_the_box(
    tmp_path: Path, migrated: str
):
    url = migrated
    app = create_app(Settings(data_dir=tmp_path / "var", database_url=url))  # as `make run`
    async with serving(app) as base_url:
        svc = app[services_key]
        assert stat.S_IMODE((tmp_path / "var" / CA_PASSPHRASE_FILE).stat().st_mode) == 0o600
        seeded = {u.username: u.password for u in await seed.seed_demo(svc)}
        async with svc.db.reading() as db:
            users = {u.username: u for u in await db.scalars(select(User))}
            meeting = await db.scalar(
                select(Meeting).where(Meeting.title.like("Họp trực tuyến%")).limit(1)
            )
        assert meeting is not None
        secretary, chair = _actor(users["thuky"]), _actor(users["thutuong"])
        await session.start(svc, chair, meeting.id)
        await session.end(svc, chair, meeting.id)
        view = await minutes.create(svc, secretary, meeting.id)
        await minutes.send_for_review(
            svc, secretary, view.id, ReviewIn(reviewer_ids=[chair.user_id])
        )
        await minutes_signing.approve(svc, secretary, view.id, ApproveIn(version=1))

        async with launch() as browser:
            context = await browser.new_context(base_url=base_url)
            context.set_default_timeout(30_000)
            page = await context.new_page()
            await page.goto("/login")
            await page.locator("input[name=username]").fill("thuky")
            await page.locator("input[name=password]").fill(seeded["thuky"])
            await page.locator("form button").last.click()
            await page.wait_for_url("**/account/password**")  # a generated password is replaced
            await page.locator("input[name=current]").fill(seeded["thuky"])
            await page.locator("input[name=new]").fill(NEW_PASSWORD)
            await page.locator("input[name=again]").fill(NEW_PASSWORD)
            await page.locator("form button.primary").click()
            await page.wait_for_url(lambda u: "/account/password" not in u)

            await page.goto(f"/minutes/{view.id}")
            await page.get_by_role("link", name="Ký ngay").first.click()
            await page.wait_for_url(f"**/minutes/{view.id}/sign")
            form = page.locator("form[action$='/sign']")
            await form.locator("input[name=password]").fill("không phải mật khẩu")
            await form.get_by_role("button", name="Ký ngay").click()
            alert = page.locator("p.alert.error")
            await alert.wait_for()
            assert "Mật khẩu không đúng; văn bản chưa được ký." in await alert.inner_text()
            form = page.locator("form[action$='/sign']")
            await form.locator("input[name=password]").fill(NEW_PASSWORD)
            await form.get_by_role("button", name="Ký ngay").click()
            await page.wait_for_url("**notice=signed")
            assert "Bạn chưa có chứng thư số" not in await page.content()

        found = await minutes_signing.pdf(svc, secretary, view.id)
        report = await verification.verify(svc, found.data)
        assert len(report.signatures) == 1 and report.all_valid
        assert report.signatures[0].signer == users["thuky"].full_name
