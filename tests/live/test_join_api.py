"""POST /api/meetings/{id}/join: who gets a join token, scoped how, valid when."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.services.tokens import TokenType

from ..conftest import api_login, bearer
from .conftest import Meeting, create_meeting, join_token


async def test_invited_member_gets_a_token_scoped_to_the_meeting_and_participant(
    client: TestClient, meeting: Meeting, svc
) -> None:
    ticket = await join_token(client, "daibieu", meeting.id)
    claims = svc.tokens.verify(ticket["token"], TokenType.JOIN)
    assert claims["mtg"] == meeting.id
    assert claims["pid"] == f"p{meeting.participants['daibieu']}"
    assert ticket["participant"] == claims["pid"]
    assert ticket["lobby"] is False
    assert ticket["ws_url"].endswith(f"/ws/meetings/{meeting.id}")
    assert ticket["ws_url"].startswith("ws://")


async def test_token_is_valid_from_half_an_hour_before_start_until_the_grace_after_end(
    client: TestClient, meeting: Meeting, svc
) -> None:
    ticket = await join_token(client, "daibieu", meeting.id)
    claims = svc.tokens.verify(ticket["token"], TokenType.JOIN)
    # starts 02:10Z → nbf 01:40Z; ends 04:00Z → exp 05:00Z (60 min grace)
    assert claims["nbf"] == _ts("2026-11-23T01:40:00")
    assert claims["exp"] == _ts("2026-11-23T05:00:00")


def _ts(text: str) -> int:
    from datetime import UTC, datetime

    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


async def test_endpoint_operator_joins_as_the_endpoint(
    client: TestClient, meeting: Meeting, svc
) -> None:
    ticket = await join_token(client, "vanhanh", meeting.id)
    claims = svc.tokens.verify(ticket["token"], TokenType.JOIN)
    assert claims["pid"] == f"p{meeting.participants['endpoint']}"
    assert claims["ep"] == meeting.endpoint_id


async def test_operator_cannot_join_as_an_endpoint_that_is_not_invited(
    client: TestClient, meeting: Meeting
) -> None:
    tokens = await api_login(client, "vanhanh")
    resp = await client.post(
        f"/api/meetings/{meeting.id}/join?endpoint={meeting.endpoint_id + 1}",
        headers=bearer(tokens),
    )
    assert resp.status == 404


async def test_secretary_not_on_the_invitation_is_sent_to_the_lobby(
    client: TestClient, meeting: Meeting
) -> None:
    ticket = await join_token(client, "thuky2", meeting.id)
    assert ticket["lobby"] is True


async def test_meeting_secretary_enters_as_host(client: TestClient, meeting: Meeting, svc) -> None:
    ticket = await join_token(client, "thuky", meeting.id)
    assert ticket["lobby"] is False
    assert ticket["participant"].startswith("u")


@pytest.mark.parametrize("username", ["admin", "botruong"])
async def test_a_meeting_the_caller_cannot_see_is_not_found(
    client: TestClient, endpoint_id: int, username: str
) -> None:
    """admin sees no meetings; botruong is not on the other meeting."""
    other = await create_meeting(client, endpoint_id)
    tokens = await api_login(client, "thuky")
    # Take botruong off the second meeting.
    resp = await client.patch(
        f"/api/meetings/{other.id}",
        json={"participants": [{"username": "daibieu", "role": "chair"}]},
        headers=bearer(tokens),
    )
    assert resp.status == 200, await resp.text()
    tokens = await api_login(client, username)
    resp = await client.post(f"/api/meetings/{other.id}/join", headers=bearer(tokens))
    assert resp.status == 404
    resp = await client.post("/api/meetings/999999/join", headers=bearer(tokens))
    assert resp.status == 404
    body = await resp.json()
    assert body["error"]["code"] == "meeting_not_found"


async def test_anonymous_caller_is_refused(client: TestClient, meeting: Meeting) -> None:
    resp = await client.post(f"/api/meetings/{meeting.id}/join", json={})
    assert resp.status == 401


async def test_room_is_not_open_earlier_than_half_an_hour_before_start(
    client: TestClient, endpoint_id: int
) -> None:
    later = await create_meeting(
        client, endpoint_id, starts="2026-11-23T03:00:00Z", ends="2026-11-23T04:00:00Z"
    )
    tokens = await api_login(client, "daibieu")
    resp = await client.post(f"/api/meetings/{later.id}/join", headers=bearer(tokens))
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "meeting_not_open"


async def test_room_is_closed_after_the_grace_period(
    client: TestClient, meeting: Meeting, clock: FrozenClock
) -> None:
    clock.advance(hours=3)  # 05:00Z: end 04:00Z + 60 min grace
    tokens = await api_login(client, "daibieu")
    resp = await client.post(f"/api/meetings/{meeting.id}/join", headers=bearer(tokens))
    assert resp.status == 409


async def test_no_ice_servers_without_settings(client: TestClient, meeting: Meeting) -> None:
    ticket = await join_token(client, "daibieu", meeting.id)
    assert ticket["ice_servers"] == []


async def test_turn_credentials_are_minted_per_join_with_the_coturn_rest_scheme(
    client: TestClient, meeting: Meeting, svc
) -> None:
    secret = "a-long-coturn-shared-secret"
    svc.settings = replace(
        svc.settings,
        turn_urls=("turns:turn.example.vn:443?transport=tcp", "turn:turn.example.vn:3478"),
        turn_secret=secret,
        ice_servers=("stun:turn.example.vn:3478",),
    )
    ticket = await join_token(client, "daibieu", meeting.id)
    turn, stun = ticket["ice_servers"]
    assert turn["urls"][0] == "turns:turn.example.vn:443?transport=tcp"
    expiry, _, who = turn["username"].partition(":")
    assert who == ticket["participant"]
    assert int(expiry) == _ts("2026-11-23T05:00:00")  # the token's expiry (< TURN TTL)
    expected = base64.b64encode(
        hmac.new(secret.encode(), turn["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert turn["credential"] == expected
    assert stun == {"urls": ["stun:turn.example.vn:3478"], "username": None, "credential": None}


def test_turn_password_matches_a_known_vector() -> None:
    from datetime import UTC, datetime

    from ecabinet.services.ice import turn_credentials

    username, password = turn_credentials("north", "p7", datetime.fromtimestamp(1700000000, tz=UTC))
    assert username == "1700000000:p7"
    # python -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'north',
    #   b'1700000000:p7',hashlib.sha1).digest()).decode())"
    assert (
        password
        == base64.b64encode(hmac.new(b"north", b"1700000000:p7", hashlib.sha1).digest()).decode()
    )
