"""Fixtures for the live meeting: a scheduled meeting starting soon, and socket helpers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, FormData, WSMsgType
from aiohttp.test_utils import TestClient
from aiortc.mediastreams import MediaStreamTrack

from ecabinet.models import Role
from ecabinet.schemas.directory import EndpointIn
from ecabinet.services import directory
from signaling.client import RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
from signaling.sfu import MeetingCodec
from signaling.wsclient import SignalingSession, Ticket
from tests.rtc import clips, loopback_only  # noqa: F401 (fixtures: every live test stays on loopback)

from ..conftest import PASSWORD, World, api_login, bearer
from ..documents.pdfs import make_pdf

WAIT = 5.0


@dataclass
class Meeting:
    id: int
    endpoint_id: int
    participants: dict[str, int]  # username or "endpoint" -> participant id


@pytest.fixture
async def endpoint_id(world: World) -> int:
    """The Nghệ An endpoint (operated by vanhanh); also ``thuky2``, a secretary of the
    Government Office who is on no meeting (so she can see its meetings but is not invited)."""
    await world.add_user("thuky2", Role.SECRETARY, world.government)
    endpoint = await directory.create_endpoint(
        world.svc,
        None,
        EndpointIn(
            slug="nghe-an-ubnd",
            name="Điểm cầu UBND tỉnh Nghệ An",
            organization_id=world.province,
            operator_id=world["vanhanh"].id,
        ),
    )
    return endpoint.id


async def create_meeting(
    client: TestClient,
    endpoint_id: int,
    *,
    starts: str = "2026-11-23T02:10:00Z",
    ends: str = "2026-11-23T04:00:00Z",
) -> Meeting:
    """Chair botruong, member daibieu, the Nghệ An endpoint; organised by thuky (the meeting's
    secretary)."""
    tokens = await api_login(client, "thuky")
    resp = await client.post(
        "/api/meetings",
        json={
            "title": "Phiên họp trực tuyến với các địa phương",
            "starts_at": starts,
            "ends_at": ends,
            "mode": "online",
            "status": "scheduled",
            "confirm_conflicts": True,
            "participants": [
                {"username": "botruong", "role": "chair"},
                {"username": "daibieu", "role": "member"},
                {"endpoint": endpoint_id, "role": "member"},
            ],
        },
        headers=bearer(tokens),
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    ids: dict[str, int] = {}
    for part in body["participants"]:
        ids[part["username"] or "endpoint"] = part["id"]
    return Meeting(body["id"], endpoint_id, ids)


@pytest.fixture
async def meeting(client: TestClient, endpoint_id: int) -> Meeting:
    return await create_meeting(client, endpoint_id)


async def upload_document(
    client: TestClient, meeting_id: int, title: str = "Tờ trình trình chiếu", pages: int = 5
) -> int:
    """A PDF of the meeting, uploaded by its secretary (thuky): something to present."""
    form = FormData(quote_fields=False)
    form.add_field("title", title)
    form.add_field(
        "file", make_pdf(title, pages=pages), filename="t.pdf", content_type="application/pdf"
    )
    headers = bearer(await api_login(client, "thuky"))
    resp = await client.post(f"/api/meetings/{meeting_id}/documents", data=form, headers=headers)
    assert resp.status == 201, await resp.text()
    return int((await resp.json())["id"])


async def join_token(
    client: TestClient, username: str, meeting_id: int, query: str = ""
) -> dict[str, Any]:
    tokens = await api_login(client, username)
    resp = await client.post(f"/api/meetings/{meeting_id}/join{query}", headers=bearer(tokens))
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


class Peer:
    """A signaling client over a real WebSocket: send, and wait for a given message type."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def send(self, type_: str, **fields: Any) -> None:
        await self.ws.send_str(json.dumps({"v": 1, "type": type_, **fields}))

    async def next(self, wait: float = WAIT) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=wait)
        if msg.type != WSMsgType.TEXT:
            raise ConnectionError(f"socket closed: {msg.type!r} {self.ws.close_code}")
        data: dict[str, Any] = json.loads(msg.data)
        self.seen.append(data)
        return data

    async def expect(self, type_: str, wait: float = WAIT, **match: Any) -> dict[str, Any]:
        """The next message of this type (and these field values); others are kept in ``seen``."""
        async with asyncio.timeout(wait):
            while True:
                data = await self.next(wait)
                if data["type"] == type_ and all(data.get(k) == v for k, v in match.items()):
                    return data

    async def closed(self, wait: float = WAIT) -> int | None:
        """Read until the server closes; return the close code."""
        async with asyncio.timeout(wait):
            while True:
                msg = await self.ws.receive()
                if msg.type == WSMsgType.TEXT:
                    self.seen.append(json.loads(msg.data))
                    continue
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                    return self.ws.close_code
                if msg.type == WSMsgType.ERROR:
                    return self.ws.close_code

    def errors(self) -> list[str]:
        return [m["code"] for m in self.seen if m["type"] == "error"]


async def connect(client: TestClient, meeting_id: int, **kwargs: Any) -> Peer:
    ws = await client.ws_connect(f"/ws/meetings/{meeting_id}", **kwargs)
    return Peer(ws)


async def enter(client: TestClient, username: str, meeting_id: int, query: str = "") -> Peer:
    """Get a join token, open the socket, authenticate, wait for the welcome."""
    ticket = await join_token(client, username, meeting_id, query)
    peer = await connect(client, meeting_id)
    await peer.send("auth", token=ticket["token"])
    await peer.expect("welcome")
    return peer


class Joined:
    """A room client that joined through the signaling WebSocket: its socket and its media."""

    def __init__(self, signaling: SignalingSession, media: RoomClient) -> None:
        self.signaling = signaling
        self.media = media

    @property
    def participant(self) -> str:
        return self.signaling.ticket.participant

    def got(self, type_: str, **match: object) -> bool:
        """Whether a message of this type (and these field values) has arrived."""
        return any(
            m.get("type") == type_ and all(m.get(k) == v for k, v in match.items())
            for m in self.signaling.messages
        )

    async def close(self) -> None:
        await self.media.close()
        await self.signaling.close()


Join = Callable[..., Awaitable[Joined]]


async def join_room(
    client: TestClient,
    meeting_id: int,
    username: str,
    clip: EncodedClip,
    query: str = "",
    **options: Any,
) -> Joined:
    """A join token for ``username``, an open socket, and an aiortc room client sending ``clip``
    as its camera (H.264; ``options`` go to :class:`RoomClient`), connected."""
    body = await join_token(client, username, meeting_id, query)
    ticket = Ticket(
        body["token"], body["ws_url"], body["ice_servers"], body["participant"], body["lobby"]
    )
    signaling = SignalingSession(client.session, ticket)
    await signaling.open()
    media = RoomClient(
        ticket.participant,
        video=ClipTrack(clip),
        codec=MeetingCodec.H264,
        ice_servers=ticket.rtc_ice_servers(),
        **options,
    )
    await media.connect(signaling)
    return Joined(signaling, media)


def green_clip(folder: Path) -> EncodedClip:
    """A 3-second green H.264 clip with a keyframe every second (for a browser's decoder)."""
    return EncodedClip.load(write_test_clip(folder / "green.h264", rgb=(30, 200, 30), gop=30))


async def open_room(page: Any, client: TestClient, meeting_id: int, username: str) -> None:
    """Log ``username`` in on the Playwright ``page`` and land on the meeting's room page."""
    base = f"http://{client.host}:{client.port}"
    await page.goto(f"{base}/login?next=/meetings/{meeting_id}/room")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button.primary")
    await page.wait_for_url(f"**/meetings/{meeting_id}/room")


@pytest.fixture
async def joiner(
    client: TestClient,
    meeting: Meeting,
    clips: dict[str, EncodedClip],  # noqa: F811 (fixture)
) -> AsyncIterator[Join]:
    """``await joiner(username, colour, query="", keep=20, audio=None, share_line=False)``: a join
    token, an open socket, and an aiortc room client sending the clip of that colour (H.264);
    everyone joined is closed at the end."""
    made: list[Joined] = []

    async def join(
        username: str,
        colour: str,
        query: str = "",
        *,
        keep: int = 20,
        audio: MediaStreamTrack | None = None,
        share_line: bool = False,
    ) -> Joined:
        joined = await join_room(
            client,
            meeting.id,
            username,
            clips[colour],
            query,
            audio=audio,
            share_line=share_line,
            keep=keep,
        )
        made.append(joined)
        return joined

    yield join
    for joined in made:
        await joined.close()
