"""Session events over the live meeting's WebSocket: attendance recorded on join and leave, the
speaking queue, the current item and votes reach every connected participant in version order,
and a participant who reconnects gets the current state."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from ecabinet.models import Presence
from ecabinet.schemas.agenda import AgendaItemIn
from ecabinet.services import agenda, attendance

from ..conftest import World, api_login, bearer
from ..governance import actor
from .conftest import Meeting, Peer, enter, upload_document


async def _sessions(peer: Peer, until_event: str) -> list[dict[str, Any]]:
    """Every ``session`` message up to (and including) the first with this event."""
    found = []
    while True:
        msg = await peer.expect("session")
        found.append(msg)
        if msg["event"] == until_event:
            return found


async def test_session_events_reach_everyone_in_order(
    client: TestClient, world: World, meeting: Meeting
) -> None:
    item = await agenda.add_item(
        world.svc, actor(world, "thuky"), meeting.id, AgendaItemIn(title="Tờ trình về phòng họp")
    )
    chair = await enter(client, "botruong", meeting.id)
    first = await chair.expect("session")
    assert first["event"] == "snapshot" and first["state"]["started"] is False
    member = await enter(client, "daibieu", meeting.id)
    room = await enter(client, "vanhanh", meeting.id)
    # attendance is recorded as they join: the chair's quorum reaches 2 of 2 members
    joined = await _sessions(chair, "attendance.joined")
    while joined[-1]["state"]["quorum"]["counted"] < 2:
        joined += await _sessions(chair, "attendance.joined")
    assert joined[-1]["state"]["quorum"]["reached"] is True

    chair_api = bearer(await api_login(client, "botruong"))
    member_api = bearer(await api_login(client, "daibieu"))
    base = f"/api/meetings/{meeting.id}"
    assert (await client.post(f"{base}/session/start", headers=chair_api)).status == 200
    await client.post(
        f"{base}/session/current-item", json={"agenda_item_id": item.id}, headers=chair_api
    )
    resp = await client.post(
        f"{base}/floor/requests", json={"agenda_item_id": item.id}, headers=member_api
    )
    request_id = (await resp.json())["queue"][0]["id"]
    await client.post(
        f"{base}/floor/requests/{request_id}/grant", json={"planned_seconds": 60}, headers=chair_api
    )
    resp = await client.post(
        f"{base}/motions", json={"title": "Thông qua tờ trình"}, headers=chair_api
    )
    motion_id = (await resp.json())["id"]
    await client.post(
        f"/api/motions/{motion_id}/votes", json={"choice": "agree"}, headers=member_api
    )
    await client.post(f"/api/motions/{motion_id}/close", headers=chair_api)

    expected = [
        "session.started",
        "session.item_changed",
        "floor.requested",
        "floor.granted",
        "motion.opened",
        "motion.voted",
        "motion.closed",
    ]
    for peer in (chair, member, room):
        seen = [m for m in await _sessions(peer, "motion.closed") if m["event"] in expected]
        assert [m["event"] for m in seen] == expected
        versions = [m["version"] for m in seen]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)
        granted = next(m for m in seen if m["event"] == "floor.granted")
        speaking = granted["state"]["floor"]["speaking"]
        assert speaking["participant_id"] == meeting.participants["daibieu"]
        assert speaking["planned_seconds"] == 60
        closed = seen[-1]["state"]["motions"][0]
        assert closed["status"] == "closed" and closed["result"]["tally"]["agree"] == 1
        opened = next(m for m in seen if m["event"] == "motion.voted")
        assert opened["state"]["motions"][0]["result"] is None  # no tally in the room while open


async def test_a_reconnecting_participant_gets_the_current_state(
    client: TestClient, world: World, meeting: Meeting
) -> None:
    item = await agenda.add_item(
        world.svc, actor(world, "thuky"), meeting.id, AgendaItemIn(title="Tờ trình")
    )
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.expect("session")
    await member.ws.close()
    left = await _sessions(chair, "attendance.left")
    assert left[-1]["state"]["quorum"]["counted"] == 1
    chair_api = bearer(await api_login(client, "botruong"))
    base = f"/api/meetings/{meeting.id}"
    await client.post(f"{base}/session/start", headers=chair_api)
    state = await (
        await client.post(
            f"{base}/session/current-item", json={"agenda_item_id": item.id}, headers=chair_api
        )
    ).json()
    again = await enter(client, "daibieu", meeting.id)
    await again.expect("snapshot")
    current = await again.expect("session")
    assert current["event"] == "snapshot"
    assert current["state"]["current_item_id"] == item.id
    assert current["state"]["status"] == "in_progress"
    assert current["version"] >= state["version"]
    await _sessions(chair, "attendance.joined")  # the room recorded the new stay
    # the member's stays: the first ended when the socket closed, the second is open
    view = await (await client.get(f"{base}/attendance", headers=chair_api)).json()
    row = next(r for r in view["rows"] if r["participant_id"] == meeting.participants["daibieu"])
    assert row["status"] == "present_online" and row["source"] == "online"


async def test_a_leave_is_never_recorded_before_its_join(
    client: TestClient, world: World, meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member who closes the socket while the join is still being written: the leave waits
    for it, so the stay is closed and the quorum does not count someone who has gone."""
    record_join = attendance.joined

    async def slow_join(*args: Any, **kwargs: Any) -> int:
        await asyncio.sleep(0.3)  # a busy database: the leave arrives while this is in flight
        return await record_join(*args, **kwargs)

    monkeypatch.setattr(attendance, "joined", slow_join)
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.ws.close()
    events = await _sessions(chair, "attendance.left")
    attendance_events = [m["event"] for m in events if m["event"].startswith("attendance.")]
    assert attendance_events[-2:] == ["attendance.joined", "attendance.left"]
    assert events[-1]["state"]["quorum"]["counted"] == 1  # the chair alone
    async with world.svc.db.reading() as session:
        stays = list(
            await session.scalars(
                select(Presence).where(Presence.participant_id == meeting.participants["daibieu"])
            )
        )
    assert len(stays) == 1 and stays[0].left_at is not None


async def test_the_presenter_drives_the_page_and_late_joiners_follow(
    client: TestClient, world: World, meeting: Meeting
) -> None:
    five = await upload_document(client, meeting.id, "Tờ trình thứ nhất")
    seven = await upload_document(client, meeting.id, "Tờ trình thứ hai")
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.send("present", document=five, page=2, zoom=100)
    error = await member.expect("error")
    assert error["code"] == "not_presenter" and error["ref"] == "present"
    await chair.send("present", document=five, page=3, zoom=150)
    shown = await member.expect("presenting")
    assert (shown["document"], shown["page"], shown["zoom"]) == (five, 3, 150)
    assert shown["presenter"] == f"p{meeting.participants['botruong']}"
    late = await enter(client, "vanhanh", meeting.id)
    await late.expect("snapshot")
    caught_up = await late.expect("presenting")
    assert (caught_up["document"], caught_up["page"]) == (five, 3)
    # the chair gives the floor to the member, who may now drive the pages
    chair_api = bearer(await api_login(client, "botruong"))
    member_api = bearer(await api_login(client, "daibieu"))
    base = f"/api/meetings/{meeting.id}"
    await client.post(f"{base}/session/start", headers=chair_api)
    resp = await client.post(f"{base}/floor/requests", json={}, headers=member_api)
    request_id = (await resp.json())["queue"][0]["id"]
    await client.post(f"{base}/floor/requests/{request_id}/grant", json={}, headers=chair_api)
    await member.send("present", document=seven, page=1, zoom=100)
    turned = await chair.expect("presenting", document=seven)
    assert turned["presenter"] == f"p{meeting.participants['daibieu']}"
    await member.send("stop_presenting")
    stopped = await late.expect("presenting", document=None)
    assert stopped["presenter"] is None
    await member.send("present", document=seven, page=0)
    assert (await member.expect("error"))["code"] == "invalid_message"


async def test_the_presenter_of_the_item_under_discussion_may_present(
    client: TestClient, world: World, meeting: Meeting
) -> None:
    item = await agenda.add_item(
        world.svc,
        actor(world, "thuky"),
        meeting.id,
        AgendaItemIn(title="Tờ trình của Bộ Y tế", presenter_user_id=world["daibieu"].id),
    )
    other = await agenda.add_item(
        world.svc, actor(world, "thuky"), meeting.id, AgendaItemIn(title="Nội dung khác")
    )
    nine = await upload_document(client, meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    chair_api = bearer(await api_login(client, "botruong"))
    base = f"/api/meetings/{meeting.id}"
    await client.post(f"{base}/session/start", headers=chair_api)
    for current, allowed in ((other.id, False), (item.id, True)):
        resp = await client.post(
            f"{base}/session/current-item", json={"agenda_item_id": current}, headers=chair_api
        )
        state = await resp.json()
        await member.expect("session", version=state["version"])
        await member.send("present", document=nine, page=2, zoom=100)
        if allowed:
            shown = await member.expect("presenting", document=nine)
            assert shown["presenter"] == f"p{meeting.participants['daibieu']}"
            presenter = next(i for i in state["items"] if i["id"] == item.id)
            assert presenter["presenter_participant_id"] == meeting.participants["daibieu"]
        else:
            error = await member.expect("error")
            assert error["code"] == "not_presenter"
