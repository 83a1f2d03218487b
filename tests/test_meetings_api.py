"""Scheduling meetings through the JSON API: create, read, change, cancel, who sees what."""

from __future__ import annotations

from datetime import datetime

from ecabinet.models import Role

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare


async def _create(client, headers, **overrides):
    resp = await client.post("/api/meetings", json=meeting_body(**overrides), headers=headers)
    return resp.status, await resp.json()


async def test_secretary_schedules_a_meeting_and_each_participant_gets_an_invitation(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    status, meeting = await _create(client, headers)
    assert status == 201, meeting
    assert meeting["status"] == "scheduled"
    assert meeting["sequence"] == 0
    assert meeting["chair_id"] == world["botruong"].id
    assert meeting["secretary_id"] == world["thuky"].id
    assert meeting["time_zone"] == "Asia/Ho_Chi_Minh"
    assert datetime.fromisoformat(meeting["starts_at"]) == datetime.fromisoformat(
        "2026-12-03T02:00:00+00:00"
    )
    assert datetime.fromisoformat(meeting["starts_at"]).utcoffset() is not None
    assert {(p["username"], p["role"], p["rsvp"]) for p in meeting["participants"]} == {
        ("botruong", "chair", "needs_action"),
        ("daibieu", "member", "needs_action"),
    }
    mails = await outbox(world)
    assert sorted(m.to_address for m in mails) == [
        "botruong@chinhphu.vn",
        "daibieu@chinhphu.vn",
    ]
    assert {m.ics_method for m in mails} == {"REQUEST"}
    assert all(m.purpose == "invitation" and m.meeting_id == meeting["id"] for m in mails)


async def test_a_draft_sends_nothing_until_it_is_scheduled(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    status, meeting = await _create(client, headers, status="draft")
    assert status == 201
    assert await outbox(world) == []
    member = bearer(await api_login(client, "botruong"))
    assert (await client.get(f"/api/meetings/{meeting['id']}", headers=member)).status == 404
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"status": "scheduled"}, headers=headers
    )
    assert resp.status == 200
    assert len(await outbox(world)) == 2
    assert (await client.get(f"/api/meetings/{meeting['id']}", headers=member)).status == 200


async def test_naive_times_are_refused(client, world):
    headers = bearer(await api_login(client, "thuky"))
    status, body = await _create(client, headers, starts_at="2026-12-03T09:00:00")
    assert status == 422
    assert body["error"]["code"] == "validation_failed"
    resp = await client.get(
        "/api/meetings?from=2026-12-01T00:00:00&to=2026-12-31T00:00:00+07:00", headers=headers
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "naive_time"


async def test_end_before_start_and_unknown_people_are_refused(client, world):
    headers = bearer(await api_login(client, "thuky"))
    status, _ = await _create(client, headers, ends_at="2026-12-03T08:00:00+07:00")
    assert status == 422
    status, body = await _create(
        client, headers, participants=[{"username": "nobody", "role": "member"}]
    )
    assert status == 422
    assert body["error"]["code"] == "unknown_participant"
    status, body = await _create(
        client,
        headers,
        participants=[{"username": "botruong", "role": "chair"}, {"username": "botruong"}],
    )
    assert status == 422
    assert body["error"]["code"] == "duplicate_participant"
    status, body = await _create(client, headers, time_zone="Mars/Olympus")
    assert status == 422


async def test_a_member_cannot_schedule(client, world):
    headers = bearer(await api_login(client, "botruong"))
    status, body = await _create(client, headers)
    assert status == 403
    assert body["error"]["code"] == "permission_denied"


async def test_a_delegate_cannot_read_a_meeting_they_are_not_invited_to(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary, participants=[{"username": "botruong"}])
    outsider = bearer(await api_login(client, "daibieu"))
    for path in ("", "/participants", "/invitation.ics"):
        resp = await client.get(f"/api/meetings/{meeting['id']}{path}", headers=outsider)
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "meeting_not_found"
    missing = await client.get("/api/meetings/999999", headers=outsider)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "meeting_not_found"
    resp = await client.post(
        f"/api/meetings/{meeting['id']}/rsvp", json={"answer": "accepted"}, headers=outsider
    )
    assert resp.status == 404
    listed = await client.get(
        "/api/meetings?from=2026-12-01T00:00:00%2B07:00&to=2026-12-31T00:00:00%2B07:00",
        headers=outsider,
    )
    assert await listed.json() == []
    invited = bearer(await api_login(client, "botruong"))
    assert (await client.get(f"/api/meetings/{meeting['id']}", headers=invited)).status == 200


async def test_a_secretary_of_another_organization_neither_sees_nor_edits(client, world):
    await prepare(world)
    await world.add_user("thuky-yte", Role.SECRETARY, world.ministry)
    _, meeting = await _create(client, bearer(await api_login(client, "thuky")))
    other = bearer(await api_login(client, "thuky-yte"))
    assert (await client.get(f"/api/meetings/{meeting['id']}", headers=other)).status == 404
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"title": "Hijacked"}, headers=other
    )
    assert resp.status == 404
    assert (await client.delete(f"/api/meetings/{meeting['id']}", headers=other)).status == 404


async def test_a_participant_may_read_but_not_change_the_meeting(client, world):
    await prepare(world)
    _, meeting = await _create(client, bearer(await api_login(client, "thuky")))
    member = bearer(await api_login(client, "botruong"))
    resp = await client.get(f"/api/meetings/{meeting['id']}", headers=member)
    assert (await resp.json())["can_edit"] is False
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"title": "Mine now"}, headers=member
    )
    assert resp.status == 403


async def test_list_returns_my_meetings_in_the_range_only(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    await _create(client, secretary)
    await _create(
        client,
        secretary,
        title="January",
        starts_at="2027-01-07T09:00:00+07:00",
        ends_at="2027-01-07T11:00:00+07:00",
    )
    member = bearer(await api_login(client, "botruong"))
    resp = await client.get(
        "/api/meetings?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z", headers=member
    )
    assert resp.status == 200
    assert [m["title"] for m in await resp.json()] == ["Phiên họp Chính phủ thường kỳ tháng 12"]
    resp = await client.get(
        "/api/meetings?from=2027-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", headers=member
    )
    assert resp.status == 422


async def test_moving_a_meeting_raises_sequence_and_tells_everyone(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}",
        json={"starts_at": "2026-12-03T14:00:00+07:00"},
        headers=secretary,
    )
    assert resp.status == 200, await resp.text()
    moved = await resp.json()
    assert moved["sequence"] == 1
    assert datetime.fromisoformat(moved["ends_at"]) == datetime.fromisoformat(
        "2026-12-03T16:30:00+07:00"
    ), "moving the start keeps the duration"
    assert moved["ical_uid"] == meeting["ical_uid"]
    updates = [m for m in await outbox(world) if m.purpose == "update"]
    assert sorted(m.to_address for m in updates) == ["botruong@chinhphu.vn", "daibieu@chinhphu.vn"]
    assert all("SEQUENCE:1" in m.ics for m in updates)


async def test_a_patch_that_changes_nothing_sends_nothing(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"title": meeting["title"]}, headers=secretary
    )
    assert (await resp.json())["sequence"] == 0
    assert [m.purpose for m in await outbox(world)] == ["invitation", "invitation"]


async def test_changing_participants_invites_the_new_and_cancels_for_the_removed(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}",
        json={"participants": [{"username": "botruong", "role": "chair"}, {"username": "admin"}]},
        headers=secretary,
    )
    assert resp.status == 200
    body = await resp.json()
    assert {p["username"] for p in body["participants"]} == {"botruong", "admin"}
    assert body["sequence"] == 1
    mails = [(m.purpose, m.to_address, m.ics_method) for m in (await outbox(world))[2:]]
    assert sorted(mails) == [
        ("cancellation", "daibieu@chinhphu.vn", "CANCEL"),
        ("invitation", "admin@chinhphu.vn", "REQUEST"),
        ("update", "botruong@chinhphu.vn", "REQUEST"),  # who stays hears of the new list
    ]


async def test_cancelling_sends_cancel_to_everyone_and_is_final(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    resp = await client.delete(f"/api/meetings/{meeting['id']}", headers=secretary)
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "cancelled"
    assert body["sequence"] == 1
    cancels = [m for m in await outbox(world) if m.purpose == "cancellation"]
    assert len(cancels) == 2
    assert all("STATUS:CANCELLED" in m.ics and "METHOD:CANCEL" in m.ics for m in cancels)
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}", json={"status": "scheduled"}, headers=secretary
    )
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "invalid_transition"


async def test_status_moves_forward_only(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    path = f"/api/meetings/{meeting['id']}"
    for status in ("in_progress", "ended", "closed"):
        resp = await client.patch(path, json={"status": status}, headers=secretary)
        assert resp.status == 200, status
    resp = await client.patch(path, json={"status": "in_progress"}, headers=secretary)
    assert resp.status == 409


async def test_every_meeting_action_is_audited(client, world):
    from sqlalchemy import select

    from ecabinet.models import AuditEvent

    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    await client.delete(f"/api/meetings/{meeting['id']}", headers=secretary)
    async with world.svc.db.reading() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.subject_type == "meeting")
            )
        )
    assert actions == ["meeting.create", "meeting.cancel"]


async def test_inviting_one_more_participant_invites_them_and_updates_the_others(client, world):
    sched = await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    _, meeting = await _create(client, secretary)
    resp = await client.post(
        f"/api/meetings/{meeting['id']}/participants",
        json={"endpoint": sched.endpoint_id, "role": "observer"},
        headers=secretary,
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["sequence"] == 1, "the attendee list changed (RFC 5546 §2.1.4)"
    assert len(body["participants"]) == 3
    new = (await outbox(world))[2:]
    assert sorted((m.purpose, m.to_address) for m in new) == [
        ("invitation", "vanhanh@chinhphu.vn"),
        ("update", "botruong@chinhphu.vn"),
        ("update", "daibieu@chinhphu.vn"),
    ]
    listed = await client.get(f"/api/meetings/{meeting['id']}/participants", headers=secretary)
    assert {p["endpoint_name"] for p in await listed.json()} == {None, "Điểm cầu UBND tỉnh Nghệ An"}


async def test_the_meeting_api_is_in_the_openapi_document(client):
    spec = await (await client.get("/api/openapi.json")).json()
    for path in (
        "/api/meetings",
        "/api/meetings/{id}",
        "/api/meetings/{id}/participants",
        "/api/meetings/{id}/rsvp",
        "/api/meetings/{id}/invitation.ics",
        "/api/series",
    ):
        assert any(p.replace(":\\d+", "") == path for p in spec["paths"]), path
