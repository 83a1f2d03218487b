"""Issue 21 item 10 in real Chromium: the agenda builder names a presenter (a person and/or an
organization), edits an item, shows each item's planned start in the meeting's time, and says
so when the agenda is published."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from .browser import launch, logged_in
from .conftest import PASSWORD, World, api_login, bearer
from .scheduling import meeting_body, prepare

pytestmark = pytest.mark.browser


async def test_the_secretary_builds_edits_and_publishes_the_agenda(
    client: TestClient, world: World
) -> None:
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=headers)  # 09:00
    meeting_id = (await resp.json())["id"]
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.goto(f"/meetings/{meeting_id}/agenda")
        add = page.locator("#agenda-add")
        for title, presenter, minutes in (
            ("Dự thảo Luật Dữ liệu", "Botruong", "30"),
            ("Tình hình kinh tế - xã hội", "", "20"),
        ):
            await add.locator("input[name=title]").fill(title)
            if presenter:
                await add.locator("select[name=presenter_user_id]").select_option(label=presenter)
            await add.locator("input[name=planned_minutes]").fill(minutes)
            await add.get_by_role("button", name="Add").click()
            await expect(page.locator(".agenda-item", has_text=title)).to_be_visible()
        items = page.locator(".agenda-item")
        await expect(items.nth(0)).to_contain_text("09:00")
        await expect(items.nth(0)).to_contain_text("Botruong")
        await expect(items.nth(1)).to_contain_text("09:30")

        first = items.nth(0)
        await first.locator("summary", has_text="Edit the item").click()
        edit = first.locator("form.js-edit")
        await edit.locator("input[name=planned_minutes]").fill("45")
        await edit.locator("select[name=presenter_organization_id]").select_option(label="Bộ Y tế")
        await edit.get_by_role("button", name="Save").click()
        await expect(page.locator(".agenda-item").nth(1)).to_contain_text("09:45")
        await expect(page.locator(".agenda-item").nth(0)).to_contain_text("Bộ Y tế")
        await expect(page.locator(".card p.muted").first).to_contain_text("planned end 10:05")

        await page.locator("#agenda-publish").click()
        await expect(page.locator("[data-agenda-notice]")).to_contain_text(
            "The agenda is published (version 1); the participants are notified."
        )
        assert await page.evaluate("window.__csp") == []

    agenda = await (await client.get(f"/api/meetings/{meeting_id}/agenda", headers=headers)).json()
    first_item = agenda["items"][0]
    assert first_item["planned_minutes"] == 45
    assert first_item["presenter_organization_id"] == world.ministry
    assert first_item["presenter_user_id"] == world["botruong"].id
