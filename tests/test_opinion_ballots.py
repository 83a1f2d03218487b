"""Written opinion ballots: sending, answering, reminders before the deadline, closing with a
summary, and late answers refused, all on the controllable clock."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.services import opinion_ballots

from .conftest import World, api_login, bearer
from .scheduling import outbox, prepare

DEADLINE = "2026-11-25T17:00:00+07:00"  # 10:00 UTC, 56 hours after the frozen clock


def ballot_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Dự thảo Nghị định về phòng họp không giấy",
        "question": "Đồng chí có đồng ý thông qua dự thảo Nghị định?",
        "deadline": DEADLINE,
        "recipients": ["botruong", "daibieu"],
        "documents": [{"title": "Dự thảo", "url": "/documents/1"}],
    }
    body.update(overrides)
    return body


async def _send(client: TestClient, world: World) -> tuple[int, dict[str, str]]:
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/ballots", json=ballot_body(), headers=secretary)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["id"], secretary


async def test_members_answer_and_the_secretary_sees_the_summary_when_it_closes(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    ballot_id, secretary = await _send(client, world)
    sent = [m for m in await outbox(world) if m.purpose == "ballot_sent"]
    assert sorted(m.to_address for m in sent) == ["botruong@chinhphu.vn", "daibieu@chinhphu.vn"]
    member = bearer(await api_login(client, "botruong"))
    inbox = await (await client.get("/api/ballots", headers=member)).json()
    assert [b["id"] for b in inbox] == [ballot_id]
    resp = await client.put(
        f"/api/ballots/{ballot_id}/answer",
        json={"answer": "other", "text": "Đề nghị bổ sung Điều 5"},
        headers=member,
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["summary"] is None  # members see results after it closes
    clock.advance(hours=57)
    assert await opinion_ballots.close_due(world.svc) == 1
    secretary = bearer(await api_login(client, "thuky"))  # the old token expired meanwhile
    resp = await client.get(f"/api/ballots/{ballot_id}", headers=secretary)
    result = await resp.json()
    assert resp.status == 200, result
    assert result["status"] == "closed"
    assert result["summary"]["counts"] == {"agree": 0, "disagree": 0, "other": 1}
    assert result["summary"]["not_answered"] == ["Daibieu"]
    assert result["summary"]["answers"][0]["text"] == "Đề nghị bổ sung Điều 5"


async def test_a_late_answer_is_refused_clearly(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    ballot_id, _ = await _send(client, world)
    member = bearer(await api_login(client, "daibieu"))
    clock.advance(hours=56)  # exactly the deadline
    member = bearer(await api_login(client, "daibieu"))
    resp = await client.put(
        f"/api/ballots/{ballot_id}/answer", json={"answer": "agree"}, headers=member
    )
    assert resp.status == 409
    error = (await resp.json())["error"]
    assert error["code"] == "ballot_deadline_passed"
    assert "2026-11-25T10:00" in error["message"]


async def test_reminders_go_once_to_those_who_have_not_answered_within_the_window(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    ballot_id, _ = await _send(client, world)
    member = bearer(await api_login(client, "botruong"))
    await client.put(f"/api/ballots/{ballot_id}/answer", json={"answer": "agree"}, headers=member)
    clock.advance(hours=31)  # 25 h before the deadline: not yet
    assert await opinion_ballots.queue_reminders(world.svc) == 0
    clock.advance(hours=2)  # 23 h before
    assert await opinion_ballots.queue_reminders(world.svc) == 1
    assert await opinion_ballots.queue_reminders(world.svc) == 0
    reminders = [m for m in await outbox(world) if m.purpose == "ballot_reminder"]
    assert [m.to_address for m in reminders] == ["daibieu@chinhphu.vn"]
    clock.advance(hours=30)
    assert await opinion_ballots.queue_reminders(world.svc) == 0  # past the deadline


async def test_others_cannot_see_or_answer_a_ballot(client: TestClient, world: World) -> None:
    ballot_id, _ = await _send(client, world)
    stranger = bearer(await api_login(client, "vanhanh"))
    assert (await client.get(f"/api/ballots/{ballot_id}", headers=stranger)).status == 404
    resp = await client.put(
        f"/api/ballots/{ballot_id}/answer", json={"answer": "agree"}, headers=stranger
    )
    assert resp.status == 404
    member = bearer(await api_login(client, "botruong"))
    resp = await client.post("/api/ballots", json=ballot_body(), headers=member)
    assert resp.status == 403


async def test_bad_ballots_and_answers_are_422(client: TestClient, world: World) -> None:
    ballot_id, secretary = await _send(client, world)
    past = ballot_body(deadline="2026-11-20T10:00:00+07:00")
    resp = await client.post("/api/ballots", json=past, headers=secretary)
    assert (await resp.json())["error"]["code"] == "deadline_in_past"
    resp = await client.post(
        "/api/ballots", json=ballot_body(recipients=["ghost"]), headers=secretary
    )
    assert (await resp.json())["error"]["code"] == "unknown_participant"
    member = bearer(await api_login(client, "botruong"))
    resp = await client.put(
        f"/api/ballots/{ballot_id}/answer", json={"answer": "other"}, headers=member
    )
    assert (await resp.json())["error"]["code"] == "opinion_text_required"
    resp = await client.put(
        f"/api/ballots/{ballot_id}/answer", json={"answer": "maybe"}, headers=member
    )
    assert resp.status == 422
