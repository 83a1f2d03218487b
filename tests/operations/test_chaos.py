"""Acceptance (issue 9): the server process is killed with SIGKILL in the middle of a live session
and started again. Real parts throughout: ``run.py serve`` in a subprocess on a free port, a file
SQLite database (and PostgreSQL in the PG leg), aiortc room clients with real WebRTC on loopback.

Before the kill: three media clients (the chair and a member publishing video, the endpoint
receiving) and a guest admitted from the lobby; a raised hand; the member speaking and the
endpoint waiting in the speaking queue; an open vote with two votes cast. After the restart the
clients must be back by themselves (new socket, new peer connection, media flowing) within 10 s
of the new process being started (its own start-up included), and the roster, the queue and the
vote must be as they were, with no committed row lost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from ecabinet.app import build_services
from ecabinet.config import Settings
from ecabinet.models import Base, LiveRoom, MeetingStatus, OrganizationLevel, Role
from ecabinet.schemas.directory import EndpointIn, OrganizationIn
from ecabinet.schemas.meetings import MeetingIn
from ecabinet.services import directory, meetings
from signaling.client import RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
from signaling.sfu import MeetingCodec
from signaling.wsclient import SignalingSession, get_ticket, login
from tests.conftest import PASSWORD, TEST_SECRET, World
from tests.governance import actor
from tests.rtc import loopback_only  # noqa: F401 (fixture: the clients stay on loopback)

from .test_shutdown import free_port, stop_all, wait_ready

ROOT = Path(__file__).resolve().parents[2]
BACK_WITHIN = 10.0  # seconds from starting the new server process until every client is back
SETTLE = 60.0  # generous: a loaded machine negotiates media slowly


async def make_world(settings: Settings) -> int:
    """The directory, an endpoint and a meeting running now; returns the meeting id."""
    svc = build_services(settings)
    try:
        w = World(svc, 0, 0, 0, {})
        for slug, level, attr in (
            ("vpcp", OrganizationLevel.GOVERNMENT, "government"),
            ("bo-y-te", OrganizationLevel.MINISTRY, "ministry"),
            ("nghe-an", OrganizationLevel.PROVINCE, "province"),
        ):
            org = await directory.create_organization(
                svc,
                None,
                OrganizationIn(slug=slug, name=slug, level=level, parent_id=w.government or None),
            )
            setattr(w, attr, org.id)
        await w.add_user("thuky", Role.SECRETARY, w.government)
        await w.add_user("thuky2", Role.SECRETARY, w.government)
        await w.add_user("botruong", Role.MEMBER, w.ministry)
        await w.add_user("daibieu", Role.DELEGATE, w.ministry)
        await w.add_user("vanhanh", Role.OPERATOR, w.province)
        endpoint = await directory.create_endpoint(
            svc,
            None,
            EndpointIn(
                slug="nghe-an-ubnd",
                name="Điểm cầu UBND tỉnh Nghệ An",
                organization_id=w.province,
                operator_id=w["vanhanh"].id,
            ),
        )
        now = datetime.now(UTC)
        data = MeetingIn.model_validate(
            {
                "title": "Phiên họp trực tuyến với các địa phương",
                "starts_at": (now - timedelta(minutes=5)).isoformat(),
                "ends_at": (now + timedelta(hours=2)).isoformat(),
                "mode": "online",
                "status": "scheduled",
                "participants": [
                    {"username": "botruong", "role": "chair"},
                    {"username": "daibieu", "role": "member"},
                    {"endpoint": endpoint.id, "role": "member"},
                ],
            },
            strict=False,
        )
        detail = await meetings.create_meeting(svc, actor(w, "thuky"), data)
        assert detail.meeting.status is MeetingStatus.SCHEDULED
        return detail.meeting.id
    finally:
        await svc.db.close()


async def row_counts(settings: Settings) -> dict[str, int]:
    svc = build_services(settings)
    try:
        async with svc.db.reading() as session:
            return {
                table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }
    finally:
        await svc.db.close()


async def live_rooms(settings: Settings) -> list[tuple[int, str]]:
    svc = build_services(settings)
    try:
        async with svc.db.reading() as session:
            rows = await session.execute(select(LiveRoom.meeting_id, LiveRoom.media_node))
            return [tuple(r) for r in rows.all()]
    finally:
        await svc.db.close()


def start_server(settings: Settings, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")}
    env.update(
        ECABINET_DATA_DIR=str(settings.data_dir),
        ECABINET_DATABASE_URL=settings.resolved_database_url,
        ECABINET_PORT=str(port),
        ECABINET_SECRET_KEY=TEST_SECRET,
        ECABINET_LOG_FORMAT="json",
    )
    return subprocess.Popen(
        [sys.executable, "tests/operations/serve_on_loopback.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@dataclass
class Someone:
    name: str
    token: str
    signaling: SignalingSession
    media: RoomClient | None

    @property
    def participant(self) -> str:
        return self.signaling.ticket.participant

    def frames(self) -> int:
        if self.media is None:
            return 0
        return sum(r.frames for r in self.media.receptions.values() if r.kind == "video")


class Session:
    """The people of the meeting, talking to the server over HTTP and their sockets."""

    def __init__(self, http: aiohttp.ClientSession, base: str, meeting_id: int) -> None:
        self.http, self.base, self.meeting_id = http, base, meeting_id
        self.people: dict[str, Someone] = {}

    def api(self, path: str) -> str:
        return f"{self.base}/api/meetings/{self.meeting_id}{path}"

    async def call(self, who: str, method: str, url: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.people[who].token}"}
        async with self.http.request(method, url, json=body, headers=headers) as resp:
            data = await resp.json()
            assert resp.status in (200, 201), (url, resp.status, data)
            return data

    async def join(self, name: str, *, clip: EncodedClip | None, media: bool = True) -> Someone:
        token = await login(self.http, self.base, name, PASSWORD)
        endpoint = None
        if name == "vanhanh":
            mine = await self.call_with(token, "GET", self.api(""))
            endpoint = next(p["endpoint_id"] for p in mine["participants"] if p["endpoint_id"])

        async def renew() -> Any:
            return await get_ticket(self.http, self.base, token, self.meeting_id, endpoint=endpoint)

        ticket = await renew()
        signaling = SignalingSession(self.http, ticket, renew=renew)
        await signaling.open()
        client = None
        if media:
            client = RoomClient(
                ticket.participant,
                video=ClipTrack(clip) if clip else None,
                codec=MeetingCodec.H264,
                ice_servers=ticket.rtc_ice_servers(),
            )
        someone = Someone(name, token, signaling, client)
        self.people[name] = someone
        return someone

    async def call_with(self, token: str, method: str, url: str) -> Any:
        async with self.http.request(
            method, url, headers={"Authorization": f"Bearer {token}"}
        ) as resp:
            assert resp.status == 200
            return await resp.json()

    def roster(self) -> dict[str, tuple[bool, bool]]:
        """The chair's view: participant → (in the lobby, hand raised)."""
        chair = self.people["botruong"].signaling
        return {p: (e["lobby"], e["hand"]) for p, e in {**chair.roster, **chair.lobby}.items()}

    async def floor(self) -> tuple[Any, list[Any]]:
        view = await self.call("botruong", "GET", self.api("/floor"))
        speaking = view["speaking"]
        return (
            speaking and (speaking["id"], speaking["participant_id"], speaking["status"]),
            [(q["id"], q["participant_id"], q["status"]) for q in view["queue"]],
        )

    async def start_session(self) -> dict[str, int]:
        """Start the session, the member speaks, the endpoint waits; a vote with two votes."""
        await self.call("botruong", "POST", self.api("/session/start"))
        detail = await self.call("botruong", "GET", self.api(""))
        people = {p["username"] or "endpoint": p["id"] for p in detail["participants"]}
        # The endpoint's raised hand is its request to speak (asked before the start, kept).
        mine = await self.call("daibieu", "POST", self.api("/floor/requests"), {})
        first = next(q["id"] for q in mine["queue"] if q["participant_id"] == people["daibieu"])
        await self.call("botruong", "POST", self.api(f"/floor/requests/{first}/grant"), {})
        motion = None
        headers = {"Authorization": f"Bearer {self.people['botruong'].token}"}
        async with asyncio.timeout(SETTLE):  # quorum comes from the room's attendance records
            while motion is None:
                async with self.http.post(
                    self.api("/motions"), json={"title": "Thông qua tờ trình"}, headers=headers
                ) as resp:
                    motion = await resp.json() if resp.status == 201 else None
                await asyncio.sleep(0.2)
        votes = f"{self.base}/api/motions/{motion['id']}/votes"
        await self.call("daibieu", "POST", votes, {"choice": "agree"})
        await self.call("botruong", "POST", votes, {"choice": "disagree"})
        return people

    async def votes(self) -> list[Any]:
        found = []
        for who in ("botruong", "daibieu"):
            for m in await self.call(who, "GET", self.api("/motions")):
                found.append((who, m["id"], m["status"], m["votes_cast"], m["my_choices"]))
        return found


async def eventually(condition: Any, limit: float) -> None:
    """Poll ``condition`` (the state of clients and of another process) until it holds."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 (nothing to wait on: several objects change)
            await asyncio.sleep(0.05)


@dataclass
class Scene:
    """A live session on a real server process, ready to be killed."""

    settings: Settings
    session: Session
    server: subprocess.Popen
    port: int
    everyone: tuple[Someone, ...]
    media: tuple[Someone, ...]
    roster: dict[str, tuple[bool, bool]]
    floor: tuple[Any, list[Any]]
    votes: list[Any]
    counts: dict[str, int]
    frames: dict[str, int] = field(default_factory=dict)
    restarted_at: float = 0.0  # the event loop's clock when the new process was started

    def restart(self) -> None:
        self.frames = {x.name: x.frames() for x in self.media}
        self.restarted_at = asyncio.get_running_loop().time()
        self.server = start_server(self.settings, self.port)

    def back(self) -> bool:
        """Every client has a new socket, a new peer connection with media flowing again, and
        the chair sees the roster as it was."""
        return (
            all(x.signaling.reconnects >= 1 and x.signaling.connected for x in self.everyone)
            and all(x.signaling.rejoins >= 1 for x in self.media)
            and all(x.frames() > self.frames[x.name] for x in self.media)
            and self.session.roster() == self.roster
        )

    def state(self) -> str:
        return repr(
            (
                [(x.name, x.signaling.reconnects, x.signaling.connected) for x in self.everyone],
                [
                    (x.name, x.signaling.rejoins, x.frames() - self.frames[x.name])
                    for x in self.media
                ],
                self.session.roster(),
                self.roster,
            )
        )

    async def wait_back(self) -> None:
        """The 10 s count from the moment the new process is started: its start-up (imports,
        database check, recovery of the live state) and the clients' reconnection together."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(self.restarted_at + BACK_WITHIN):
                await wait_ready(self.session.http, self.session.base, self.server)
                ready = loop.time() - self.restarted_at
                await eventually(self.back, BACK_WITHIN)
        except TimeoutError:
            self.server.send_signal(signal.SIGTERM)
            stderr = self.server.communicate(timeout=30)[1]
            raise AssertionError(f"not back in time: {self.state()}\n{stderr[-4000:]}") from None
        back = loop.time() - self.restarted_at
        print(
            f"after the restart: server ready in {ready:.1f} s, every client back in {back:.1f} s"
        )

    async def nothing_lost(self) -> None:
        assert all(x.signaling.close_code is None for x in self.everyone)
        assert await self.session.floor() == self.floor
        assert await self.session.votes() == self.votes
        counts = await row_counts(self.settings)
        lost = {t: (n, counts[t]) for t, n in self.counts.items() if counts[t] < n}
        assert lost == {}


@pytest.fixture
async def scene(db_url: str, tmp_path: Path) -> AsyncIterator[Scene]:
    """Three media clients and an admitted guest; a raised hand; the member speaking and the
    endpoint waiting for the floor; an open vote with two votes cast."""
    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, secret_key=TEST_SECRET)
    meeting_id = await make_world(settings)
    red = EncodedClip.load(write_test_clip(tmp_path / "red.h264", rgb=(220, 30, 30), gop=30))
    green = EncodedClip.load(write_test_clip(tmp_path / "green.h264", rgb=(30, 200, 30), gop=30))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        s = Session(http, base, meeting_id)
        scene: Scene | None = None
        server = start_server(settings, port)
        try:
            await wait_ready(http, base, server)
            chair = await s.join("botruong", clip=red)
            member = await s.join("daibieu", clip=green)
            endpoint = await s.join("vanhanh", clip=None)
            guest = await s.join("thuky2", clip=None, media=False)
            assert guest.signaling.in_lobby
            await chair.signaling.send("admit", participant=guest.participant)
            await guest.signaling.wait_for(lambda: not guest.signaling.in_lobby, SETTLE)
            media = (chair, member, endpoint)
            for someone in media:
                assert someone.media is not None
                await asyncio.wait_for(someone.media.connect(someone.signaling), SETTLE)
            await endpoint.signaling.send("hand", raised=True)
            people = await s.start_session()
            everyone = (chair, member, endpoint, guest)
            roster = {x.participant: (False, x is endpoint) for x in everyone}
            await eventually(lambda: s.roster() == roster, SETTLE)
            await eventually(lambda: all(x.frames() > 0 for x in media), SETTLE)
            floor, votes = await s.floor(), await s.votes()
            assert floor[0][1] == people["daibieu"] and len(floor[1]) == 1
            assert [v[3] for v in votes] == [2, 2]
            scene = Scene(
                settings,
                s,
                server,
                port,
                everyone,
                media,
                roster,
                floor,
                votes,
                await row_counts(settings),
            )
            yield scene
        finally:
            for someone in s.people.values():
                with contextlib.suppress(Exception):
                    if someone.media is not None:
                        await someone.media.close()
                    await someone.signaling.close()
            stop_all(scene.server if scene else server)


async def test_sigkill_in_a_session_clients_come_back_and_nothing_is_lost(scene: Scene) -> None:
    scene.server.send_signal(signal.SIGKILL)
    scene.server.wait(10)
    scene.restart()
    await scene.wait_back()  # within BACK_WITHIN seconds of starting the new server process
    await scene.nothing_lost()


async def test_sigterm_tells_clients_to_reconnect_and_releases_the_media_pin(
    scene: Scene,
) -> None:
    scene.server.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(scene.server.wait, 30) == 0
    for x in scene.everyone:
        hints = [m for m in x.signaling.messages if m["type"] == "reconnect"]
        assert hints and hints[-1]["retry_after"] > 0
        assert x.signaling.last_close_code == 1012
    assert await live_rooms(scene.settings) == []  # the pin was released: anyone may take it
    scene.restart()
    await scene.wait_back()
    await scene.nothing_lost()
