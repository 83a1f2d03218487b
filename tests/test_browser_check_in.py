"""Acceptance, in real Chromium: in a hybrid meeting the secretary checks people in at the hall
on the attendance page (a correction to "present in person" through the attendance API); the
quorum follows at once and after a reload; unticking goes back to what the room recorded. A
member sees the attendance but no check-in, and an online meeting has none."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect
from sqlalchemy import update

from ecabinet.models import Language, User

from .axe import check
from .browser import launch, logged_in
from .conftest import PASSWORD, World
from .governance import make_session

pytestmark = pytest.mark.browser


async def test_the_secretary_checks_members_in_at_the_hall(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=1)  # hybrid: botruong chairs, daibieu
    async with world.svc.db.transaction() as session:
        await session.execute(update(User).values(language=Language.VI))
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.goto(f"/meetings/{s.meeting_id}/attendance")
        quorum = page.locator("#quorum-line")
        await expect(quorum).to_have_text("Chưa đủ số thành viên: 0/2 (cần 2)")
        check_in = page.get_by_role("region", name="Điểm danh tại hội trường")
        chair = check_in.get_by_role("checkbox", name="Botruong")
        member = check_in.get_by_role("checkbox", name="Daibieu")
        await chair.check()
        await expect(page.get_by_role("status")).to_have_text(
            "Đã điểm danh tại hội trường: Botruong"
        )
        await member.check()
        await expect(quorum).to_have_text("Đủ số thành viên: 2/2 (cần 2)")
        row = page.locator(f'#attendance-table tr[data-participant="{s.people["daibieu"]}"]')
        await expect(row).to_contain_text("Có mặt tại phòng họp")
        await expect(row).to_contain_text("Thư ký xác nhận")

        await page.reload()
        await expect(quorum).to_have_text("Đủ số thành viên: 2/2 (cần 2)")
        await expect(member).to_be_checked()
        await member.uncheck()
        await expect(quorum).to_have_text("Chưa đủ số thành viên: 1/2 (cần 2)")
        await expect(row).to_contain_text("Vắng mặt")
        await expect(page.get_by_role("status")).to_have_text("Đã bỏ điểm danh: Daibieu")
        await page.reload()
        await expect(member).not_to_be_checked()
        await check(page, "attendance with the check-in")
        assert await page.evaluate("window.__csp") == []

        _, reader = await logged_in(browser, base, "daibieu", PASSWORD)
        await reader.goto(f"/meetings/{s.meeting_id}/attendance")
        await expect(reader.locator("#quorum-line")).to_have_text(
            "Chưa đủ số thành viên: 1/2 (cần 2)"
        )
        await expect(reader.get_by_role("checkbox")).to_have_count(0)
