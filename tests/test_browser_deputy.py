"""Acceptance, in real Chromium: a member delegates a meeting to a deputy picked from a search of
their organization (a combobox: typing searches without tone marks, the arrow keys and Enter
pick), and the deputy is invited; a name that finds nobody is an error in the page, in Vietnamese,
drawn as an error."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect
from sqlalchemy import update

from ecabinet.models import Language, User

from .axe import check
from .browser import launch, logged_in
from .conftest import PASSWORD, World
from .test_deputies import people

pytestmark = pytest.mark.browser


async def test_a_member_picks_a_deputy_from_the_search(client: TestClient, world: World) -> None:
    meeting_id = await people(world)
    async with world.svc.db.transaction() as session:
        await session.execute(update(User).values(language=Language.VI))
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "daibieu", PASSWORD)
        await page.goto(f"/meetings/{meeting_id}")
        await page.get_by_text("Cử người dự thay (ủy quyền)").click()
        # first a name nobody of the ministry has: an error, in the page, in Vietnamese
        deputy = page.get_by_role("combobox", name="Người dự thay")
        await deputy.fill("Trần Quốc")
        await expect(page.locator(".combo-count")).to_have_text(
            "Không có ai trong cơ quan khớp với từ đã gõ."
        )
        await page.get_by_label("Lý do").fill("Đi công tác")
        await page.get_by_role("button", name="Ủy quyền").click()
        alert = page.get_by_role("alert")
        await expect(alert).to_have_text(
            "Không tìm thấy người nào trong cơ quan của đồng chí có tên như vậy."
        )
        await check(page, "a refused delegation")
        colour = await alert.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(253, 236, 234)"  # the error red, not the success green

        await deputy.fill("nguyen van")
        options = page.get_by_role("listbox").get_by_role("option")
        await expect(options).to_have_count(2)
        await check(page, "the deputy picker, open")
        await expect(options.first).to_contain_text("Nguyễn Văn An")
        await expect(deputy).to_have_attribute("aria-expanded", "true")
        await deputy.press("ArrowDown")
        await deputy.press("ArrowDown")
        await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        await expect(deputy).to_have_attribute(
            "aria-activedescendant", await options.nth(1).get_attribute("id")
        )
        await deputy.press("Enter")
        await expect(deputy).to_have_value("Nguyễn Văn Thứ")
        await expect(page.get_by_role("listbox")).to_be_hidden()
        await page.get_by_label("Lý do").fill("Đi công tác")
        await page.get_by_role("button", name="Ủy quyền").click()
        await page.wait_for_url("**/meetings/*?notice=answered")
        await expect(page.get_by_role("status")).to_have_text("Đã ghi nhận trả lời.")
        await expect(page.locator("table")).to_contain_text("Nguyễn Văn Thứ")
        assert await page.evaluate("window.__csp") == []
