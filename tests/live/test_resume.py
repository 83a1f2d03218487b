"""Session resumption (issue 22 item 1, docs/signaling.md §5a): a room socket cut while the
media path stays healthy keeps the peer connection and the roster entry; the client comes back
with its resumption token. The socket goes through a TCP proxy the test cuts (RST, then
refused) while UDP flows straight to the SFU."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from ecabinet.models import Presence
from ecabinet.services.context import Services
from signaling.client import RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip
from signaling.hub import Hub
from signaling.sfu import MeetingCodec
from signaling.ws import hub_key
from signaling.wsclient import SignalingSession, Ticket
from tests.cutnet import CuttableProxy
from tests.signaling.helpers import until

from .conftest import Join, Joined, Meeting, Peer, join_token

CUT = 8.0  # seconds the socket is cut, as in the issue


@pytest.fixture
async def proxy(client: TestClient) -> AsyncIterator[CuttableProxy]:
    cut = await CuttableProxy(str(client.host), int(client.port)).start()
    yield cut
    await cut.close()


def through(ticket: dict[str, Any], proxy: CuttableProxy) -> Ticket:
    """The join ticket, its socket URL pointed at the proxy."""
    path = ticket["ws_url"].split("/ws/", 1)[1]
    return Ticket(
        ticket["token"],
        f"ws://127.0.0.1:{proxy.port}/ws/{path}",
        ticket["ice_servers"],
        ticket["participant"],
        ticket["lobby"],
    )


async def join_through(
    client: TestClient, proxy: CuttableProxy, meeting: Meeting, username: str, clip: EncodedClip
) -> Joined:
    ticket = through(await join_token(client, username, meeting.id), proxy)
    signaling = SignalingSession(client.session, ticket)
    await signaling.open()
    media = RoomClient(
        ticket.participant,
        video=ClipTrack(clip),
        codec=MeetingCodec.H264,
        ice_servers=ticket.rtc_ice_servers(),
    )
    await media.connect(signaling)
    return Joined(signaling, media)


async def frames_during(seconds: float, *counters: Any) -> list[list[int]]:
    """Sample each counter (a callable) every 0.25 s for ``seconds``."""
    samples: list[list[int]] = [[] for _ in counters]
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        for i, counter in enumerate(counters):
            samples[i].append(counter())
        await asyncio.sleep(0.25)
    return samples


def kept_flowing(series: list[int]) -> bool:
    """Frames arrived in the first half of the window and in the second half."""
    half = len(series) // 2
    return series[half] > series[0] and series[-1] > series[half]


async def stays(svc: Services, meeting_id: int, participant_id: int) -> list[Presence]:
    async with svc.db.reading() as session:
        rows = await session.scalars(
            select(Presence).where(Presence.participant_id == participant_id)
        )
        return list(rows)


async def test_a_socket_cut_with_the_media_intact_keeps_the_media_and_the_roster_entry(
    client: TestClient,
    meeting: Meeting,
    proxy: CuttableProxy,
    joiner: Join,
    clips: dict[str, EncodedClip],
) -> None:
    chair = await joiner("botruong", "red")
    member = await join_through(client, proxy, meeting, "daibieu", clips["green"])
    me, them = member.participant, chair.participant
    try:
        await until(
            lambda: (
                chair.media.receptions["main"].by_source[me] >= 10
                and member.media.receptions["main"].by_source[them] >= 10
            ),
            "both see each other",
            30,
        )
        await until(lambda: len(chair.signaling.roster) == 2, "the chair sees the member", 10)
        pc = member.media.pc
        seen = len(chair.signaling.messages)

        proxy.cut(CUT)
        received, sent = await frames_during(
            CUT,
            lambda: member.media.receptions["main"].by_source[them],
            lambda: chair.media.receptions["main"].by_source[me],
        )
        # During the cut the media went on both ways: no frame gap at the others.
        assert kept_flowing(received), received
        assert kept_flowing(sent), sent

        await until(lambda: member.signaling.reconnects == 1, "the member is back", 30)
        assert member.signaling.resumes == 1
        assert member.signaling.rejoins == 0  # no renegotiation
        assert member.media.pc is pc and pc.connectionState == "connected"
        # Nobody saw the member leave or join again.
        later = chair.signaling.messages[seen:]
        assert not [m for m in later if m["type"] == "participant_left"]
        assert me in chair.signaling.roster
        # The resumed socket got the current state: a snapshot and its slots.
        assert member.signaling.snapshots == 2
        assert member.signaling.roster.keys() == {me, them}
        # Attendance not split: one stay, still open.
        rows = await stays(hub_of(client).svc, meeting.id, meeting.participants["daibieu"])
        assert [r.left_at for r in rows] == [None]
        # And the media still flows after the resume.
        before = chair.media.receptions["main"].by_source[me]
        await until(
            lambda: chair.media.receptions["main"].by_source[me] > before + 10, "still flowing"
        )
    finally:
        await member.close()


def hub_of(client: TestClient) -> Hub:
    return client.app[hub_key]


async def auth(peer: Peer, token: str, resume: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"token": token}
    if resume is not None:
        fields["resume"] = resume
    await peer.send("auth", **fields)
    return await peer.expect("welcome")


async def open_peer(client: TestClient, proxy: CuttableProxy, meeting_id: int) -> Peer:
    ws = await client.session.ws_connect(f"ws://127.0.0.1:{proxy.port}/ws/meetings/{meeting_id}")
    return Peer(ws)


async def test_a_resumption_token_is_single_use_and_bound_to_its_participant(
    client: TestClient, meeting: Meeting, proxy: CuttableProxy
) -> None:
    watcher = await open_peer(client, proxy, meeting.id)
    ticket = await join_token(client, "daibieu", meeting.id)
    chair_ticket = await join_token(client, "botruong", meeting.id)
    first = await auth(watcher, ticket["token"])
    assert first["resumed"] is False and first["revision"] == 2
    spent = first["resume"]

    proxy.cut(0)
    again = await open_peer(client, proxy, meeting.id)
    second = await auth(again, ticket["token"], spent)
    assert second["resumed"] is True
    assert second["resume"] != spent  # rotated
    await again.expect("snapshot")

    proxy.cut(0)
    # The spent token no longer resumes: a plain (re)join.
    third_peer = await open_peer(client, proxy, meeting.id)
    third = await auth(third_peer, ticket["token"], spent)
    assert third["resumed"] is False

    # Another participant's join token with this one's resumption token: no resume either.
    proxy.cut(0)
    other = await open_peer(client, proxy, meeting.id)
    welcome = await auth(other, chair_ticket["token"], third["resume"])
    assert welcome["resumed"] is False
    assert welcome["you"]["participant"] == f"p{meeting.participants['botruong']}"


async def test_a_dropped_socket_not_resumed_leaves_after_the_grace_period(
    client: TestClient, meeting: Meeting, proxy: CuttableProxy
) -> None:
    svc = hub_of(client).svc
    svc.settings = replace(svc.settings, ws_resume_grace=1.0)
    chair_id = f"p{meeting.participants['botruong']}"
    chair = await open_peer(client, proxy, meeting.id)
    await auth(chair, (await join_token(client, "botruong", meeting.id))["token"])
    watcher = Peer(await client.ws_connect(f"/ws/meetings/{meeting.id}"))
    await auth(watcher, (await join_token(client, "daibieu", meeting.id))["token"])
    await watcher.expect("snapshot")

    proxy.cut(60)  # the chair's socket drops and stays away
    await until(
        lambda: [m.participant for m in hub_of(client).parked()] == [chair_id],
        "the chair waits for a resume",
        10,
    )
    assert not [m for m in watcher.seen if m["type"] == "participant_left"]
    left = await watcher.expect("participant_left", wait=15, participant=chair_id)
    assert left["participant"] == chair_id
    assert hub_of(client).parked() == []


async def test_a_closed_socket_leaves_at_once(
    client: TestClient, meeting: Meeting, proxy: CuttableProxy
) -> None:
    """A close frame (the tab closed, ``leave``) is a departure: nothing waits for a resume."""
    chair_id = f"p{meeting.participants['botruong']}"
    chair = await open_peer(client, proxy, meeting.id)
    await auth(chair, (await join_token(client, "botruong", meeting.id))["token"])
    watcher = Peer(await client.ws_connect(f"/ws/meetings/{meeting.id}"))
    await auth(watcher, (await join_token(client, "daibieu", meeting.id))["token"])
    await watcher.expect("snapshot")
    await chair.ws.close()
    await watcher.expect("participant_left", participant=chair_id)
    assert hub_of(client).parked() == []
