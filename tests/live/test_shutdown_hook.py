"""The hub's shutdown hook on a real app: connected clients are told to ``reconnect`` and closed
with 1012, the rooms empty, and a socket arriving afterwards is turned away the same way."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from signaling.ws import hub_key

from .conftest import Meeting, connect, enter


async def test_shutdown_tells_everyone_to_reconnect_and_refuses_new_joins(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    hub = client.app[hub_key]
    stopping = asyncio.create_task(hub.shutdown())  # clients read meanwhile, as real ones do
    for peer in (chair, member):
        hint = await peer.expect("reconnect")
        assert hint["reason"] == "restart" and hint["retry_after"] > 0
        assert await peer.closed() == 1012
    await stopping
    assert hub.rooms == {}

    late = await connect(client, meeting.id)
    assert (await late.expect("reconnect"))["retry_after"] > 0
    assert await late.closed() == 1012
    metrics = await (await client.get("/metrics")).text()
    assert 'ecabinet_websockets_open{kind="meeting"} 0.0' in metrics
