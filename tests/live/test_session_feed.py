"""The session socket for pages outside the room (``/ws/meetings/{id}/session``): who may open
it, and what it says (event and version only — never the state)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from ecabinet.models import Role

from ..conftest import World, api_login, bearer
from .conftest import Meeting


async def test_a_participant_hears_each_change_as_a_version(
    client: TestClient, meeting: Meeting
) -> None:
    member = bearer(await api_login(client, "daibieu"))
    ws = await client.ws_connect(f"/ws/meetings/{meeting.id}/session", headers=member)
    try:
        hello = await ws.receive_json(timeout=5)
        assert hello == {"type": "hello", "version": 0}
        you = await ws.receive_json(timeout=5)  # as whom: a member who may not present (yet)
        assert you == {
            "v": 1,
            "type": "you",
            "participant": f"p{meeting.participants['daibieu']}",
            "name": "Daibieu",
            "may_present": False,
        }
        secretary = bearer(await api_login(client, "thuky"))
        resp = await client.post(f"/api/meetings/{meeting.id}/session/start", headers=secretary)
        assert resp.status == 200, await resp.text()
        version = (await resp.json())["version"]
        change = await ws.receive_json(timeout=5)
        assert change == {"type": "session", "event": "session.started", "version": version}
    finally:
        await ws.close()


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
async def test_who_cannot_see_the_session_gets_no_socket(
    client: TestClient, world: World, meeting: Meeting, who: str
) -> None:
    headers: dict[str, str] = {}
    if who == "outsider":
        await world.add_user("khac", Role.DELEGATE, world.ministry)
        headers = bearer(await api_login(client, "khac"))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws/meetings/{meeting.id}/session", headers=headers)
    assert refused.value.status == (404 if who == "outsider" else 401)


async def test_another_sites_page_cannot_open_it(client: TestClient, meeting: Meeting) -> None:
    member = bearer(await api_login(client, "daibieu"))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(
            f"/ws/meetings/{meeting.id}/session",
            headers={**member, "Origin": "https://evil.example"},
        )
    assert refused.value.status == 403
