"""The dashboard on a fixture of five organizations at three levels: counts per state and the
on-time rate (done by the deadline / due), checked against values worked out by hand."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.schemas.tasks import ProgressIn
from ecabinet.services import tasks

from ..conftest import World, api_login, bearer
from ..governance import actor
from .helpers import Orgs, ended_meeting, grow, plan, publish_with_tasks


async def fixture(world: World, clock: FrozenClock) -> tuple[Orgs, dict[str, int]]:
    """Twelve tasks made at T0; the clock ends at T0 + 10 days.

    | task | assignee     | deadline | what happens            | state at T0+10 |
    |------|--------------|----------|-------------------------|----------------|
    | A1   | Bộ Y tế      | +5       | done at +2              | done           |
    | A2   | Bộ Y tế      | +5       | done at +7              | done_late      |
    | A3   | Bộ Y tế      | +20      | 30 % at +2              | in_progress    |
    | A4   | Bộ Y tế      | +5       | nothing                 | overdue        |
    | B1   | Bộ Tài chính | +5       | done at +2              | done           |
    | B2   | Bộ Tài chính | +30      | nothing                 | assigned       |
    | C1   | Tỉnh Nghệ An | +5       | nothing                 | overdue        |
    | C2   | Tỉnh Nghệ An | +5       | 50 % at +2              | overdue        |
    | C3   | Tỉnh Nghệ An | +20      | done at +2 (early)      | done           |
    | D1   | Tỉnh Hà Tĩnh | +5       | done at +7              | done_late      |
    | E1   | Huyện Nam Đàn| +5       | done at +2              | done           |
    | E2   | Huyện Nam Đàn| +5       | nothing                 | overdue        |
    """
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    t0 = clock.now()
    spec = [
        ("A1", orgs.ministry, 5),
        ("A2", orgs.ministry, 5),
        ("A3", orgs.ministry, 20),
        ("A4", orgs.ministry, 5),
        ("B1", orgs.ministry2, 5),
        ("B2", orgs.ministry2, 30),
        ("C1", orgs.province, 5),
        ("C2", orgs.province, 5),
        ("C3", orgs.province, 20),
        ("D1", orgs.province2, 5),
        ("E1", orgs.district, 5),
        ("E2", orgs.district, 5),
    ]
    notice = await publish_with_tasks(
        world, s, [[plan(name, org, t0 + timedelta(days=d)) for name, org, d in spec]]
    )
    ids = {t.title: t.id for t in notice.conclusions[0].tasks}
    reporter = {
        orgs.ministry: "botruong",
        orgs.ministry2: "taichinh",
        orgs.province: "chuyenvien",
        orgs.province2: "hatinh",
        orgs.district: "huyen",
    }
    org_of = {name: org for name, org, _ in spec}

    async def report(name: str, percent: int, done: bool = False) -> None:
        who = actor(world, reporter[org_of[name]])
        data = ProgressIn(note=name, percent=percent, done=done)
        await tasks.report_progress(world.svc, who, ids[name], data)

    clock.advance(days=2)
    for name in ("A1", "B1", "C3", "E1"):
        await report(name, 100, done=True)
    await report("A3", 30)
    await report("C2", 50)
    clock.advance(days=5)
    for name in ("A2", "D1"):
        await report(name, 100, done=True)
    clock.advance(days=3)
    return orgs, ids


def tally(row: dict) -> tuple:
    c = row["counts"]
    return (
        c["assigned"],
        c["in_progress"],
        c["overdue"],
        c["done"],
        c["done_late"],
        row["total"],
        row["due"],
        row["on_time"],
        row["on_time_rate"],
    )


async def test_counts_and_on_time_rates_by_organization_and_level(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    await fixture(world, clock)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.get("/api/tasks/dashboard", headers=secretary)
    assert resp.status == 200, await resp.text()
    board = await resp.json()
    #                     assigned in_progress overdue done done_late total due on_time rate
    assert tally(board["total"]) == (1, 1, 4, 4, 2, 12, 10, 4, 0.4)
    assert {r["key"]: tally(r) for r in board["by_level"]} == {
        "ministry": (1, 1, 1, 2, 1, 6, 4, 2, 0.5),
        "province": (0, 0, 2, 1, 1, 4, 4, 1, 0.25),
        "district": (0, 0, 1, 1, 0, 2, 2, 1, 0.5),
    }
    assert [r["key"] for r in board["by_level"]] == ["ministry", "province", "district"]
    assert {r["name"]: tally(r) for r in board["by_organization"]} == {
        "Bộ Y tế": (0, 1, 1, 1, 1, 4, 3, 1, 0.3333),
        "Bộ Tài chính": (1, 0, 0, 1, 0, 2, 1, 1, 1.0),
        "Tỉnh Nghệ An": (0, 0, 2, 1, 0, 3, 3, 1, 0.3333),
        "Tỉnh Hà Tĩnh": (0, 0, 0, 0, 1, 1, 1, 0, 0.0),
        "Huyện Nam Đàn": (0, 0, 1, 1, 0, 2, 2, 1, 0.5),
    }


async def test_filters_narrow_the_dashboard_and_the_list(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    orgs, ids = await fixture(world, clock)
    secretary = bearer(await api_login(client, "thuky"))
    board = await (
        await client.get("/api/tasks/dashboard?level=province", headers=secretary)
    ).json()
    assert tally(board["total"]) == (0, 0, 2, 1, 1, 4, 4, 1, 0.25)
    board = await (
        await client.get(f"/api/tasks/dashboard?organization_id={orgs.ministry}", headers=secretary)
    ).json()
    assert tally(board["total"]) == (0, 1, 1, 1, 1, 4, 3, 1, 0.3333)
    # deadlines T0+5 are 28/11 local; T0+20 and +30 are later
    listed = await (
        await client.get("/api/tasks?due_from=2026-12-01&limit=100", headers=secretary)
    ).json()
    assert sorted(t["title"] for t in listed["items"]) == ["A3", "B2", "C3"]
    listed = await (await client.get("/api/tasks?status=done_late", headers=secretary)).json()
    assert sorted(t["title"] for t in listed["items"]) == ["A2", "D1"]
    listed = await (await client.get("/api/tasks?limit=5&offset=10", headers=secretary)).json()
    assert (listed["total"], len(listed["items"]), listed["offset"]) == (12, 2, 10)
    first = await (await client.get("/api/tasks?limit=10", headers=secretary)).json()
    assert {t["id"] for t in first["items"]} | {t["id"] for t in listed["items"]} == set(
        ids.values()
    )
    resp = await client.get("/api/tasks?status=late", headers=secretary)
    assert (resp.status, (await resp.json())["error"]["code"]) == (422, "invalid_filter")
    other = await (await client.get("/api/tasks?meeting_id=999", headers=secretary)).json()
    assert other["total"] == 0


async def test_each_organization_sees_its_own_and_its_subtree(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    await fixture(world, clock)
    province = bearer(await api_login(client, "chuyenvien"))
    board = await (await client.get("/api/tasks/dashboard", headers=province)).json()
    assert [r["name"] for r in board["by_organization"]] == ["Tỉnh Nghệ An", "Huyện Nam Đàn"]
    assert tally(board["total"]) == (0, 0, 3, 2, 0, 5, 5, 2, 0.4)
    district = bearer(await api_login(client, "huyen"))
    listed = await (await client.get("/api/tasks", headers=district)).json()
    assert sorted(t["title"] for t in listed["items"]) == ["E1", "E2"]
    ministry = bearer(await api_login(client, "botruong"))
    board = await (await client.get("/api/tasks/dashboard", headers=ministry)).json()
    assert [r["name"] for r in board["by_organization"]] == ["Bộ Y tế"]
