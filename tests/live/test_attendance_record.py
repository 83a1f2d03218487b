"""Attendance is what the room recorded: members who were in the live room (real aiortc peers)
and voted are present on the attendance page and in the drafted minutes once the session is
over, with the times of their stays, the quorum they made, and the session's real times."""

from __future__ import annotations

import asyncio
import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from ecabinet.clock import FrozenClock
from ecabinet.models import Presence

from ..conftest import World, api_login, bearer
from ..test_meeting_pages import browser_login
from .conftest import Join, Meeting


async def _until(check, wait: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Poll what the room wrote beside itself (in the database) until it holds."""
    async with asyncio.timeout(wait):
        while not await check():  # noqa: ASYNC110 (nothing to wait on: rows written elsewhere)
            await asyncio.sleep(0.05)


async def test_members_who_were_in_the_room_and_voted_are_present_in_the_record(
    client: TestClient, world: World, meeting: Meeting, joiner: Join, clock: FrozenClock
) -> None:
    chair_api = bearer(await api_login(client, "botruong"))
    member_api = bearer(await api_login(client, "daibieu"))
    base = f"/api/meetings/{meeting.id}"

    async def quorum() -> dict[str, object]:
        view = await (await client.get(f"{base}/attendance", headers=chair_api)).json()
        return view["quorum"]  # type: ignore[no-any-return]

    chair = await joiner("botruong", "red")  # 09:00 in Hà Nội, ten minutes before the start
    member = await joiner("daibieu", "green")
    await _until(lambda: _counted(quorum, 2))
    clock.advance(minutes=13)  # the chair opens the session at 09:13
    assert (await client.post(f"{base}/session/start", headers=chair_api)).status == 200
    resp = await client.post(
        f"{base}/motions", json={"title": "Thông qua tờ trình"}, headers=chair_api
    )
    assert resp.status == 201, await resp.text()
    motion = (await resp.json())["id"]
    for headers in (chair_api, member_api):
        voted = await client.post(
            f"/api/motions/{motion}/votes", json={"choice": "agree"}, headers=headers
        )
        assert voted.status in (200, 201), await voted.text()
    closed = await client.post(f"/api/motions/{motion}/close", headers=chair_api)
    assert (await closed.json())["result"]["tally"]["agree"] == 2
    clock.advance(minutes=42)  # 09:55: the session ends and everyone leaves the room
    chair_api = bearer(await api_login(client, "botruong"))  # (access tokens last 15 minutes)
    assert (await client.post(f"{base}/session/end", headers=chair_api)).status == 200
    clock.advance(minutes=1)
    await member.close()
    await chair.close()

    async def everyone_left() -> bool:
        async with world.svc.db.reading() as session:
            stays = list(
                await session.scalars(select(Presence).where(Presence.meeting_id == meeting.id))
            )
        return len(stays) >= 2 and all(s.left_at is not None for s in stays)

    await _until(everyone_left)

    view = await (await client.get(f"{base}/attendance", headers=chair_api)).json()
    assert view["record"] is True
    assert view["quorum"] == {"members": 2, "counted": 2, "required": 2, "reached": True}
    rows = {r["participant_id"]: r for r in view["rows"]}
    for name in ("botruong", "daibieu"):
        row = rows[meeting.participants[name]]
        assert (row["status"], row["source"]) == ("present_online", "online")
        assert len(row["stays"]) == 1 and row["stays"][0]["left_at"] is not None

    secretary_api = bearer(await api_login(client, "thuky"))
    await browser_login(client, "thuky")
    html = await (await client.get(f"/meetings/{meeting.id}/attendance")).text()
    assert "Đủ số thành viên" in html or "Đã đủ số thành viên" in html
    assert ": 2/2" in html
    assert 'id="check-in"' not in html  # an online meeting has no hall to check people in at
    table = html[html.index('id="attendance-table"') :]
    assert table.count("Dự trực tuyến") == 2 and "Vắng mặt" not in table.split("Điểm cầu")[0]
    assert "09:00–09:56" in table  # the times of each stay, in the meeting's zone

    resp = await client.post(f"{base}/minutes", headers=secretary_api)
    assert resp.status == 201, await resp.text()
    minutes_id = (await resp.json())["id"]
    version = await client.get(f"/api/minutes/{minutes_id}/versions/1", headers=chair_api)
    text = (await version.json())["content"]
    assert "- Botruong, Bộ Y tế — Chủ trì: có mặt trực tuyến" in text
    assert "- Daibieu, Bộ Y tế — Thành viên: có mặt trực tuyến" in text
    assert "- Số thành viên có mặt: 2/2 (đủ số thành viên" in text
    assert "Tán thành: 2" in text
    # the session's real times (opened 09:13, ended 09:55), the schedule beside them
    assert re.search(
        r"- Thời gian: từ 09:13 đến 09:55 ngày 23/11/2026 .*theo lịch từ 09:10 đến 11:00", text
    )
    assert "Phiên họp kết thúc lúc 09:55." in text


async def _counted(quorum, n: int) -> bool:  # type: ignore[no-untyped-def]
    return (await quorum())["counted"] >= n
