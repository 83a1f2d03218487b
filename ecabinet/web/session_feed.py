"""``/ws/meetings/{id}/session``: the session's changes for pages outside the live room.

The chair's console and the member's panel (``/meetings/{id}/session``) are plain pages, not the
live room: they must not take the room's socket (one per participant; a second one replaces the
first). This small socket only listens: the browser's session cookie authenticates it, the
``Origin`` must be this site, and the actor must be able to see the session (else 404 before the
upgrade). For every change published on the meeting's bus channel (the same ``session`` events
the room gets) it sends ``{"type": "session", "event", "version"}`` — no state: the page fetches
its own view (which differs by viewer) over HTTP. First message: ``{"type": "hello",
"version"}``. A logged-out session closes it with 4401 (at once when the account's access
ends: it is held in the hub's ``PageSockets``, see :mod:`ecabinet.web.access`).

It also carries who presents which document at which page and zoom — the room's ``presenting``
message, first the current one (from ``live_state``) right after ``hello``, then every change —
so a document reader opened without the room page (another device, a tablet) follows the
presenter too. Such a reader (or the chair's console) may also *present*: right after ``hello``
the socket says ``{"type": "you", "participant", "name", "may_present"}`` (again whenever that
changes: the floor, the current item), and it accepts the room's ``present`` /
``stop_presenting`` messages, parsed by ``signaling.protocol`` and handed to
``signaling.presenting`` (the same rules, storage and bus message as the room's socket).
Client frames are rate-limited as the room's are; a refused or malformed one gets an ``error``
and the socket stays open. Messages: docs/signaling.md, "The session socket".
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from signaling import protocol as p
from signaling.bus import Subscription
from signaling.presenting import Seat
from signaling.ratelimit import MessageThrottle, Verdict
from signaling.routing import meeting_channel
from signaling.session_events import KIND, presenting_message
from signaling.ws import hub_key

from ..errors import DomainError, Forbidden, NotFound
from ..services import live_state, session
from ..services.actor import Actor
from ..services.context import Services
from .access import held, settled
from .appkeys import services_key
from .document_events import HEARTBEAT, origin_allowed, still_logged_in, watch_session
from .session import require_actor

_MAY_CHANGE_PRESENTER = ("floor.", "session.")  # who speaks, which item (and its presenter)
open_sockets_key = web.AppKey("session_sockets", weakref.WeakSet[web.WebSocketResponse])


async def _forward(
    ws: web.WebSocketResponse, sub: Subscription, svc: Services, actor: Actor, seat: Seat
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
        event = str(message.get("event", ""))
        await ws.send_json(
            {"type": "session", "event": event, "version": int(state.get("version", 0))}
        )
        if event.startswith(_MAY_CHANGE_PRESENTER):  # not on votes or attendance
            you = await seat.you()
            if you is not None:
                await ws.send_json(you)
    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"bus closed")


async def _serve(ws: web.WebSocketResponse, svc: Services, actor: Actor, seat: Seat) -> None:
    """Client frames: rate-limited like the room's, parsed by the room's protocol; only
    ``present`` and ``stop_presenting`` are taken, and handed to the seat."""
    settings = svc.settings
    loop = asyncio.get_running_loop()
    throttle = MessageThrottle(
        settings.ws_rate, settings.ws_burst, settings.ws_flood_strikes, loop.time
    )
    async for frame in ws:
        if frame.type == WSMsgType.ERROR:
            return
        verdict = throttle.check()
        if verdict is Verdict.FLOOD:
            await ws.send_json(p.error_message("flood", "Too many messages; disconnected."))
            await ws.close(code=p.CloseCode.FLOOD, message=b"flood")
            return
        if verdict is Verdict.SLOW_DOWN:
            await ws.send_json(p.error_message("rate_limited", "Too many messages; slow down."))
        if verdict is not Verdict.GO:
            continue
        if frame.type != WSMsgType.TEXT:
            await ws.send_json(p.error_message("text_only", "Send JSON text frames."))
            continue
        try:
            msg = p.parse(frame.data)
        except p.ProtocolError as exc:
            await ws.send_json(p.error_message(exc.code, exc.message))
            continue
        if not isinstance(msg, p.Present | p.StopPresenting):
            await ws.send_json(_not_here(msg.type))
            continue
        if not await still_logged_in(ws, svc, actor):
            return
        try:
            await seat.present(msg)
        except (p.ProtocolError, DomainError) as exc:
            await ws.send_json(p.error_message(exc.code, exc.message, ref=msg.type))


def _not_here(type_: str) -> dict[str, Any]:
    return p.error_message(
        "not_on_this_socket",
        "This socket takes only 'present' and 'stop_presenting'; the rest needs the room.",
        ref=type_,
    )


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
    seat = Seat(svc, hub.bus, actor, meeting_id)
    you = await seat.you()
    sub = await hub.bus.subscribe(meeting_channel(svc, meeting_id))
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=1024)
    tasks: list[asyncio.Task[None]] = []
    stack = contextlib.ExitStack()
    try:
        await ws.prepare(request)
        request.app[open_sockets_key].add(ws)
        stack.enter_context(held(request.app, actor, ws))  # closed at once if access ends
        await ws.send_json({"type": "hello", "version": snapshot["version"]})
        if you is not None:
            await ws.send_json(you)
        presentation = (await live_state.load(svc, meeting_id)).presentation
        if presentation is not None:
            await ws.send_json(presenting_message(presentation))
        tasks.append(asyncio.create_task(_forward(ws, sub, svc, actor, seat)))
        tasks.append(asyncio.create_task(watch_session(ws, svc, actor)))
        await _serve(ws, svc, actor, seat)
    finally:
        await settled(request.app, ws)
        stack.close()
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
