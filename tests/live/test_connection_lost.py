"""A silently lost participant (issue 22 item 4): its network dies without a word — no RTP, no
RTCP, no TCP reset, its socket just stops carrying anything. Within seconds everyone's roster
marks it "connection lost" (``connection: "lost"``), while it is still in the room; it comes
back "ok" when its media is heard again (docs/media.md §2a)."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from signaling.client import RoomClient
from tests.cutnet import CuttableProxy
from tests.signaling.helpers import until

from .conftest import Join, Meeting
from .test_resume import join_through


def kill_udp(client: RoomClient) -> None:
    """Close the client's ICE sockets under aiortc: nothing is sent or received any more, and
    nobody is told (no DTLS close, no RTCP BYE)."""
    for transceiver in client.pc.getTransceivers():
        dtls = transceiver.sender.transport
        if dtls is None:
            continue
        for protocol in dtls.transport._connection._protocols:
            protocol.transport.close()


async def test_a_silently_lost_participant_is_marked_connection_lost_before_it_is_removed(
    client: TestClient, meeting: Meeting, joiner: Join, clips
) -> None:
    chair = await joiner("botruong", "red")
    proxy = await CuttableProxy(str(client.host), int(client.port)).start()
    member = await join_through(client, proxy, meeting, "daibieu", clips["green"])
    me = member.participant
    try:
        await until(lambda: chair.media.receptions["main"].by_source[me] >= 10, "media", 30)
        await until(lambda: me in chair.signaling.roster, "the chair sees the member", 10)
        assert chair.signaling.roster[me]["connection"] == "ok"

        loop = asyncio.get_running_loop()
        lost_at = loop.time()
        kill_udp(member.media)
        proxy.stall()
        await until(
            lambda: chair.signaling.roster.get(me, {}).get("connection") == "lost",
            "the chair's roster marks the member connection lost",
            30,
        )
        print(f"marked connection lost {loop.time() - lost_at:.2f} s after the network died")
        assert me in chair.signaling.roster  # marked, not removed
        assert not [
            m
            for m in chair.signaling.messages
            if m["type"] == "participant_left" and m["participant"] == me
        ]
    finally:
        await member.media.close()
        await proxy.close()
        await member.signaling.close()
