"""``/ws/meetings/{id}/session``: the session's changes for pages outside the live room.

The chair's console and the member's panel (``/meetings/{id}/session``) are plain pages, not the
live room: they must not take the room's socket (one per participant; a second one replaces the
first). This small socket only listens: the browser's session cookie authenticates it, the
``Origin`` must be this site, and the actor must be able to see the session (else 404 before the
upgrade). For every change published on the meeting's bus channel (the same ``session`` events
the room gets) it sends ``{"type": "session", "event", "version"}`` — no state: the page fetches
its own view (which differs by viewer) over HTTP. First message: ``{"type": "hello",
"version"}``. A logged-out session closes it with 4401.

It also carries who presents which document at which page and zoom — the room's ``presenting``
message, first the current one (from ``live_state``) right after ``hello``, then every change —
so a document reader opened without the room page (another device, a tablet) follows the
presenter too. Presenting itself still goes through the room's socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from signaling.bus import Subscription
from signaling.routing import meeting_channel
from signaling.session_events import KIND, presenting_message
from signaling.ws import hub_key

from ..errors import Forbidden, NotFound
from ..services import live_state, session
from ..services.actor import Actor
from ..services.context import Services
from .appkeys import services_key
from .document_events import HEARTBEAT, origin_allowed, still_logged_in, watch_session
from .session import require_actor

open_sockets_key = web.AppKey("session_sockets", weakref.WeakSet[web.WebSocketResponse])


async def _forward(
    ws: web.WebSocketResponse, sub: Subscription, svc: Services, actor: Actor
) -> None:
    async for message in sub:
        kind = message.get("kind")
        if kind not in (KIND, "present"):
            continue
        if not await still_logged_in(ws, svc, actor):
            return
        if kind == "present":
            found = message.get("presentation")
            await ws.send_json(presenting_message(found if isinstance(found, dict) else None))
            continue
        state: dict[str, Any] = message.get("state") or {}
        await ws.send_json(
            {
                "type": "session",
                "event": str(message.get("event", "")),
                "version": int(state.get("version", 0)),
            }
        )
    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"bus closed")


async def session_socket(request: web.Request) -> web.StreamResponse:
    svc = request.app[services_key]
    if not origin_allowed(request, svc.settings):
        raise Forbidden("This origin may not open the socket.", code="origin_not_allowed")
    actor = await require_actor(request)
    raw = request.match_info["id"]
    meeting_id = int(raw) if len(raw) < 11 else 0
    snapshot = await session.get(svc, actor, meeting_id)  # the access check: 404 before upgrade
    hub = request.app.get(hub_key)
    if hub is None:
        raise NotFound("The live room is not served here.", code="meeting_not_found")
    sub = await hub.bus.subscribe(meeting_channel(svc, meeting_id))
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=1024)
    tasks: list[asyncio.Task[None]] = []
    try:
        await ws.prepare(request)
        request.app[open_sockets_key].add(ws)
        await ws.send_json({"type": "hello", "version": snapshot["version"]})
        presentation = (await live_state.load(svc, meeting_id)).presentation
        if presentation is not None:
            await ws.send_json(presenting_message(presentation))
        tasks.append(asyncio.create_task(_forward(ws, sub, svc, actor)))
        tasks.append(asyncio.create_task(watch_session(ws, svc, actor)))
        async for message in ws:  # nothing is expected from the client
            if message.type == WSMsgType.ERROR:
                break
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                await task
        await sub.close()
    return ws


async def _close_sockets(app: web.Application) -> None:
    """On shutdown, before the database closes: end every open session socket."""
    for ws in list(app[open_sockets_key]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def setup(app: web.Application) -> None:
    app.router.add_get(r"/ws/meetings/{id:\d+}/session", session_socket, name="session_socket")
    app[open_sockets_key] = weakref.WeakSet()
    app.on_shutdown.append(_close_sockets)
