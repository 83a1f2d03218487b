"""Double-booking a chair, a member, an endpoint or a room answers 409 unless confirmed."""

from __future__ import annotations

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare

OVERLAP = {"starts_at": "2026-12-03T10:00:00+07:00", "ends_at": "2026-12-03T12:00:00+07:00"}


async def _post(client, headers, **overrides):
    resp = await client.post("/api/meetings", json=meeting_body(**overrides), headers=headers)
    return resp.status, await resp.json()


async def test_double_booking_the_chair_lists_the_conflicting_meeting(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    _, first = await _post(client, headers)
    status, body = await _post(
        client,
        headers,
        title="Họp chuyên đề",
        room="Phòng B",
        participants=[{"username": "botruong", "role": "chair"}],
        **OVERLAP,
    )
    assert status == 409
    assert body["error"]["code"] == "scheduling_conflict"
    conflicts = body["error"]["details"]["conflicts"]
    assert [c["meeting_id"] for c in conflicts] == [first["id"]]
    assert conflicts[0]["reasons"] == ["user:botruong"]
    assert len(await outbox(world)) == 2, "a refused meeting sends nothing"


async def test_confirming_schedules_despite_the_conflict(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    await _post(client, headers)
    status, body = await _post(client, headers, confirm_conflicts=True, **OVERLAP)
    assert status == 201, body


async def test_room_and_endpoint_double_bookings_are_conflicts(client, world):
    sched = await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    status, first = await _post(
        client,
        headers,
        participants=[{"endpoint": sched.endpoint_id, "role": "member"}],
    )
    assert status == 201, first
    status, body = await _post(
        client,
        headers,
        participants=[{"endpoint": sched.endpoint_id, "role": "observer"}],
        **OVERLAP,
    )
    assert status == 409
    assert body["error"]["details"]["conflicts"][0]["reasons"] == [
        "endpoint:nghe-an-ubnd",
        "room:Phòng họp A, VPCP",
    ]


async def test_online_meetings_do_not_book_the_room(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    await _post(client, headers, participants=[])
    status, _ = await _post(client, headers, participants=[], mode="online", **OVERLAP)
    assert status == 201


async def test_back_to_back_meetings_do_not_conflict(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    await _post(client, headers)
    status, body = await _post(
        client,
        headers,
        starts_at="2026-12-03T11:30:00+07:00",
        ends_at="2026-12-03T12:30:00+07:00",
    )
    assert status == 201, body


async def test_cancelled_and_declined_bookings_free_the_slot(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, first = await _post(client, secretary, room="")
    member = bearer(await api_login(client, "daibieu"))
    resp = await client.post(
        f"/api/meetings/{first['id']}/rsvp", json={"answer": "declined"}, headers=member
    )
    assert resp.status == 200
    status, _ = await _post(
        client, secretary, room="", participants=[{"username": "daibieu"}], **OVERLAP
    )
    assert status == 201
    status, _ = await _post(
        client, secretary, room="", participants=[{"username": "botruong"}], **OVERLAP
    )
    assert status == 409
    await client.delete(f"/api/meetings/{first['id']}", headers=secretary)
    status, _ = await _post(
        client, secretary, room="", participants=[{"username": "botruong"}], **OVERLAP
    )
    assert status == 201


async def test_moving_a_meeting_onto_another_is_a_conflict(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    await _post(client, secretary)
    _, second = await _post(
        client,
        secretary,
        starts_at="2026-12-04T09:00:00+07:00",
        ends_at="2026-12-04T10:00:00+07:00",
    )
    path = f"/api/meetings/{second['id']}"
    resp = await client.patch(path, json=OVERLAP, headers=secretary)
    assert resp.status == 409
    assert (await client.get(path, headers=secretary)).status == 200
    unchanged = await (await client.get(path, headers=secretary)).json()
    assert unchanged["sequence"] == 0, "a refused change leaves the meeting as it was"
    resp = await client.patch(path, json={**OVERLAP, "confirm_conflicts": True}, headers=secretary)
    assert resp.status == 200
    # Changing only the title of a meeting that already overlaps does not re-ask.
    resp = await client.patch(path, json={"title": "Renamed"}, headers=secretary)
    assert resp.status == 200


async def test_two_secretaries_booking_the_same_chair_at_once_get_one_meeting(client, world):
    import asyncio

    from ecabinet.models import Role

    await prepare(world)
    await world.add_user("thuky2", Role.SECRETARY, world.government)
    first = bearer(await api_login(client, "thuky"))
    second = bearer(await api_login(client, "thuky2"))
    body = meeting_body(participants=[{"username": "botruong", "role": "chair"}], room="")
    responses = await asyncio.gather(
        client.post("/api/meetings", json=body, headers=first),
        client.post("/api/meetings", json=body, headers=second),
    )
    assert sorted(r.status for r in responses) == [201, 409]
