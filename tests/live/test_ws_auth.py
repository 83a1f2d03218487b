"""The socket's door: Origin before the upgrade, then one auth message with a valid token."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.services.tokens import TokenType
from signaling.protocol import CloseCode

from ..conftest import api_login, bearer
from .conftest import Meeting, connect, create_meeting, enter, join_token


async def test_cross_origin_upgrade_is_refused_before_the_handshake(
    client: TestClient, meeting: Meeting
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(
            f"/ws/meetings/{meeting.id}", headers={"Origin": "http://evil.example"}
        )
    assert refused.value.status == 403


async def test_same_origin_upgrade_is_accepted(client: TestClient, meeting: Meeting) -> None:
    origin = f"http://{client.host}:{client.port}"
    ticket = await join_token(client, "daibieu", meeting.id)
    peer = await connect(client, meeting.id, headers={"Origin": origin})
    await peer.send("auth", token=ticket["token"])
    welcome = await peer.expect("welcome")
    assert welcome["you"]["participant"] == ticket["participant"]


async def test_configured_origin_is_accepted(client: TestClient, meeting: Meeting, svc) -> None:
    svc.settings = replace(svc.settings, ws_allowed_origins=("https://ecabinet.gov.vn",))
    peer = await connect(client, meeting.id, headers={"Origin": "https://ecabinet.gov.vn"})
    await peer.send("auth", token=(await join_token(client, "daibieu", meeting.id))["token"])
    await peer.expect("welcome")


async def test_silent_client_is_closed_after_the_auth_timeout(
    client: TestClient, meeting: Meeting, svc
) -> None:
    svc.settings = replace(svc.settings, ws_auth_timeout=0.2)
    peer = await connect(client, meeting.id)
    assert await peer.closed() == CloseCode.POLICY
    assert peer.errors() == ["auth_timeout"]


async def test_first_message_other_than_auth_closes_the_socket(
    client: TestClient, meeting: Meeting
) -> None:
    peer = await connect(client, meeting.id)
    await peer.send("hand", raised=True)
    assert await peer.closed() == CloseCode.POLICY
    assert peer.errors() == ["auth_required"]


async def test_malformed_auth_message_closes_the_socket(
    client: TestClient, meeting: Meeting
) -> None:
    peer = await connect(client, meeting.id)
    await peer.ws.send_str('{"v":1,"type":"auth"}')
    assert await peer.closed() == CloseCode.POLICY
    assert peer.errors() == ["invalid_message"]


async def test_token_for_meeting_a_cannot_join_meeting_b(
    client: TestClient, meeting: Meeting, endpoint_id: int
) -> None:
    other = await create_meeting(client, endpoint_id)
    ticket = await join_token(client, "daibieu", meeting.id)
    peer = await connect(client, other.id)
    await peer.send("auth", token=ticket["token"])
    assert await peer.closed() == CloseCode.FORBIDDEN
    assert peer.errors() == ["wrong_meeting"]


async def test_expired_token_is_refused(
    client: TestClient, meeting: Meeting, clock: FrozenClock, svc
) -> None:
    ticket = await join_token(client, "daibieu", meeting.id)
    # Push the meeting's end far out, so only the token's own expiry can refuse it.
    tokens = await api_login(client, "thuky")
    resp = await client.patch(
        f"/api/meetings/{meeting.id}",
        json={"ends_at": "2026-11-23T12:00:00Z"},
        headers=bearer(tokens),
    )
    assert resp.status == 200, await resp.text()
    clock.advance(hours=3, minutes=1)  # past the token's exp (05:00Z)
    peer = await connect(client, meeting.id)
    await peer.send("auth", token=ticket["token"])
    assert await peer.closed() == CloseCode.UNAUTHORIZED
    assert peer.errors() == ["token_expired"]


async def test_token_not_yet_valid_is_refused(client: TestClient, meeting: Meeting, svc) -> None:
    token = svc.tokens.issue(
        TokenType.JOIN,
        "4",
        timedelta(hours=2),
        not_before=-timedelta(hours=1),
        mtg=meeting.id,
        pid=f"p{meeting.participants['daibieu']}",
        ep=None,
    )
    peer = await connect(client, meeting.id)
    await peer.send("auth", token=token)
    assert await peer.closed() == CloseCode.UNAUTHORIZED
    assert peer.errors() == ["invalid_token"]


@pytest.mark.parametrize("kind", ["garbage", "access"])
async def test_a_token_that_is_not_a_join_token_is_refused(
    client: TestClient, meeting: Meeting, kind: str
) -> None:
    token = "not.a.token"
    if kind == "access":
        token = (await api_login(client, "daibieu"))["access_token"]
    peer = await connect(client, meeting.id)
    await peer.send("auth", token=token)
    assert await peer.closed() == CloseCode.UNAUTHORIZED
    assert peer.errors() == ["invalid_token"]


async def test_withdrawn_invitation_makes_the_token_worthless(
    client: TestClient, meeting: Meeting
) -> None:
    ticket = await join_token(client, "daibieu", meeting.id)
    tokens = await api_login(client, "thuky")
    resp = await client.patch(
        f"/api/meetings/{meeting.id}",
        json={"participants": [{"username": "botruong", "role": "chair"}]},
        headers=bearer(tokens),
    )
    assert resp.status == 200, await resp.text()
    peer = await connect(client, meeting.id)
    await peer.send("auth", token=ticket["token"])
    assert await peer.closed() == CloseCode.UNAUTHORIZED
    assert peer.errors() == ["invitation_changed"]


async def test_ended_meeting_refuses_tokens_minted_before(
    client: TestClient, meeting: Meeting
) -> None:
    ticket = await join_token(client, "daibieu", meeting.id)
    chair = await enter(client, "botruong", meeting.id)
    await chair.send("end_meeting")
    assert await chair.closed() == CloseCode.MEETING_OVER
    peer = await connect(client, meeting.id)
    await peer.send("auth", token=ticket["token"])
    assert await peer.closed() == CloseCode.MEETING_OVER
    assert peer.errors() == ["meeting_not_open"]


async def test_an_address_with_too_many_failed_attempts_is_refused_for_a_while(
    client: TestClient, meeting: Meeting
) -> None:
    for _ in range(5):
        peer = await connect(client, meeting.id)
        await peer.send("auth", token="forged")
        assert await peer.closed() == CloseCode.UNAUTHORIZED
    ticket = await join_token(client, "daibieu", meeting.id)
    peer = await connect(client, meeting.id)
    await peer.send("auth", token=ticket["token"])
    assert await peer.closed() == CloseCode.FLOOD
    assert peer.errors() == ["too_many_failures"]
