"""A secret vote stays secret from everyone, moderators included (issue 19, item 14).

The proof is by comparison: the same meeting is run twice, on two fresh databases, with the same
voters voting at the same moments but choosing differently. After every step each role reads every
surface it can (the JSON API, the pages, the audit log, /metrics, the session socket and the live
room's socket); whatever any of them can read must be the same in both runs. If it were not, the
difference would be the information the choices leaked.

- Before the close the two runs have different splits (after the first ballot: one "agree" in run
  A, one "abstain" in run B), so equal surfaces mean nobody can read the split while it is open:
  only the count of votes cast.
- The runs end with the same tally reached by opposite people, so surfaces that stay equal after
  the close (the audit log with its times, the entries' hashes, the final tally) mean nothing
  anyone can read ties a member to a choice, nor orders the choices to join them to the audit.
- The surfaces are really read: the chair's and secretary's views carry the count of votes cast
  while open and the tally once closed (and without the fix, the runs differ after the first
  ballot, in the chair's and the secretary's session, motions and console).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ecabinet.app import create_app
from ecabinet.clock import FrozenClock
from ecabinet.config import Settings
from ecabinet.models import Base, Role
from ecabinet.schemas.directory import EndpointIn
from ecabinet.services import attendance, directory
from ecabinet.web.appkeys import services_key

from .conftest import TEST_SECRET, api_login, bearer, build_world
from .live.conftest import Peer, create_meeting, enter

# Who reads: the chair and a member (both vote), the meeting's secretary, an administrator, the
# endpoint's operator, and a secretary of the same office with no part in the meeting.
READERS = ["botruong", "daibieu", "thuky", "admin", "vanhanh", "thuky2"]
IN_THE_ROOM = ["botruong", "daibieu", "vanhanh"]
WAIT = 10.0

Surfaces = dict[str, Any]
MakeClient = Callable[[str], Awaitable[TestClient]]


@pytest.fixture
def fresh_client(
    migrated_database: str,
    tmp_path: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> MakeClient:
    """A new app on an empty database each call (PostgreSQL: the same one, emptied; the previous
    client must be closed first)."""

    async def make(name: str) -> TestClient:
        if migrated_database.startswith("postgresql"):
            engine = create_async_engine(migrated_database)
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            await engine.dispose()
            url = migrated_database
        else:
            target = tmp_path / f"{name}.db"
            shutil.copyfile(migrated_database, target)
            url = f"sqlite+aiosqlite:///{target}"
        settings = Settings(data_dir=tmp_path / name, database_url=url, secret_key=TEST_SECRET)
        return await aiohttp_client(create_app(settings, clock=FrozenClock()))

    return make


_RANDOM = [
    (re.compile(r'(name="csrf_token" value=")[^"]+'), r"\1…"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1…"),
    (re.compile(r'(nonce=")[^"]+'), r"\1…"),
    (re.compile(r"(Request id )[0-9a-f]+"), r"\1…"),
]
_TIMING = re.compile(r"^(process_|python_gc_)|_seconds|_bytes|_created\{")


def _steady(page: str) -> str:
    """A page without what is random per request (CSRF tokens, CSP nonces, request ids)."""
    for pattern, replacement in _RANDOM:
        page = pattern.sub(replacement, page)
    return page


def _counters(exposition: str) -> list[str]:
    """The /metrics lines that count things (not durations, sizes, creation times, the process)."""
    return [line for line in exposition.splitlines() if line and not _TIMING.search(line)]


async def _read(client: TestClient, headers: dict[str, str], meeting_id: int) -> Surfaces:
    seen: Surfaces = {}
    for path in (
        f"/api/meetings/{meeting_id}/session",
        f"/api/meetings/{meeting_id}/motions",
        f"/api/meetings/{meeting_id}/attendance",
        f"/api/meetings/{meeting_id}/audit",
        f"/api/meetings/{meeting_id}/audit/verify",
        "/api/admin/audit",
    ):
        resp = await client.get(path, headers=headers)
        seen[path] = (resp.status, await resp.json())
    for path in (
        f"/meetings/{meeting_id}",
        f"/meetings/{meeting_id}/session",
        f"/meetings/{meeting_id}/audit",
        f"/meetings/{meeting_id}/minutes",
        "/admin/audit",
    ):
        resp = await client.get(path, headers=headers)
        seen[path] = (resp.status, _steady(await resp.text()))
    resp = await client.get("/metrics")
    seen["/metrics"] = (resp.status, _counters(await resp.text()))
    return seen


class Listener:
    """A socket's messages, read up to the one that announces a given change. The socket is read
    all the time (so it answers the server's heartbeat pings while the surfaces are read)."""

    def __init__(self, ws: Any, *, room: bool) -> None:
        self.ws, self.room = ws, room
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            msg = await self.ws.receive()
            await self.inbox.put(msg)
            if msg.type != WSMsgType.TEXT:
                return

    async def until(self, event: str) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        async with asyncio.timeout(WAIT):
            while True:
                msg = await self.inbox.get()
                assert msg.type == WSMsgType.TEXT, msg
                data: dict[str, Any] = msg.json()
                if self.room and data.get("type") != "session":
                    continue  # the room's own traffic (roster, media) is not about votes
                if not self.room or str(data.get("event", "")).startswith("motion."):
                    kept.append(data)
                if data.get("type") == "session" and data.get("event") == event:
                    return kept

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


async def _run(client: TestClient, ballots: list[tuple[str, str, bool]]) -> list[Surfaces]:
    """One meeting with a secret vote; ``ballots`` are (voter, choice, changes-with-receipt).
    What every reader could read after the vote opened, after each ballot and after the close."""
    svc = client.app[services_key]
    world = await build_world(svc)
    await world.add_user("thuky2", Role.SECRETARY, world.government)
    endpoint = await directory.create_endpoint(
        svc,
        None,
        EndpointIn(
            slug="nghe-an-ubnd",
            name="Điểm cầu UBND tỉnh Nghệ An",
            organization_id=world.province,
            operator_id=world["vanhanh"].id,
        ),
    )
    meeting = await create_meeting(client, endpoint.id)
    m = meeting.id
    who = {name: bearer(await api_login(client, name)) for name in READERS}
    peers: dict[str, Peer] = {}
    for count, name in enumerate(IN_THE_ROOM, start=1):
        # one at a time: the room records attendance beside the join, and the audit's order of
        # those entries must not depend on which write happened to land first
        peers[name] = await enter(client, name, m)
        for _ in range(200):  # read beside the app: polling over HTTP would show in /metrics
            async with svc.db.reading() as session:
                rows = (await attendance.compute(session, m, svc.clock.now())).rows
            if sum(1 for r in rows if r.status.value.startswith("present")) >= count:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail(f"the room did not record attendance: {rows}")
    listeners = {f"room:{n}": Listener(peer.ws, room=True) for n, peer in peers.items()}
    for name in READERS:
        resp = await client.get(f"/api/meetings/{m}/session", headers=who[name])
        if resp.status == 200:
            ws = await client.ws_connect(f"/ws/meetings/{m}/session", headers=who[name])
            listeners[f"session:{name}"] = Listener(ws, room=False)

    async def step(event: str, call: Awaitable[Any]) -> Surfaces:
        resp = await call
        assert resp.status in (200, 201), await resp.text()
        body = await resp.json()
        seen: Surfaces = {"_response": body}
        for name, listener in listeners.items():
            seen[f"{name} messages"] = await listener.until(event)
        for name in READERS:
            for path, found in (await _read(client, who[name], m)).items():
                seen[f"{name} {path}"] = found
        return seen

    snapshots = []
    start = await client.post(f"/api/meetings/{m}/session/start", headers=who["thuky"])
    assert start.status == 200, await start.text()
    for listener in listeners.values():
        await listener.until("session.started")
    opened = await step(
        "motion.opened",
        client.post(
            f"/api/meetings/{m}/motions",
            json={"title": "Bầu Phó Chủ tịch", "secret": True},
            headers=who["botruong"],
        ),
    )
    motion_id = opened.pop("_response")["id"]
    snapshots.append(opened)
    receipts: dict[str, str] = {}
    for voter, choice, change in ballots:
        body: dict[str, Any] = {"choice": choice}
        if change:
            body["receipt"] = receipts[voter]
        seen = await step(
            "motion.voted",
            client.post(f"/api/motions/{motion_id}/votes", json=body, headers=who[voter]),
        )
        response = seen.pop("_response")
        receipts.setdefault(voter, response["receipt"])
        snapshots.append(seen)
    closed = await step(
        "motion.closed", client.post(f"/api/motions/{motion_id}/close", headers=who["botruong"])
    )
    closed.pop("_response")
    snapshots.append(closed)
    for listener in listeners.values():
        await listener.close()
    return snapshots


def _differences(a: Surfaces, b: Surfaces) -> list[str]:
    assert a.keys() == b.keys()
    return sorted(key for key in a if a[key] != b[key])


async def test_no_role_can_tell_a_secret_votes_split_or_who_chose_what(
    fresh_client: MakeClient,
) -> None:
    # Run A: the chair agrees, the member disagrees then changes to abstain.
    # Run B: the chair abstains, the member disagrees then changes to agree.
    # Splits differ after the first two ballots; the final tally is the same, by opposite people.
    client = await fresh_client("a")
    run_a = await _run(
        client,
        [
            ("botruong", "agree", False),
            ("daibieu", "disagree", False),
            ("daibieu", "abstain", True),
        ],
    )
    await client.close()
    client = await fresh_client("b")
    run_b = await _run(
        client,
        [
            ("botruong", "abstain", False),
            ("daibieu", "disagree", False),
            ("daibieu", "agree", True),
        ],
    )
    await client.close()

    steps = ["opened", "chair voted", "member voted", "member changed", "closed"]
    for name, a, b in zip(steps, run_a, run_b, strict=True):
        assert _differences(a, b) == [], f"after '{name}' the choices show in these"
    motions = next(key for key in run_a[0] if key.startswith("botruong ") and "/motions" in key)
    # while open, the chair and the secretary see how many have voted, not the split
    for cast, when in zip([0, 1, 2, 2], run_a[:-1], strict=True):
        for moderator in ("botruong", "thuky"):
            status, views = when[motions.replace("botruong", moderator, 1)]
            assert status == 200 and views[0]["tally"] is None and views[0]["votes_cast"] == cast
    # the surfaces are really read: once closed, the tally is there for all to see
    status, views = run_a[-1][motions]
    assert status == 200 and views[0]["tally"] == {"agree": 1, "disagree": 0, "abstain": 1}
