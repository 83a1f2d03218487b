"""The 86 endpoints (điểm cầu) of a national session holding their signaling WebSockets open while
bench/load.py runs: each authenticates with its own join token, answers the server's pings
(aiohttp's autoping) and reads every room message until the run ends.

Used by bench/load.py (``--endpoints 86``); a socket closed before the end counts as an error.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import select

from ecabinet.app import build_services
from ecabinet.config import Settings
from ecabinet.models import Organization, Role
from ecabinet.schemas.directory import EndpointIn, UserIn
from ecabinet.services import directory

OPERATOR = "vanhanh"


async def create_endpoints(settings: Settings, count: int, password: str) -> list[int]:
    """``count`` endpoints of the Government Office operated by one operator account."""
    svc = build_services(settings)
    try:
        async with svc.db.reading() as session:
            gov = await session.scalar(select(Organization).where(Organization.slug == "vpcp"))
        assert gov is not None, "bench/load.py creates the organisation first"
        operator, _ = await directory.create_user(
            svc,
            None,
            UserIn(
                username=OPERATOR,
                full_name="Vận hành",
                role=Role.OPERATOR,
                organization_id=gov.id,
                password=password,
            ),
        )
        ids = []
        for n in range(count):
            endpoint = await directory.create_endpoint(
                svc,
                None,
                EndpointIn(
                    slug=f"diem-cau-{n:02d}",
                    name=f"Điểm cầu {n + 1}",
                    organization_id=gov.id,
                    operator_id=operator.id,
                ),
            )
            ids.append(endpoint.id)
        return ids
    finally:
        await svc.db.close()


@dataclass
class Held:
    sockets: list[aiohttp.ClientWebSocketResponse] = field(default_factory=list)
    messages: int = 0
    dropped: list[str] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)


async def live_meeting(
    http: aiohttp.ClientSession,
    base: str,
    headers: dict[str, str],
    chair: str,
    endpoints: list[int],
) -> int:
    now = datetime.now(UTC)
    body = {
        "title": "Phiên họp trực tuyến toàn quốc",
        "starts_at": (now - timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "mode": "online",
        "confirm_conflicts": True,
        "participants": [{"username": chair, "role": "chair"}]
        + [{"endpoint": e, "role": "member"} for e in endpoints],
    }
    async with http.post(f"{base}/api/meetings", json=body, headers=headers) as resp:
        if resp.status != 201:
            raise RuntimeError(f"live meeting: {resp.status} {await resp.text()}")
        return int((await resp.json())["id"])


async def hold(
    http: aiohttp.ClientSession, base: str, token: str, meeting_id: int, endpoints: list[int]
) -> Held:
    """Open one authenticated socket per endpoint (8 at a time); return once all are welcomed."""
    held = Held()
    auth = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(8)

    async def one(endpoint: int) -> None:
        async with gate:
            url = f"{base}/api/meetings/{meeting_id}/join?endpoint={endpoint}"
            async with http.post(url, headers=auth) as resp:
                ticket = await resp.json()
                if resp.status != 200:
                    raise RuntimeError(f"join {endpoint}: {resp.status} {ticket}")
            ws = await http.ws_connect(ticket["ws_url"], autoping=True, max_msg_size=0)
            await ws.send_str(json.dumps({"v": 1, "type": "auth", "token": ticket["token"]}))
            first = json.loads((await ws.receive(timeout=30)).data)
            if first.get("type") != "welcome":
                raise RuntimeError(f"endpoint {endpoint}: {first}")
            held.sockets.append(ws)
            held.readers.append(asyncio.create_task(read(ws, endpoint)))

    async def read(ws: aiohttp.ClientWebSocketResponse, endpoint: int) -> None:
        async for frame in ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                held.messages += 1
        if not stopping.is_set():
            held.dropped.append(f"endpoint {endpoint}: closed {ws.close_code}")

    await asyncio.gather(*(one(e) for e in endpoints))
    return held


stopping = asyncio.Event()


async def release(held: Held) -> None:
    stopping.set()
    for ws in held.sockets:
        await ws.close()
    await asyncio.gather(*held.readers, return_exceptions=True)
