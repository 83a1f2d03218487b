"""Resuming on another process (issue 22 item 1): the resumption token lives in the memory of
the process that issued it, so a socket that comes back to another process falls back cleanly
to a full rejoin — ``welcome`` with ``resumed: false``, a new offer, the media flowing again —
and the others still see no departure (the roster entry moves, it does not leave)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from signaling.client import RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
from signaling.wsclient import SignalingSession, get_ticket, login
from tests.cutnet import CuttableProxy
from tests.signaling.helpers import until

from ..conftest import PASSWORD
from .test_two_processes import join, pytestmark, two_servers  # noqa: F401 (fixture, marker)


async def test_a_resume_on_another_process_falls_back_to_a_full_rejoin(
    two_servers,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    first, second, meeting_id = two_servers
    red = EncodedClip.load(write_test_clip(tmp_path / "red.h264", rgb=(220, 30, 30), gop=30))
    green = EncodedClip.load(write_test_clip(tmp_path / "green.h264", rgb=(30, 200, 30), gop=30))
    target = urlsplit(first)
    proxy = await CuttableProxy(str(target.hostname), int(target.port or 80)).start()
    async with aiohttp.ClientSession() as session:
        chair = await join(session, first, "botruong", meeting_id)
        access = await login(session, first, "daibieu", PASSWORD)
        ticket = await get_ticket(session, first, access, meeting_id)
        path = ticket.ws_url.split("/ws/", 1)[1]
        member = SignalingSession(
            session, replace(ticket, ws_url=f"ws://127.0.0.1:{proxy.port}/ws/{path}")
        )
        await member.open()
        a = RoomClient(chair.ticket.participant, video=ClipTrack(red))
        b = RoomClient(member.ticket.participant, video=ClipTrack(green))
        await a.connect(chair)
        await b.connect(member)
        me = member.ticket.participant
        try:
            await until(lambda: a.receptions["main"].by_source[me] >= 10, "media flows", 30)
            assert member.resume_token is not None
            seen = len(chair.messages)
            # The next socket lands on the second process (e.g. the load balancer moved it).
            member.ticket = replace(
                member.ticket, ws_url=second.replace("http", "ws") + f"/ws/{path}"
            )
            proxy.cut(600)
            await until(lambda: member.rejoins == 1, "the member rejoined on the other one", 60)
            assert member.resumes == 0 and member.resumed is False
            assert member.connected
            before = a.receptions["main"].by_source[me]
            await until(
                lambda: a.receptions["main"].by_source[me] > before + 10,
                "the member's media flows again, through the pinned SFU",
                30,
            )
            assert not [m for m in chair.messages[seen:] if m.get("type") == "participant_left"]
            assert me in chair.roster
        finally:
            await a.close()
            await b.close()
            await chair.close()
            await member.close()
            await proxy.close()
