"""Issue 21 item 12, in real Chromium: the minutes editor shows one labelled field per "## "
section of the draft; editing one section and saving makes a version whose text changed in
that section only; the raw text stays one toggle away."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, User
from ecabinet.services import minutes

from ..axe import check
from ..browser import launch, logged_in
from ..conftest import PASSWORD, World
from .session_record import held_session

pytestmark = pytest.mark.browser


def _by_section(text: str) -> dict[str, str]:
    """The text of each "## " section (the lines before the first one under "")."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("## "):
            current = line[3:]
            out[current] = []
        else:
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


async def test_editing_one_section_changes_that_section_only(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    secretary = held.actor("thuky")
    view = await minutes.create(world.svc, secretary, held.meeting_id)
    first = await minutes.version(world.svc, secretary, view.id, 1)
    top = [line[3:] for line in first.content.split("\n") if line.startswith("## ")]
    assert len(top) >= 3, top  # attendance, the agenda items, the conclusions…
    async with world.svc.db.transaction() as db:
        await db.execute(update(User).values(language=Language.VI))
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        context, page = await logged_in(browser, base, "thuky", PASSWORD)
        await page.goto(f"/minutes/{view.id}")
        await expect(page.get_by_label("Nội dung biên bản", exact=True)).to_be_hidden()
        for heading in top:  # one labelled field per section
            await expect(page.get_by_label(heading, exact=True)).to_be_visible()
        await check(page, "the structured minutes editor")
        second = page.get_by_label(top[1], exact=True)
        await second.press("Control+End")
        await second.type("\nBổ sung ý kiến của Bộ trưởng Bộ Tài chính.")
        await page.get_by_label("Ghi chú").fill("Sửa theo từng mục")
        await page.get_by_role("button", name="Lưu thành phiên bản mới").click()
        await expect(page.locator(".minutes-text h2")).to_contain_text("Phiên bản 2")

        await page.get_by_role("button", name="Sửa văn bản gốc").click()
        raw = page.get_by_label("Nội dung biên bản", exact=True)
        await expect(raw).to_be_visible()
        await expect(page.get_by_label(top[0], exact=True)).to_be_hidden()
        await page.get_by_role("button", name="Sửa theo từng mục").click()
        await expect(page.get_by_label(top[0], exact=True)).to_be_visible()
        await context.close()

    latest = await minutes.version(world.svc, secretary, view.id, 2)
    before, after = _by_section(first.content), _by_section(latest.content)
    assert after.keys() == before.keys()
    changed = [k for k in before if before[k] != after[k]]
    assert changed == [top[1]], changed
    assert after[top[1]].startswith(before[top[1]])
    assert after[top[1]].endswith("\nBổ sung ý kiến của Bộ trưởng Bộ Tài chính.")
