"""Who sees what (no IDOR): tasks by organization and subtree, co-operating organizations read
but do not report, notices by standing in the meeting, drafts for the secretaries only."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock

from ..conftest import World, api_login, bearer
from ..documents.pdfs import make_pdf
from ..scheduling import outbox
from .helpers import ended_meeting, grow, plan, publish_with_tasks


async def setup(world: World, clock: FrozenClock) -> tuple[int, int, int, int]:
    """A published notice with a ministry task (the district co-operating) and a province task;
    then a second draft. Returns (notice, ministry task, province task, draft)."""
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    due = clock.now() + timedelta(days=10)
    notice = await publish_with_tasks(
        world,
        s,
        [
            [plan("Bộ làm", orgs.ministry, due, orgs.district)],
            [plan("Tỉnh làm", orgs.province, due)],
        ],
    )
    from ecabinet.schemas.tasks import NoticeIn
    from ecabinet.services import conclusions

    from ..governance import actor

    draft = await conclusions.create_draft(
        world.svc, actor(world, "thuky"), s.meeting_id, NoticeIn(supersedes_id=notice.id)
    )
    ministry_task = notice.conclusions[0].tasks[0].id
    province_task = notice.conclusions[1].tasks[0].id
    return notice.id, ministry_task, province_task, draft.id


async def code(resp) -> tuple[int, str]:
    body = await resp.json() if resp.status != 204 else {}
    return resp.status, body.get("error", {}).get("code", "")


async def test_another_organization_cannot_see_or_touch_a_task(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    _, ministry_task, province_task, _ = await setup(world, clock)
    member = bearer(await api_login(client, "botruong"))
    form = FormData()
    form.add_field("percent", "10")
    form.add_field("file", make_pdf("x", pages=1), filename="x.pdf")
    resp = await client.post(f"/api/tasks/{ministry_task}/progress", data=form, headers=member)
    attachment = (await resp.json())["progress"][0]["attachments"][0]["id"]

    other = bearer(await api_login(client, "taichinh"))  # Bộ Tài chính: nothing to do with it
    for method, path, body in (
        ("GET", f"/api/tasks/{ministry_task}", None),
        ("POST", f"/api/tasks/{ministry_task}/progress", {"percent": 50}),
        ("PATCH", f"/api/tasks/{ministry_task}", {"title": "x"}),
        ("GET", f"/api/tasks/{ministry_task}/attachments/{attachment}", None),
    ):
        resp = await client.request(method, path, json=body, headers=other)
        assert await code(resp) == (404, "task_not_found"), (method, path)
    listed = await (await client.get("/api/tasks", headers=other)).json()
    assert listed["total"] == 0
    # an attachment is reached only through its own task
    resp = await client.get(
        f"/api/tasks/{province_task}/attachments/{attachment}",
        headers=bearer(await api_login(client, "chuyenvien")),
    )
    assert await code(resp) == (404, "attachment_not_found")


async def test_cooperating_and_parent_organizations_read_but_only_the_assignee_reports(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    _, ministry_task, province_task, _ = await setup(world, clock)
    district = bearer(await api_login(client, "huyen"))  # co-operates on the ministry task
    resp = await client.get(f"/api/tasks/{ministry_task}", headers=district)
    assert resp.status == 200 and (await resp.json())["can_report"] is False
    resp = await client.post(
        f"/api/tasks/{ministry_task}/progress", json={"percent": 10}, headers=district
    )
    assert await code(resp) == (403, "not_assignee")
    assert await code(await client.get(f"/api/tasks/{province_task}", headers=district)) == (
        404,
        "task_not_found",
    )
    province = bearer(await api_login(client, "chuyenvien"))  # the district's parent
    resp = await client.get(f"/api/tasks/{ministry_task}", headers=province)
    assert resp.status == 200  # its district co-operates on it
    resp = await client.post(
        f"/api/tasks/{ministry_task}/progress", json={"percent": 10}, headers=province
    )
    assert await code(resp) == (403, "not_assignee")
    mine = await (await client.get(f"/api/tasks/{province_task}", headers=province)).json()
    assert mine["can_report"] is True and mine["can_edit"] is False


async def test_only_the_meetings_secretary_changes_a_task(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    _, ministry_task, _, _ = await setup(world, clock)
    member = bearer(await api_login(client, "botruong"))
    resp = await client.patch(f"/api/tasks/{ministry_task}", json={"title": "x"}, headers=member)
    assert await code(resp) == (403, "secretary_only")
    secretary = bearer(await api_login(client, "thuky"))
    new = (clock.now() + timedelta(days=20)).isoformat()
    resp = await client.patch(
        f"/api/tasks/{ministry_task}", json={"deadline": new}, headers=secretary
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["deadline"].startswith(new[:16])

    # adding a co-operating organization tells its users (once); those already on it hear nothing
    def told() -> list[str]:
        return sorted(m.to_address for m in mails if m.purpose == "task_cooperating")

    mails = await outbox(world)
    assert told() == ["huyen@chinhphu.vn"]  # the district, when the task was published
    orgs = {
        "district": world["huyen"].organization_id,
        "ministry2": world["taichinh"].organization_id,
    }
    for _ in range(2):
        resp = await client.patch(
            f"/api/tasks/{ministry_task}",
            json={"cooperating_ids": [orgs["district"], orgs["ministry2"]]},
            headers=secretary,
        )
        assert resp.status == 200, await resp.text()
    mails = await outbox(world)
    assert told() == ["huyen@chinhphu.vn", "taichinh@chinhphu.vn"]


async def test_notices_follow_the_meeting_and_drafts_are_for_secretaries(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    notice, _, _, draft = await setup(world, clock)
    participant = bearer(await api_login(client, "daibieu"))
    assert (await client.get(f"/api/conclusions/{notice}", headers=participant)).status == 200
    assert await code(await client.get(f"/api/conclusions/{draft}", headers=participant)) == (
        404,
        "notice_not_found",
    )
    resp = await client.patch(
        f"/api/conclusions/{notice}", json={"title": "x"}, headers=participant
    )
    assert await code(resp) == (403, "secretary_only")
    resp = await client.post(f"/api/conclusions/{draft}/publish", headers=participant)
    assert await code(resp) == (404, "notice_not_found")
    resp = await client.delete(f"/api/conclusions/{draft}", headers=participant)
    assert await code(resp) == (404, "notice_not_found")
    meeting_id = (
        await (await client.get(f"/api/conclusions/{notice}", headers=participant)).json()
    )["meeting_id"]
    resp = await client.post(
        f"/api/meetings/{meeting_id}/conclusions", json={}, headers=participant
    )
    assert await code(resp) == (403, "secretary_only")
    listed = await (
        await client.get(f"/api/meetings/{meeting_id}/conclusions", headers=participant)
    ).json()
    assert [n["id"] for n in listed] == [notice]

    # a province user: their organization is invited (the endpoint) → reads the published notice
    province = bearer(await api_login(client, "chuyenvien"))
    assert (await client.get(f"/api/conclusions/{notice}/pdf", headers=province)).status == 200
    # Hà Tĩnh: neither invited nor given a task → nothing
    outsider = bearer(await api_login(client, "hatinh"))
    for path in (
        f"/api/conclusions/{notice}",
        f"/api/conclusions/{notice}/pdf",
        f"/api/meetings/{meeting_id}/conclusions",
    ):
        assert (await client.get(path, headers=outsider)).status == 404, path
    resp = await client.post(f"/api/meetings/{meeting_id}/conclusions", json={}, headers=outsider)
    assert await code(resp) == (404, "meeting_not_found")
