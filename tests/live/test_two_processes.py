"""Two app processes sharing Redis serve one meeting: each sees the other's participants, and
a chair on one process controls a participant on the other."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from signaling.wsclient import SignalingSession, get_ticket, login

from ..conftest import PASSWORD, TEST_SECRET
from .conftest import create_meeting, upload_document

REDIS_URL = os.environ.get("ECABINET_TEST_REDIS_URL", "")
pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]
Server = tuple[asyncio.subprocess.Process, str]
ENDED = {4401, 1006}  # a page socket closed because its session ended (see the test below)


def open_log(data_dir: Path) -> BinaryIO:
    data_dir.mkdir(parents=True)
    return (data_dir / "server.log").open("wb")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_server(env: dict[str, str], data_dir: Path) -> Server:
    """``run.py serve`` on a free port; its log goes to ``data_dir/server.log``."""
    port = free_port()
    log = open_log(data_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "run.py",
        "serve",
        cwd=ROOT,
        env={**env, "ECABINET_PORT": str(port), "ECABINET_DATA_DIR": str(data_dir)},
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    # Generous: on a busy shared machine importing and migrating can take well over 10 s.
    deadline = asyncio.get_running_loop().time() + 90
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline and process.returncode is None:
            try:
                async with session.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return process, base
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not start; see {data_dir / 'server.log'}")


@pytest.fixture
async def two_servers(
    client: TestClient, endpoint_id: int, db_url: str, tmp_path: Path
) -> AsyncIterator[tuple[str, str, int]]:
    if not REDIS_URL:
        pytest.skip("Redis leg: set ECABINET_TEST_REDIS_URL (.ci/run does)")
    # The servers run on the real clock: the meeting starts in ten minutes, really.
    now = datetime.now(UTC).replace(microsecond=0)
    meeting = await create_meeting(
        client,
        endpoint_id,
        starts=(now + timedelta(minutes=10)).isoformat(),
        ends=(now + timedelta(hours=2)).isoformat(),
    )
    env = {
        **os.environ,
        "ECABINET_DATABASE_URL": db_url,
        "ECABINET_SECRET_KEY": TEST_SECRET,
        "ECABINET_REDIS_URL": REDIS_URL,
        "ECABINET_BUS_NAMESPACE": f"test-{secrets.token_hex(4)}:",
    }
    started = [await start_server(env, tmp_path / f"node{i}") for i in (1, 2)]
    try:
        yield started[0][1], started[1][1], meeting.id
    finally:
        for process, _ in started:
            process.terminate()
            await process.wait()


async def join(session: aiohttp.ClientSession, base: str, username: str, meeting_id: int):
    access = await login(session, base, username, PASSWORD)
    signaling = SignalingSession(session, await get_ticket(session, base, access, meeting_id))
    await signaling.open()
    return signaling


async def test_participants_on_two_processes_see_each_other(two_servers) -> None:
    first, second, meeting_id = two_servers
    async with aiohttp.ClientSession() as session:
        chair = await join(session, first, "botruong", meeting_id)
        member = await join(session, second, "daibieu", meeting_id)
        assert chair.ticket.ws_url.startswith(first.replace("http", "ws"))
        assert member.ticket.ws_url.startswith(second.replace("http", "ws"))
        await chair.wait_for(lambda: member.ticket.participant in chair.roster, limit=10)
        await member.wait_for(lambda: chair.ticket.participant in member.roster, limit=10)

        # A chair control crosses processes.
        await member.send("media_state", audio=True, video=True)
        await chair.wait_for(
            lambda: chair.roster[member.ticket.participant]["audio"] is True, limit=10
        )
        await chair.send("mute", participant=member.ticket.participant)
        await member.wait_for(lambda: any(m["type"] == "muted" for m in member.messages), 10)
        await chair.wait_for(
            lambda: chair.roster[member.ticket.participant]["audio"] is False, limit=10
        )

        # A late joiner on the first process gets the whole roster in its snapshot.
        endpoint = await join(session, first, "vanhanh", meeting_id)
        await endpoint.wait_for(
            lambda: {chair.ticket.participant, member.ticket.participant} <= endpoint.roster.keys(),
            limit=10,
        )

        # Leaving on one process is seen on the other.
        await member.close()
        await chair.wait_for(lambda: member.ticket.participant not in chair.roster, limit=10)
        await chair.close()
        await endpoint.close()


async def test_media_of_a_meeting_is_pinned_to_one_process_and_flows_across(
    two_servers, tmp_path: Path, db_url: str
) -> None:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from ecabinet.models import LiveRoom
    from signaling.client import RoomClient, decode_packets
    from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
    from signaling.sfu import MeetingCodec
    from tests.signaling.helpers import colour_of, until

    first, second, meeting_id = two_servers
    red = EncodedClip.load(write_test_clip(tmp_path / "red.h264", rgb=(220, 30, 30), gop=30))
    green = EncodedClip.load(write_test_clip(tmp_path / "green.h264", rgb=(30, 200, 30), gop=30))
    async with aiohttp.ClientSession() as session:
        chair = await join(session, first, "botruong", meeting_id)
        member = await join(session, second, "daibieu", meeting_id)
        a = RoomClient(chair.ticket.participant, video=ClipTrack(red), keep=30)
        b = RoomClient(member.ticket.participant, video=ClipTrack(green), keep=30, share_line=True)
        await a.connect(chair)
        await b.connect(member)
        try:
            await until(
                lambda: (
                    a.receptions["main"].by_source[member.ticket.participant] >= 20
                    and b.receptions["main"].by_source[chair.ticket.participant] >= 20
                ),
                "each receives the other through the pinned SFU",
            )
            for client, other, colour in ((a, member, "green"), (b, chair, "red")):
                packets = [
                    p
                    for who, p in client.receptions["main"].kept
                    if who == other.ticket.participant
                ]
                frames = decode_packets(MeetingCodec.H264, packets)
                assert {colour_of(f) for f in frames} == {colour}
            engine = create_async_engine(db_url)
            async with engine.connect() as conn:
                pins = (await conn.execute(select(LiveRoom.meeting_id))).all()
            await engine.dispose()
            assert pins == [(meeting_id,)]  # one pin: one process carries the meeting's media

            # A screen share asked on the second process is decided by the pinned SFU on the
            # first, and announced to both.
            await b.share(ClipTrack(red))
            await chair.wait_for(lambda: chair.screen_sharer == member.ticket.participant, limit=10)
            shared = f"{member.ticket.participant}:screen"
            await until(
                lambda: a.receptions["main"].by_source[shared] >= 20,
                "the chair receives the member's screen across processes",
            )
            await b.stop_sharing()
            await chair.wait_for(lambda: chair.screen_sharer is None, limit=10)
        finally:
            await a.close()
            await b.close()
            await chair.close()
            await member.close()


async def test_disabling_an_account_on_one_process_closes_its_socket_on_the_other(
    two_servers,
) -> None:
    """SEC-C6 across processes: the administrator works on the first process; the member's room
    socket on the second is closed through the bus, and the client does not come back."""
    first, second, meeting_id = two_servers
    async with aiohttp.ClientSession() as session:
        chair = await join(session, first, "botruong", meeting_id)
        member = await join(session, second, "daibieu", meeting_id)
        await chair.wait_for(lambda: member.ticket.participant in chair.roster, limit=10)
        admin = await login(session, first, "admin", PASSWORD)
        user_id = next(
            u["id"]
            for u in await (
                await session.get(
                    f"{first}/api/admin/users", headers={"Authorization": f"Bearer {admin}"}
                )
            ).json()
            if u["username"] == "daibieu"
        )
        resp = await session.patch(
            f"{first}/api/admin/users/{user_id}",
            json={"is_active": False},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert resp.status == 200, await resp.text()
        await member.wait_for(lambda: member.close_code is not None, limit=10)
        assert member.close_code == 4401 and member.reconnects == 0
        assert any(m.get("code") == "no_longer_admitted" for m in member.messages)
        await chair.wait_for(lambda: member.ticket.participant not in chair.roster, limit=10)
        await chair.close()


async def test_page_sockets_on_the_other_process_close_when_access_ends(
    two_servers, client: TestClient
) -> None:
    """SEC-C6 for the session and document sockets across processes (issue 19, item 7): the
    member changes her password on the first process; her other session's session and document
    sockets on the second close at once (4401), while those of the session she changed it in
    stay; then the administrator disables her on the first process and those close too."""
    first, second, meeting_id = two_servers
    document = await upload_document(client, meeting_id)
    ws_base = second.replace("http", "ws")

    async def sockets(session: aiohttp.ClientSession, access: str) -> list:
        headers = {"Authorization": f"Bearer {access}"}
        opened = [
            await session.ws_connect(
                f"{ws_base}/ws/meetings/{meeting_id}/session", headers=headers
            ),
            await session.ws_connect(f"{ws_base}/ws/documents/{document}", headers=headers),
        ]
        for ws in opened:
            assert (await ws.receive_json(timeout=10))["type"] == "hello"
        return opened

    async def close_code(ws) -> int | None:
        async with asyncio.timeout(10):
            while (await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                pass
        return ws.close_code

    async with aiohttp.ClientSession() as session:
        laptop = await login(session, first, "daibieu", PASSWORD)
        tablet = await login(session, second, "daibieu", PASSWORD)
        on_laptop, on_tablet = await sockets(session, laptop), await sockets(session, tablet)
        resp = await session.post(
            f"{first}/api/me/password",
            json={"current_password": PASSWORD, "new_password": "a brand new passphrase 2026"},
            headers={"Authorization": f"Bearer {laptop}"},
        )
        assert resp.status == 204, await resp.text()
        # closed at once (the page sockets' own session check is 30 s away); the code is 4401,
        # though across real processes the session socket's close frame has been seen lost
        # (1006) once in several runs — the socket is gone either way
        assert all(code in ENDED for code in [await close_code(ws) for ws in on_tablet])
        assert not any(ws.closed for ws in on_laptop)
        admin = {"Authorization": f"Bearer {await login(session, first, 'admin', PASSWORD)}"}
        users = await (await session.get(f"{first}/api/admin/users", headers=admin)).json()
        user_id = next(u["id"] for u in users if u["username"] == "daibieu")
        resp = await session.patch(
            f"{first}/api/admin/users/{user_id}", json={"is_active": False}, headers=admin
        )
        assert resp.status == 200, await resp.text()
        assert all(code in ENDED for code in [await close_code(ws) for ws in on_laptop])
