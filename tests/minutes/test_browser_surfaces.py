"""Acceptance, in real Chromium at 1366×768: the documents page fits the width; checkboxes are
drawn at their size beside their text (the audit log's "verify", a reviewer's "request changes");
the tasks dashboard filters by a meeting picked by its title; the audit log names people and
shows no escapes."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, User

from ..browser import launch, logged_in
from ..conftest import PASSWORD, World
from .test_every_page_translated import _everything

pytestmark = pytest.mark.browser


async def test_developer_surfaces_read_as_a_user_expects(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    ids = await _everything(client, world, clock)
    async with world.svc.db.transaction() as db:
        await db.execute(update(User).values(language=Language.VI))
    m = ids["meeting"]
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        context, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.set_viewport_size({"width": 1366, "height": 768})
        await page.goto(f"/meetings/{m}/documents")
        width = await page.evaluate("document.documentElement.scrollWidth")
        wide = await page.evaluate(  # what sticks out, to say why if it fails
            "[...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > innerWidth)"
            ".map(e => `${e.tagName}.${e.className}`).slice(0, 10)"
        )
        assert width <= 1366, (width, wide)

        await page.goto(f"/meetings/{m}/audit")
        audit = page.locator("table")
        await expect(audit).to_contain_text("Thuky")  # a name, not a number
        assert "\\u" not in await audit.inner_text()

        await page.goto("/tasks")
        meeting = page.locator("select[name=meeting_id]")
        await meeting.select_option(label="03/12/2026 · Phiên họp Chính phủ thường kỳ")
        await page.get_by_role("button", name="Lọc").click()
        await page.wait_for_url(f"**/tasks?*meeting_id={m}*")
        await expect(page.locator("table").last).to_contain_text("Hoàn thiện hồ sơ dự án Luật")

        _, admin = await logged_in(browser, base, "admin", PASSWORD)
        await admin.goto("/admin/audit")
        box = await admin.get_by_label("Kiểm tra chuỗi băm").bounding_box()
        assert box is not None and box["width"] <= 24 and box["height"] <= 24, box
        await context.close()
