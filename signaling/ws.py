"""``GET /ws/meetings/{id}``: the signaling WebSocket.

1. **Before the upgrade**: the ``Origin`` must be this site's (or listed in
   ``ECABINET_WS_ALLOWED_ORIGINS``), else 403. Non-browser clients send no Origin and carry
   no ambient credential (they authenticate with the join token): no Origin is accepted.
2. **Auth phase** (as Home Assistant's ``AuthPhase``): the first frame must be
   ``{"v":1,"type":"auth","token":…}`` within ``ECABINET_WS_AUTH_TIMEOUT`` seconds; anything
   else gets an ``error`` and the socket is closed with a policy code.
3. **Room phase**: each frame is rate-limited (token bucket), parsed into a typed message and
   handed to the room. A malformed message gets an ``error``; the socket and room carry on.
   Frames over ``max_msg_size`` (64 KiB) close that socket (1009).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from aiohttp import WebSocketError, WSMsgType, web

from ecabinet.config import Settings
from ecabinet.errors import DomainError, Forbidden, NotFound
from ecabinet.services import live
from ecabinet.services.tokens import InvalidToken
from ecabinet.web.metrics import metrics_key
from ecabinet.web.session import client_address

from . import protocol as p
from .connection import Connection
from .hub import Hub, ShuttingDown
from .ratelimit import MessageThrottle, Verdict
from .rooms import Member, Room

log = logging.getLogger("signaling.ws")
HEARTBEAT = 20.0
hub_key = web.AppKey("signaling_hub", Hub)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(request: web.Request, settings: Settings) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {_origin_of(o) for o in settings.ws_allowed_origins}
    allowed.add(f"{request.scheme}://{request.host}".lower())
    if settings.public_url:
        allowed.add(_origin_of(settings.public_url))
    return origin.lower() in allowed


class Refused(Exception):
    def __init__(self, close_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.close_code, self.code, self.message = close_code, code, message


async def authenticate(
    ws: web.WebSocketResponse, hub: Hub, meeting_id: int
) -> tuple[live.Attendee, str | None]:
    """The auth phase: one ``auth`` frame, in time, with a valid token for this meeting.
    Returns who it is and the resumption token it presented, if any."""
    settings = hub.svc.settings
    try:
        async with asyncio.timeout(settings.ws_auth_timeout):
            frame = await ws.receive()
    except TimeoutError:
        raise Refused(p.CloseCode.POLICY, "auth_timeout", "No auth message in time.") from None
    if frame.type != WSMsgType.TEXT:
        raise Refused(p.CloseCode.POLICY, "auth_required", "Send the auth message first.")
    try:
        msg = p.parse(frame.data)
    except p.ProtocolError as exc:
        raise Refused(p.CloseCode.POLICY, exc.code, exc.message) from None
    if not isinstance(msg, p.Auth):
        raise Refused(p.CloseCode.POLICY, "auth_required", "Send the auth message first.")
    try:
        return await live.attendee_from_token(hub.svc, msg.token, meeting_id), msg.resume
    except InvalidToken as exc:
        raise Refused(p.CloseCode.UNAUTHORIZED, exc.code, exc.message) from None
    except (live.WrongMeeting, Forbidden) as exc:
        raise Refused(p.CloseCode.FORBIDDEN, exc.code, exc.message) from None
    except live.MeetingNotOpen as exc:
        raise Refused(p.CloseCode.MEETING_OVER, exc.code, exc.message) from None
    except NotFound as exc:
        raise Refused(p.CloseCode.FORBIDDEN, exc.code, exc.message) from None


def meeting_id_of(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) < 2**31:
        raise NotFound("No such meeting.", code="meeting_not_found")
    return int(raw)


async def meeting_socket(request: web.Request) -> web.StreamResponse:
    hub = request.app[hub_key]
    settings = hub.svc.settings
    meeting_id = meeting_id_of(request)
    if not origin_allowed(request, settings):
        raise Forbidden("This origin may not open the meeting socket.", code="origin_refused")
    ws = web.WebSocketResponse(max_msg_size=settings.ws_max_message, heartbeat=HEARTBEAT)
    await ws.prepare(request)
    with request.app[metrics_key].websocket("meeting"):
        await _socket(request, ws, hub, meeting_id)
    return ws


async def _restarting(ws: web.WebSocketResponse, conn: Connection) -> None:
    """The process is stopping: this client should come back (to this or another process)."""
    conn.send(p.reconnect_message())
    conn.close(p.CloseCode.SERVICE_RESTART, "restart")
    await _drain(ws, conn)


async def _socket(
    request: web.Request, ws: web.WebSocketResponse, hub: Hub, meeting_id: int
) -> None:
    settings = hub.svc.settings
    conn = Connection(ws, queue_size=settings.ws_send_queue)
    if not hub.accepting:
        await _restarting(ws, conn)
        return
    address = client_address(request)
    try:
        if hub.auth_failures.blocked(address):
            raise Refused(
                p.CloseCode.FLOOD, "too_many_failures", "Too many failed attempts; wait a while."
            )
        attendee, resume = await authenticate(ws, hub, meeting_id)
    except Refused as exc:
        if exc.close_code in (p.CloseCode.UNAUTHORIZED, p.CloseCode.FORBIDDEN):
            hub.auth_failures.fail(address)
        conn.send(p.error_message(exc.code, exc.message))
        conn.close(exc.close_code, exc.code)
        await _drain(ws, conn)
        return
    if attendee.moderator:
        with contextlib.suppress(DomainError):
            await live.mark_started(hub.svc, attendee)
    try:
        room, member = await hub.enter(attendee, conn, resume)
    except ShuttingDown:
        await _restarting(ws, conn)
        return
    try:
        await _serve(ws, room, member, settings)
    finally:
        # aiohttp cancels this handler when the peer vanishes: the departure must still be
        # announced, so it runs in a task of its own.
        await asyncio.shield(hub.spawn(_finish(hub, room, member, conn, ws)))


async def _finish(
    hub: Hub, room: Room, member: Member, conn: Connection, ws: web.WebSocketResponse
) -> None:
    """This socket is done: if it dropped (not closed on purpose) the member waits for a resume
    (signaling/resume.py); if another socket took its session over, nothing leaves."""
    if member.conn is conn and not hub.park(room, member):
        await hub.leave(room, member)
    if not conn.closing:
        conn.close(p.CloseCode.NORMAL)
    await _drain(ws, conn)


async def _drain(ws: web.WebSocketResponse, conn: Connection) -> None:
    """Let the writer flush and close; read (and ignore) until the peer's close arrives."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            while not ws.closed:
                frame = await ws.receive()
                if frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
    await conn.wait_closed()


async def _serve(ws: web.WebSocketResponse, room: Room, member: Member, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    throttle = MessageThrottle(
        settings.ws_rate, settings.ws_burst, settings.ws_flood_strikes, loop.time
    )
    conn = member.conn
    while not conn.closing:
        frame = await ws.receive()
        if frame.type == WSMsgType.CLOSE:
            # The client closed on purpose (a close frame): nothing to resume.
            conn.close(p.CloseCode.NORMAL, "closed by the client")
            return
        if frame.type in (WSMsgType.CLOSING, WSMsgType.CLOSED):
            return
        if frame.type == WSMsgType.ERROR:
            log.info("socket %s: %s", conn.id, frame.data)
            if isinstance(frame.data, WebSocketError):
                # A protocol violation (e.g. a frame over the limit, 1009): closed on purpose.
                conn.close(frame.data.code, "protocol error")
            return
        verdict = throttle.check()
        if verdict is Verdict.FLOOD:
            conn.send(p.error_message("flood", "Too many messages; disconnected."))
            conn.close(p.CloseCode.FLOOD, "flood")
            return
        if verdict is Verdict.SLOW_DOWN:
            conn.send(p.error_message("rate_limited", "Too many messages; slow down."))
        if verdict is not Verdict.GO:
            continue
        if frame.type != WSMsgType.TEXT:
            conn.send(p.error_message("text_only", "Send JSON text frames."))
            continue
        try:
            msg = p.parse(frame.data)
        except p.ProtocolError as exc:
            conn.send(p.error_message(exc.code, exc.message))
            continue
        await room.handle(member, msg)
