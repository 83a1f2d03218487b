"""Acceptance (issue 21, item 6): tablet layouts at 820×1180 (an iPad Air held upright).

The reader's toolbar is one row (compact: what does not fit scrolls inside the bar, not the
page), and the follow-up tasks dashboard does not overflow the page sideways; at the desktop
size nothing changes for either.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Page

from ..browser import launch, logged_in
from ..conftest import PASSWORD
from .conftest import Meeting, upload_document

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}
NO_SIDEWAYS = "() => document.scrollingElement.scrollWidth <= innerWidth"
ONE_ROW = (
    "() => { const tops = [...document.querySelector('.reader-bar').children]"
    ".filter((c) => c.offsetParent !== null).map((c) => c.getBoundingClientRect().top);"
    " return Math.max(...tops) - Math.min(...tops) < 12; }"
)


async def overflowing(page: Page) -> list[str]:
    """The elements reaching past the right edge of the window (for the failure message)."""
    return await page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter((e) =>"
        " e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.scroll-x'))"
        ".slice(0, 8).map((e) => e.tagName + '.' + e.className)"
    )


async def test_the_reader_toolbar_and_the_dashboard_fit_a_tablet(
    client: TestClient, meeting: Meeting
) -> None:
    document_id = await upload_document(client, meeting.id)
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.set_viewport_size(TABLET)
        await page.goto(f"/documents/{document_id}/read")
        await page.wait_for_function("() => document.querySelector('#page-count')")
        assert await page.evaluate(ONE_ROW), "the reader's toolbar wraps onto several rows"
        assert await page.evaluate(NO_SIDEWAYS), await overflowing(page)

        await page.goto("/tasks")
        assert await page.evaluate(NO_SIDEWAYS), await overflowing(page)
        # In Vietnamese (longer words) as well, with the organizations' table open.
        await page.locator("button[name=language][value=vi]").click()
        await page.wait_for_url("**/tasks")
        await page.locator("details summary").first.click()
        assert await page.evaluate(NO_SIDEWAYS), await overflowing(page)
        await page.goto(f"/documents/{document_id}/read")
        await page.wait_for_function("() => document.querySelector('#page-count')")
        assert await page.evaluate(ONE_ROW), "the reader's toolbar wraps onto several rows (vi)"
        assert await page.evaluate(NO_SIDEWAYS), await overflowing(page)
