"""The pages: a meeting's conclusions (the secretary's editor, the participants' reading), the
task list with the dashboard, a task with its report form, the meeting's audit log; in Vietnamese
and English, linked from the meeting page, the navigation and home, with no inline script."""

from __future__ import annotations

import re
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, User

from ..conftest import World
from ..test_csrf_and_cookies import browser_login
from .helpers import ended_meeting, grow, plan, publish_with_tasks

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style|\sstyle=", re.I)


async def page(client: TestClient, path: str, status: int = 200) -> str:
    resp = await client.get(path)
    html = await resp.text()
    assert resp.status == status, html[:2000]
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html), path
    return html


async def vietnamese(world: World, username: str) -> None:
    async with world.svc.db.transaction() as db:
        await db.execute(update(User).where(User.username == username).values(language=Language.VI))


async def test_secretary_and_participant_pages(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    notice = await publish_with_tasks(
        world, s, [[plan("Hoàn thiện dự thảo", orgs.ministry, clock.now() + timedelta(days=5))]]
    )
    task_id = notice.conclusions[0].tasks[0].id

    await browser_login(client, "thuky")
    html = await page(client, f"/meetings/{s.meeting_id}")
    assert f"/meetings/{s.meeting_id}/conclusions" in html
    assert f"/meetings/{s.meeting_id}/audit" in html
    html = await page(client, f"/meetings/{s.meeting_id}/conclusions")
    assert "Hoàn thiện dự thảo" in html and "Correct the published notice" in html
    assert f"/api/conclusions/{notice.id}/pdf" in html and "js/tasks.js" in html
    html = await page(client, f"/meetings/{s.meeting_id}/audit")
    assert 'data-chain="intact"' in html and "conclusions.publish" in html
    html = await page(client, "/tasks")
    assert 'href="/tasks"' in html  # the navigation
    assert "Hoàn thiện dự thảo" in html and 'data-level="ministry"' in html
    html = await page(client, "/")
    assert "data-tasks-summary" in html and "Open the tasks" in html

    await vietnamese(world, "botruong")
    await browser_login(client, "botruong")
    html = await page(client, f"/tasks/{task_id}")
    assert "Báo cáo tiến độ" in html and "Hạn hoàn thành" in html and "Đã giao" in html
    assert 'data-progress="' in html and "data-task-edit" not in html
    html = await page(client, f"/meetings/{s.meeting_id}/conclusions")
    assert "Ban hành" in html and "Soạn thông báo kết luận" not in html
    resp = await client.get(f"/conclusions/{notice.id}", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/meetings/{s.meeting_id}/conclusions#notice-{notice.id}"
    await page(client, f"/meetings/{s.meeting_id}/audit", status=403)

    await browser_login(client, "hatinh")  # no standing in this meeting, no task
    await page(client, f"/tasks/{task_id}", status=404)
    await page(client, f"/meetings/{s.meeting_id}/conclusions", status=404)


async def test_secretary_sees_the_draft_editor(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    await grow(world)
    s = await ended_meeting(world, items=2)
    await browser_login(client, "thuky")
    html = await page(client, f"/meetings/{s.meeting_id}/conclusions")
    assert f'data-api="POST /api/meetings/{s.meeting_id}/conclusions"' in html
    from ecabinet.schemas.tasks import NoticeIn
    from ecabinet.services import conclusions

    from ..governance import actor

    draft = await conclusions.create_draft(
        world.svc, actor(world, "thuky"), s.meeting_id, NoticeIn()
    )
    html = await page(client, f"/meetings/{s.meeting_id}/conclusions")
    assert f'data-notice-editor="{draft.id}"' in html
    assert html.count("data-conclusion>") == 2 + 1  # two conclusions and the template
    assert "Kết luận nội dung 2" in html
    assert f'data-api="POST /api/conclusions/{draft.id}/publish"' in html
