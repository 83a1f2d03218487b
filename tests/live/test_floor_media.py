"""Acceptance: the participant the chair gives the floor becomes everyone's main video (real
aiortc clients through the WebSocket), and taking the floor back releases it."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.signaling.helpers import until

from ..conftest import api_login, bearer
from .conftest import Meeting


async def test_the_granted_speaker_becomes_the_main_video(
    client: TestClient,
    meeting: Meeting,
    joiner,
) -> None:
    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green")
    room = await joiner("vanhanh", "blue")
    chair_api = bearer(await api_login(client, "botruong"))
    operator_api = bearer(await api_login(client, "vanhanh"))
    base = f"/api/meetings/{meeting.id}"
    await client.post(f"{base}/session/start", headers=chair_api)
    resp = await client.post(
        f"{base}/floor/requests",
        json={"endpoint_participant_id": meeting.participants["endpoint"]},
        headers=operator_api,
    )
    request_id = (await resp.json())["queue"][0]["id"]
    resp = await client.post(
        f"{base}/floor/requests/{request_id}/grant",
        json={"planned_seconds": 120},
        headers=chair_api,
    )
    assert resp.status == 200
    await until(
        lambda: (
            member.media.slot_map.get("main") == room.participant
            and chair.media.slot_map.get("main") == room.participant
        ),
        "the province's room is everyone's main video",
    )
    await until(
        lambda: member.media.receptions["main"].by_source[room.participant] >= 10,
        "the member receives the room's video in the main slot",
    )
    await client.post(f"{base}/floor/requests/{request_id}/revoke", headers=chair_api)
    await until(
        lambda: (
            member.media.slot_map.get("main") != room.participant
            or chair.media.slot_map.get("main") != room.participant
        ),
        "the floor is released",
    )
