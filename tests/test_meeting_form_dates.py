"""Issue 21 item 9 (the date part): the meeting form takes dates as Vietnamese users write them,
dd/mm/yyyy, with a 24-hour time beside them; the server reads them into the same time as the
former datetime-local field; the edit form shows them back that way; a date that does not exist
is a 422 with the text kept, never a 500."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from ecabinet.web.form_dates import local_value

from .axe import check
from .browser import launch, logged_in
from .conftest import PASSWORD, World
from .scheduling import prepare
from .test_meeting_pages import _schedule, browser_login

PARTS = {
    "starts_at": "",
    "ends_at": "",
    "starts_at_date": "3/12/2026",
    "starts_at_time": "14:00",
    "ends_at_date": "03/12/2026",
    "ends_at_time": "16:30",
}


def test_the_parts_read_into_the_local_value_the_api_takes() -> None:
    assert local_value(
        {"starts_at_date": "03/12/2026", "starts_at_time": "09:05"}, "starts_at"
    ) == ("2026-12-03T09:05")
    assert local_value({"starts_at": "2026-12-03T14:00"}, "starts_at") == "2026-12-03T14:00"
    assert local_value({"x_date": "31/02/2026", "x_time": "09:00"}, "x") == "31/02/2026 09:00"
    assert local_value({"x_date": "12/31/2026", "x_time": "09:00"}, "x") == "12/31/2026 09:00"


async def test_the_form_schedules_with_day_month_year_and_shows_them_back(client, world) -> None:
    await prepare(world)
    await browser_login(client, "thuky")
    form = (await client.get("/meetings/new")).text
    html = await form()
    assert 'name="starts_at_date"' in html and 'type="datetime-local"' not in html
    assert 'placeholder="ngày/tháng/năm"' in html
    status, location, body = await _schedule(client, **PARTS)
    assert status == 303, body
    page = await (await client.get(location)).text()
    assert "14:00–16:30, 03/12/2026" in page
    meeting_id = re.search(r"/meetings/(\d+)", location)
    assert meeting_id
    edit = await (await client.get(f"/meetings/{meeting_id[1]}/edit")).text()
    assert 'name="starts_at_date"' in edit and 'value="03/12/2026"' in edit
    assert 'name="ends_at_time" required value="16:30"' in edit


async def test_a_date_that_does_not_exist_is_refused_in_the_page(client, world) -> None:
    await prepare(world)
    await browser_login(client, "thuky")
    status, _, body = await _schedule(client, **{**PARTS, "starts_at_date": "31/02/2026"})
    assert status == 422, body
    assert 'value="31/02/2026"' in body  # what was typed stays for correction


@pytest.mark.browser
async def test_the_secretary_types_the_date_day_first_in_chromium(
    client: TestClient, world: World
) -> None:
    await prepare(world)
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.goto("/meetings/new")
        await check(page, "the meeting form")
        form = page.locator("#meeting-form")
        await form.locator("input[name=title]").fill("Họp giao ban tháng 12")
        await form.locator("input[name=starts_at_date]").fill("04/12/2026")
        await form.locator("input[name=starts_at_time]").fill("08:30")
        await form.locator("input[name=ends_at_date]").fill("04/12/2026")
        await form.locator("input[name=ends_at_time]").fill("10:00")
        await expect(page.locator("#live-conflicts")).to_contain_text("Nobody")
        await form.locator("button.primary").click()
        await page.wait_for_url(re.compile(r".*/meetings/\d+(\?.*)?$"))
        await expect(page.locator("main")).to_contain_text("08:30–10:00, 04/12/2026")
        # an ISO or dashed date is not what the field takes: the browser says so before posting
        await page.goto("/meetings/new")
        wrong = page.locator("input[name=starts_at_date]")
        await wrong.fill("2026-12-31")
        assert not await wrong.evaluate("e => e.checkValidity()")
