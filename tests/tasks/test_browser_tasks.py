"""The conclusions editor and the progress form in a real headless Chromium against the live app:
the secretary composes the notice from the recorded conclusions, adds a task, saves, publishes;
the assignee reports progress with a picture. Runs once on its own SQLite database."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from PIL import Image
from playwright.async_api import Page, async_playwright, expect

from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Language, OrganizationLevel, Role
from ecabinet.schemas.agenda import AgendaItemIn
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.schemas.governance import ConclusionIn
from ecabinet.schemas.meetings import MeetingIn
from ecabinet.services import agenda, directory, meetings, pki, session, task_dashboard
from ecabinet.services.actor import Actor
from ecabinet.services.context import Services
from ecabinet.web.appkeys import services_key
from tests.signing.conftest import CA_PASSPHRASE

from ..browser import HEADLESS_ARGS, chromium_path

pytestmark = pytest.mark.browser
SECRET = "browser-test-secret-key-that-is-long-enough-42"
PASSWORD = "correct horse battery"


@dataclass
class Live:
    url: str
    svc: Services
    meeting_id: int
    actors: dict[str, Actor]


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"
    upgrade(url)
    return url


async def _directory(svc: Services) -> dict[str, Actor]:
    gov = await directory.create_organization(
        svc, None, OrganizationIn(slug="vpcp", name="VPCP", level=OrganizationLevel.GOVERNMENT)
    )
    ministry = await directory.create_organization(
        svc,
        None,
        OrganizationIn(
            slug="bo-y-te", name="Bộ Y tế", level=OrganizationLevel.MINISTRY, parent_id=gov.id
        ),
    )
    actors = {}
    for username, role, org in (
        ("thuky", Role.SECRETARY, gov.id),
        ("botruong", Role.MEMBER, ministry.id),
    ):
        user, _ = await directory.create_user(
            svc,
            None,
            UserIn(
                username=username,
                full_name=username.title(),
                role=role,
                organization_id=org,
                password=PASSWORD,
                language=Language.EN,
            ),
        )
        actors[username] = Actor(user.id, username, username, role, org, Language.EN, "t")
    return actors


@pytest.fixture
async def live(migrated: str, tmp_path: Path) -> AsyncIterator[Live]:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=migrated,
        secret_key=SECRET,
        ca_passphrase=CA_PASSPHRASE,  # the notice is signed by the secretary who publishes it
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        svc = app[services_key]
        actors = await _directory(svc)
        await pki.issue_certificate(svc, None, actors["thuky"].user_id)
        data = MeetingIn.model_validate(
            {
                "title": "Phiên họp thường kỳ",
                "starts_at": "2026-12-03T09:00:00+07:00",
                "ends_at": "2026-12-03T11:00:00+07:00",
                "mode": "online",
                "participants": [{"username": "botruong", "role": "chair"}],
            },
            strict=False,
        )
        meeting = (await meetings.create_meeting(svc, actors["thuky"], data)).meeting
        item = await agenda.add_item(
            svc, actors["thuky"], meeting.id, AgendaItemIn(title="Tờ trình")
        )
        chair = actors["botruong"]
        await session.start(svc, chair, meeting.id)
        await session.conclude(
            svc, chair, meeting.id, item.id, ConclusionIn(text="Thống nhất thông qua Tờ trình.")
        )
        await session.end(svc, chair, meeting.id)
        yield Live(f"http://127.0.0.1:{runner.addresses[0][1]}", svc, meeting.id, actors)
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser_page(live: Live) -> AsyncIterator[Page]:
    executable = chromium_path()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=HEADLESS_ARGS)
        try:
            context = await browser.new_context(base_url=live.url)
            context.set_default_timeout(30_000)
            yield await context.new_page()
        finally:
            await browser.close()


async def login(page: Page, username: str) -> None:
    await page.context.clear_cookies()
    await page.goto("/login")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button").last.click()
    await page.wait_for_url(lambda u: "/login" not in u)


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 160)).save(buf, format="PNG")
    return buf.getvalue()


async def test_compose_publish_and_report_in_the_browser(browser_page: Page, live: Live) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    await login(page, "thuky")
    await page.goto(f"/meetings/{live.meeting_id}/conclusions")
    await page.get_by_role("button", name="Compose the conclusions notice").click()
    editor = page.locator("form[data-notice-editor]")
    await expect(editor).to_be_visible()
    conclusion = editor.locator("[data-conclusion]").first
    await expect(conclusion.locator("textarea")).to_have_value("Thống nhất thông qua Tờ trình.")
    await conclusion.get_by_role("button", name="Add a task").click()
    task = conclusion.locator("[data-task]")
    await task.locator('[data-field="title"]').fill("Hoàn thiện hồ sơ")
    await task.locator('[data-field="assignee_id"]').select_option(label="Bộ Y tế")
    await task.locator('[data-field="deadline"]').fill("2027-06-30T17:00")
    async with page.expect_response(lambda r: "/api/conclusions/" in r.url) as saved:
        await editor.get_by_role("button", name="Save the draft").click()
    assert (await saved.value).status == 200, await (await saved.value).text()
    await expect(page.locator('[data-field="title"]').first).to_have_value("Hoàn thiện hồ sơ")
    page.once("dialog", lambda d: d.accept())
    async with page.expect_response(lambda r: r.url.endswith("/publish")) as published:
        await page.get_by_role("button", name="Publish the notice").click()
    assert (await published.value).status == 200
    link = page.get_by_role("link", name="Hoàn thiện hồ sơ")
    await expect(link).to_be_visible()
    task_url = await link.get_attribute("href")

    await login(page, "botruong")
    await page.goto(task_url or "/tasks")
    form = page.locator("form[data-progress]")
    await form.locator("textarea[name=note]").fill("Đã gửi dự thảo")
    await form.locator("input[name=percent]").fill("60")
    await form.locator("input[name=file]").set_input_files(
        {"name": "anh.png", "mimeType": "image/png", "buffer": png()}
    )
    async with page.expect_response(lambda r: r.url.endswith("/progress")) as sent:
        await form.get_by_role("button", name="Send the report").click()
    assert (await sent.value).status == 201, await (await sent.value).text()
    await expect(page.get_by_role("link", name="anh.png")).to_be_visible()
    listed = await task_dashboard.list_tasks(
        live.svc, live.actors["botruong"], task_dashboard.TaskFilter()
    )
    [only] = listed.items
    assert (only.title, only.percent, only.state) == ("Hoàn thiện hồ sơ", 60, "in_progress")
    assert only.deadline.isoformat() == "2027-06-30T10:00:00+00:00"  # 17:00 in Hà Nội
    assert not errors, errors
