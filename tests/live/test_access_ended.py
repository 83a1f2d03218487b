"""SEC-C6 for every live socket: when a user's access ends — disabled, password reset by an
administrator, or their own password changed in one session (which ends the others) — the
session socket and the document sockets close at once (4401), like the room's, through the same
bus message; not at their next event or their 30 s session check. On one process here; across
two over Redis in test_two_processes.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from signaling.protocol import CloseCode

from ..conftest import PASSWORD, World, api_login, bearer
from ..test_meeting_pages import _csrf, browser_login
from .conftest import Meeting, Peer, upload_document

WAIT = 5.0  # well under the page sockets' own session check (30 s): only the message closes them


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """Read until the server closes the socket; its close code."""
    async with asyncio.timeout(WAIT):
        while True:
            msg = await ws.receive()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                return ws.close_code
            assert msg.type == WSMsgType.TEXT, msg


async def still_open(ws: aiohttp.ClientWebSocketResponse) -> bool:
    """Nothing but messages for a moment: the server has not closed it."""
    try:
        while True:
            msg = await ws.receive(timeout=0.5)
            if msg.type != WSMsgType.TEXT:
                return False
    except TimeoutError:
        return not ws.closed


class Sessions:
    """One login session of a user and the sockets opened with it."""

    def __init__(self, client: TestClient, tokens: dict[str, Any]) -> None:
        self.client, self.tokens, self.headers = client, tokens, bearer(tokens)
        self.sockets: dict[str, aiohttp.ClientWebSocketResponse] = {}

    async def open(self, meeting: Meeting, document_id: int, *, room: bool = False) -> None:
        c, h = self.client, self.headers
        self.sockets["session"] = await c.ws_connect(
            f"/ws/meetings/{meeting.id}/session", headers=h
        )
        self.sockets["document"] = await c.ws_connect(f"/ws/documents/{document_id}", headers=h)
        for ws in self.sockets.values():
            assert (await ws.receive_json(timeout=WAIT))["type"] == "hello"
        if room:  # a join ticket minted with this session
            resp = await c.post(f"/api/meetings/{meeting.id}/join", headers=h)
            assert resp.status == 200, await resp.text()
            peer = Peer(await c.ws_connect(f"/ws/meetings/{meeting.id}"))
            await peer.send("auth", token=(await resp.json())["token"])
            await peer.expect("welcome")
            self.sockets["room"] = peer.ws

    async def all_closed(self) -> dict[str, int | None]:
        return {name: await closed_with(ws) for name, ws in self.sockets.items()}

    async def all_open(self) -> dict[str, bool]:
        return {name: await still_open(ws) for name, ws in self.sockets.items()}


async def test_disabling_an_account_closes_its_session_and_document_sockets_at_once(
    client: TestClient, meeting: Meeting, world: World
) -> None:
    document = await upload_document(client, meeting.id)
    member = Sessions(client, await api_login(client, "daibieu"))
    await member.open(meeting, document, room=True)
    admin = bearer(await api_login(client, "admin"))
    resp = await client.patch(
        f"/api/admin/users/{world['daibieu'].id}", json={"is_active": False}, headers=admin
    )
    assert resp.status == 200, await resp.text()
    assert await member.all_closed() == {
        "session": CloseCode.UNAUTHORIZED,
        "document": CloseCode.UNAUTHORIZED,
        "room": CloseCode.UNAUTHORIZED,
    }


async def test_an_administrators_password_reset_closes_them_too(
    client: TestClient, meeting: Meeting, world: World
) -> None:
    document = await upload_document(client, meeting.id)
    member = Sessions(client, await api_login(client, "daibieu"))
    await member.open(meeting, document)
    admin = bearer(await api_login(client, "admin"))
    resp = await client.post(
        f"/api/admin/users/{world['daibieu'].id}/reset-password", headers=admin
    )
    assert resp.status == 200, await resp.text()
    assert await member.all_closed() == {"session": 4401, "document": 4401}


async def test_changing_ones_password_closes_the_other_sessions_sockets_not_this_ones(
    client: TestClient, meeting: Meeting
) -> None:
    """The member reads on a tablet (session B) and changes her password on her laptop
    (session A): the tablet's sockets close at once, the laptop's stay open."""
    document = await upload_document(client, meeting.id)
    laptop = Sessions(client, await api_login(client, "daibieu"))
    tablet = Sessions(client, await api_login(client, "daibieu"))
    await laptop.open(meeting, document, room=True)
    await tablet.open(meeting, document)
    other = Sessions(client, await api_login(client, "botruong"))  # someone else's: untouched
    await other.open(meeting, document, room=True)
    resp = await client.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase 2026"},
        headers=laptop.headers,
    )
    assert resp.status == 204, await resp.text()
    assert await tablet.all_closed() == {"session": 4401, "document": 4401}
    assert await laptop.all_open() == {"session": True, "document": True, "room": True}
    assert await other.all_open() == {"session": True, "document": True, "room": True}
    # and the laptop's session socket still hears the session
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post(f"/api/meetings/{meeting.id}/session/start", headers=secretary)
    assert resp.status == 200, await resp.text()
    async with asyncio.timeout(WAIT):
        while True:
            said = json.loads((await laptop.sockets["session"].receive()).data)
            if said.get("type") == "session":
                assert said["event"] == "session.started"
                break


async def test_a_password_changed_on_the_account_page_closes_the_other_sessions_room_socket(
    client: TestClient, meeting: Meeting
) -> None:
    """The browser's form (cookie session) does the same; the room's socket remembers the
    session its join ticket came from."""
    document = await upload_document(client, meeting.id)
    tablet = Sessions(client, await api_login(client, "daibieu"))
    await tablet.open(meeting, document, room=True)
    await browser_login(client, "daibieu")
    form = await client.get("/account/password")
    resp = await client.post(
        "/account/password",
        data={
            "csrf_token": _csrf(await form.text()),
            "current": PASSWORD,
            "new": "a brand new passphrase 2026",
            "again": "a brand new passphrase 2026",
            "next": "/",
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    assert await tablet.all_closed() == {"session": 4401, "document": 4401, "room": 4401}
