"""The home page's "to do" list (việc cần làm): invitations to answer, minutes to review, minutes
to sign when it is one's turn, the organization's tasks due within a week — each count the number
its own page shows; the Prime Minister is labelled by position; the task counts on home are the
dashboard's."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, User
from ecabinet.schemas.meetings import MeetingIn
from ecabinet.schemas.minutes import ApproveIn, ReviewIn
from ecabinet.services import meetings, minutes, minutes_signing, session

from ..conftest import World
from ..tasks.helpers import plan, publish_with_tasks
from ..test_csrf_and_cookies import browser_login
from .session_record import give_certificates, held_session


def todo_counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-todo="(\w+)">(\d+)<', html)}


def dashboard_total(html: str) -> list[int]:
    row = re.search(r'<tr class="total">(.*?)</tr>', html, re.S)
    assert row is not None
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", row.group(1))]


async def home_of(client: TestClient, username: str) -> str:
    await browser_login(client, username)
    return await (await client.get("/")).text()


async def test_home_lists_what_waits_and_agrees_with_each_page(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    async with world.svc.db.transaction() as db:
        await db.execute(update(User).values(language=Language.VI))
        await db.execute(
            update(User).where(User.username == "botruong").values(title="Thủ tướng Chính phủ")
        )
    held = await held_session(world, clock)  # botruong chairs, daibieu; two items concluded
    await give_certificates(world, ["thuky", "daibieu", "botruong"])
    secretary = held.actor("thuky")
    await session.end(world.svc, held.actor("botruong"), held.meeting_id)
    now = clock.now()
    await publish_with_tasks(
        world,
        held.s,
        [
            [plan("Trình dự thảo Nghị định", world.ministry, now + timedelta(days=3))],
            [
                plan("Báo cáo sơ kết", world.ministry, now + timedelta(days=1)),
                plan("Tổng kết năm", world.ministry, now + timedelta(days=40)),
                plan("Việc của tỉnh", world.province, now + timedelta(days=2)),
            ],
        ],
    )
    clock.advance(days=2)  # "Báo cáo sơ kết" is overdue now, "Trình dự thảo" due tomorrow
    invited = await meetings.create_meeting(  # a coming meeting botruong has not answered
        world.svc,
        secretary,
        MeetingIn.model_validate(
            {
                "title": "Họp chuyên đề về chuyển đổi số",
                "starts_at": "2026-12-10T09:00:00+07:00",
                "ends_at": "2026-12-10T11:00:00+07:00",
                "mode": "in_person",
                "participants": [{"username": "botruong", "role": "chair"}],
            },
            strict=False,
        ),
    )
    mid = (await minutes.create(world.svc, secretary, held.meeting_id)).id
    await minutes.send_for_review(
        world.svc,
        secretary,
        mid,
        ReviewIn(reviewer_ids=[world["daibieu"].id, world["botruong"].id]),
    )

    html = await home_of(client, "botruong")
    assert "<small>Thủ tướng Chính phủ</small>" in html  # the position, not "thành viên"
    assert "Việc cần làm" in html
    counts = todo_counts(html)
    assert counts == {"answers": 1, "review": 1, "tasks": 2}
    assert f'href="/meetings/{invited.meeting.id}"' in html
    assert f'href="/minutes/{mid}"' in html
    assert "Trình dự thảo Nghị định" in html and "Báo cáo sơ kết" in html
    assert "Tổng kết năm" not in html and "Việc của tỉnh" not in html
    # the tasks link opens the tasks page on the same filter: the same number
    link = unescape(re.search(r'href="(/tasks\?[^"]+)" data-todo-link="tasks"', html).group(1))
    listed = await (await client.get(link)).text()
    assert re.search(r"\(\s*2\s*\)</small>", listed), link
    # the follow-up card's numbers are the dashboard's
    home_states = {s: int(n) for s, n in re.findall(r'data-state="(\w+)">(\d+)<', html)}
    total = dashboard_total(await (await client.get("/tasks")).text())
    assert [home_states["assigned"], home_states["in_progress"], home_states["overdue"]] == total[
        :3
    ]
    assert home_states == {"assigned": 2, "in_progress": 0, "overdue": 1}

    # the meeting page asks for the same answer the to-do lists
    page = await (await client.get(f"/meetings/{invited.meeting.id}")).text()
    assert "<h2>Trả lời của đồng chí</h2>" in page

    await minutes_signing.approve(
        world.svc,
        secretary,
        mid,
        ApproveIn(version=1, signer_ids=[world["daibieu"].id, world["botruong"].id]),
    )
    assert "sign" not in todo_counts(await home_of(client, "botruong"))  # not his turn yet
    counts = todo_counts(await home_of(client, "daibieu"))
    assert counts.get("sign") == 1 and "review" not in counts
    await minutes_signing.sign(world.svc, held.actor("daibieu"), mid)
    html = await home_of(client, "botruong")
    assert todo_counts(html).get("sign") == 1 and f'href="/minutes/{mid}/sign"' in html
    assert "review" not in todo_counts(html)
