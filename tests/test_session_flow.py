"""A session end to end over the API: positions and the consent agenda, the floor with its timer,
attendance recorded, declared and corrected, the current item and conclusions, the version."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.services import attendance

from .conftest import World, api_login, bearer
from .governance import make_session


async def test_positions_make_the_consent_agenda_and_seed_the_queues(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=3)
    one, two, three = s.items
    member = bearer(await api_login(client, "daibieu"))
    chair = bearer(await api_login(client, "botruong"))
    secretary = bearer(await api_login(client, "thuky"))
    base = f"/api/meetings/{s.meeting_id}"
    for item, position in ((one, "no_objection"), (two, "objection"), (three, "wish_to_speak")):
        resp = await client.put(
            f"{base}/positions/{item}",
            json={"position": position, "note": "ý kiến"},
            headers=member,
        )
        assert resp.status == 200, await resp.text()
    await client.put(f"{base}/positions/{one}", json={"position": "no_objection"}, headers=chair)
    mine = await resp.json()
    assert mine["items"][0]["entries"] == []  # a member sees counts, not others' positions
    seen = await (await client.get(f"{base}/positions", headers=secretary)).json()
    assert seen["consent_item_ids"] == [one]
    assert [e["position"] for e in seen["items"][1]["entries"]] == ["objection"]

    started = await (await client.post(f"{base}/session/start", headers=chair)).json()
    assert started["status"] == "in_progress"
    queue = started["floor"]["queue"]
    assert [(q["agenda_item_id"], q["origin"]) for q in queue] == [
        (two, "position"),
        (three, "position"),
    ]
    resp = await client.put(
        f"{base}/positions/{one}", json={"position": "objection"}, headers=member
    )
    assert (await resp.json())["error"]["code"] == "positions_closed"

    adopted = await (await client.post(f"{base}/session/consent", headers=chair)).json()
    by_id = {i["id"]: i for i in adopted["items"]}
    assert by_id[one]["status"] == "concluded" and by_id[one]["by_consent"]
    assert by_id[two]["status"] == "pending"
    resp = await client.post(f"{base}/session/consent", headers=chair)
    assert resp.status == 409


async def test_the_chair_runs_the_floor_with_a_timer(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    base = f"/api/meetings/{s.meeting_id}"
    chair = bearer(await api_login(client, "botruong"))
    member = bearer(await api_login(client, "daibieu"))
    operator = bearer(await api_login(client, "vanhanh"))
    await client.post(f"{base}/session/start", headers=chair)
    resp = await client.post(
        f"{base}/floor/requests", json={"agenda_item_id": s.items[0]}, headers=member
    )
    assert resp.status == 201, await resp.text()
    again = await client.post(
        f"{base}/floor/requests", json={"agenda_item_id": s.items[0]}, headers=member
    )
    assert (await again.json())["error"]["code"] == "already_requested"
    resp = await client.post(
        f"{base}/floor/requests",
        json={
            "endpoint_participant_id": s.people["endpoint"],
            "note": "Tỉnh Nghệ An xin phát biểu",
        },
        headers=operator,
    )
    queue = (await resp.json())["queue"]
    assert [q["participant_id"] for q in queue] == [s.people["daibieu"], s.people["endpoint"]]
    first, second = (q["id"] for q in queue)
    # only the chair grants
    refused = await client.post(f"{base}/floor/requests/{first}/grant", json={}, headers=member)
    assert refused.status == 403
    floor = await (
        await client.post(
            f"{base}/floor/requests/{first}/grant", json={"planned_seconds": 120}, headers=chair
        )
    ).json()
    assert floor["speaking"]["participant_id"] == s.people["daibieu"]
    clock.advance(seconds=150)
    floor = await (await client.get(f"{base}/floor", headers=member)).json()
    assert floor["speaking"]["elapsed_seconds"] == 150 and floor["speaking"]["overtime"]
    # granting the next ends the current speech
    floor = await (
        await client.post(f"{base}/floor/requests/{second}/grant", json={}, headers=chair)
    ).json()
    assert floor["speaking"]["participant_id"] == s.people["endpoint"]
    floor = await (
        await client.post(f"{base}/floor/requests/{second}/revoke", headers=chair)
    ).json()
    assert floor["speaking"] is None and floor["queue"] == []


async def test_attendance_recorded_declared_and_corrected_gives_the_quorum(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    base = f"/api/meetings/{s.meeting_id}"
    secretary = bearer(await api_login(client, "thuky"))
    operator = bearer(await api_login(client, "vanhanh"))
    view = await (await client.get(f"{base}/attendance", headers=secretary)).json()
    assert view["quorum"] == {"members": 2, "counted": 0, "required": 2, "reached": False}
    await attendance.joined(world.svc, s.meeting_id, user_id=world["botruong"].id)
    clock.advance(minutes=8)
    await attendance.joined(world.svc, s.meeting_id, endpoint_id=s.endpoint_id)
    resp = await client.put(
        f"{base}/attendance/room",
        json={
            "endpoint_participant_id": s.people["endpoint"],
            "headcount": 12,
            "present_participant_ids": [s.people["daibieu"]],
        },
        headers=operator,
    )
    assert resp.status == 200, await resp.text()
    view = await resp.json()
    rows = {r["participant_id"]: r for r in view["rows"]}
    assert rows[s.people["daibieu"]]["status"] == "present_in_person"
    assert rows[s.people["botruong"]]["status"] == "present_online"
    assert view["quorum"]["reached"] is True
    clock.advance(minutes=4)
    await attendance.left(world.svc, s.meeting_id, user_id=world["botruong"].id)
    view = await attendance.get(world.svc, _actor(world), s.meeting_id)
    chair_row = next(r for r in view.rows if r.participant_id == s.people["botruong"])
    assert chair_row.status == "absent" and chair_row.online_seconds == 12 * 60
    assert view.quorum.reached is False
    resp = await client.post(
        f"{base}/attendance/corrections",
        json={
            "participant_id": s.people["botruong"],
            "status": "present_in_person",
            "note": "Có mặt tại phòng họp",
        },
        headers=secretary,
    )
    assert (await resp.json())["quorum"]["reached"] is True
    # an operator cannot correct, nor declare for a room they do not run
    resp = await client.post(
        f"{base}/attendance/corrections",
        json={"participant_id": s.people["botruong"], "status": "absent"},
        headers=operator,
    )
    assert resp.status == 403
    member = bearer(await api_login(client, "daibieu"))
    resp = await client.put(
        f"{base}/attendance/room",
        json={"endpoint_participant_id": s.people["endpoint"], "headcount": 1},
        headers=member,
    )
    assert (await resp.json())["error"]["code"] == "not_operator"


def _actor(world: World):  # type: ignore[no-untyped-def]
    from .governance import actor

    return actor(world, "thuky")


async def test_the_chair_moves_through_items_and_concludes_them(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=2)
    base = f"/api/meetings/{s.meeting_id}"
    chair = bearer(await api_login(client, "botruong"))
    member = bearer(await api_login(client, "daibieu"))
    before = await (await client.get(f"{base}/session", headers=member)).json()
    resp = await client.post(
        f"{base}/session/current-item", json={"agenda_item_id": s.items[1]}, headers=chair
    )
    assert (await resp.json())["error"]["code"] == "session_not_started"
    await client.post(f"{base}/session/start", headers=chair)
    state = await (
        await client.post(
            f"{base}/session/current-item", json={"agenda_item_id": s.items[1]}, headers=chair
        )
    ).json()
    assert state["current_item_id"] == s.items[1]
    assert state["version"] > before["version"]
    state = await (
        await client.put(
            f"{base}/session/items/{s.items[1]}/conclusion",
            json={"text": "Chính phủ thống nhất thông qua."},
            headers=chair,
        )
    ).json()
    item = next(i for i in state["items"] if i["id"] == s.items[1])
    assert item["status"] == "concluded" and item["conclusion"] == "Chính phủ thống nhất thông qua."
    seen = await (await client.get(f"{base}/session", headers=member)).json()
    assert seen["current_item_id"] == s.items[1] and seen["version"] == state["version"]
    assert seen["attendance"]["rows"] == []  # members see the quorum, not the roll
    resp = await client.post(
        f"{base}/session/current-item", json={"agenda_item_id": 999999}, headers=chair
    )
    assert (await resp.json())["error"]["code"] == "unknown_agenda_item"


async def test_a_stranger_sees_nothing_of_a_session(client: TestClient, world: World) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    await world.add_user("nguoila", world["botruong"].role, world.province)
    stranger = bearer(await api_login(client, "nguoila"))
    base = f"/api/meetings/{s.meeting_id}"
    for path in ("session", "attendance", "floor", "positions", "motions"):
        assert (await client.get(f"{base}/{path}", headers=stranger)).status == 404
    resp = await client.post(f"{base}/floor/requests", json={}, headers=stranger)
    assert resp.status == 404
