"""axe-core (critical and serious) over the page states a secretary and a member go through:
home with its to-do, the meeting page and its delegation form, the documents page with its
upload form, attendance with the check-in, the tasks page, the minutes editor, the diff view and
the audit log."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, User

from ..axe import check
from ..browser import launch, logged_in
from ..conftest import PASSWORD, World
from .test_every_page_translated import _everything

pytestmark = pytest.mark.browser


async def test_the_pages_have_no_critical_or_serious_accessibility_violation(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    ids = await _everything(client, world, clock)
    async with world.svc.db.transaction() as db:
        await db.execute(update(User).values(language=Language.VI))
    m, mid = ids["meeting"], ids["minutes"]
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, page = await logged_in(browser, base, "thuky", PASSWORD)
        for path in (
            "/",
            f"/meetings/{m}",
            f"/meetings/{m}/documents",
            f"/meetings/{m}/agenda",
            f"/meetings/{m}/attendance",
            f"/meetings/{m}/conclusions",
            f"/meetings/{m}/audit",
            f"/minutes/{mid}",
            f"/minutes/{mid}/diff?from=1&to=2",
            "/tasks",
            "/admin/audit" if False else "/verify",
        ):
            await page.goto(path)
            await check(page, path)
        _, member = await logged_in(browser, base, "botruong", PASSWORD)
        for path in ("/", f"/minutes/{mid}", f"/tasks/{ids['task']}", "/ballots"):
            await member.goto(path)
            await check(member, path)
