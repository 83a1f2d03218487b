"""Live annotation events for readers who have a document open: ``/ws/documents/{id}``.

A small dedicated socket (the live-meeting hub is a separate piece): the browser's session
cookie authenticates it (or a Bearer token), the ``Origin`` must be this site, and the actor
must be able to read the document — otherwise the handshake is refused (403 / 401 / 404) before
the upgrade. The server only sends; what the client sends is ignored.

Events travel on the bus (``signaling.bus``: in-process, or Redis across processes) on channel
``document:{id}`` and carry **ids only**, never annotation text. Each socket resolves an id
through the same service the HTTP API uses, with its own reader's rights, so a socket can
never deliver an annotation its reader may not see. Private annotations are never announced.

Messages (JSON, version 1):

* ``{"type": "annotation", "annotation": {...}}`` — shared with you, created or changed;
* ``{"type": "annotation_removed", "id": N}`` — deleted, made private, or no longer shared
  with you;
* ``{"type": "document_changed"}`` — a new version was published (reload the viewer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from signaling.bus import Bus, Subscription, create_bus

from ..config import Settings
from ..errors import Forbidden, NotFound
from ..schemas.annotations import AnnotationOut
from ..services import annotations, auth
from ..services.actor import Actor
from ..services.context import Services
from .access import held, settled
from .appkeys import services_key
from .session import require_actor

log = logging.getLogger("ecabinet.web.documents_ws")


class DocumentBus:
    """The bus of document events; the holder is set before start-up (app state freezes once the
    app runs), the bus itself is opened and closed by the app's cleanup context."""

    def __init__(self) -> None:
        self._bus: Bus | None = None

    @property
    def bus(self) -> Bus:
        if self._bus is None:
            raise RuntimeError("the document bus is not open (the app has not started)")
        return self._bus

    def open(self, redis_url: str | None) -> None:
        self._bus = create_bus(redis_url)

    async def close(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            await bus.close()


document_bus_key = web.AppKey("document_bus", DocumentBus)
open_sockets_key = web.AppKey("document_sockets", weakref.WeakSet[web.WebSocketResponse])
HEARTBEAT = 25.0
SESSION_CHECK = 30.0
PROTOCOL_VERSION = 1


def channel(settings: Settings, document_id: int) -> str:
    """``document:{id}``, after ``ECABINET_BUS_NAMESPACE`` (deployments sharing one Redis)."""
    return f"{settings.bus_namespace}document:{document_id}"


def origin_allowed(request: web.Request, settings: Settings) -> bool:
    """No Origin (a non-browser client) or this site's own origin (or ECABINET_PUBLIC_URL's)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {f"{request.scheme}://{request.host}".lower()}
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        allowed.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origin.lower() in allowed


async def publish(app: web.Application, document_id: int, event: dict[str, Any]) -> None:
    try:
        settings = app[services_key].settings
        await app[document_bus_key].bus.publish(channel(settings, document_id), event)
    except Exception:  # live updates are a convenience; the write itself has succeeded
        log.exception("publishing a document event failed")


def annotation_json(view: annotations.AnnotationView) -> dict[str, Any]:
    a = view.annotation
    out = AnnotationOut(
        id=a.id,
        document_id=a.document_id,
        version=a.version,
        made_on_version=a.made_on_version,
        earlier_version=view.earlier_version,
        kind=a.kind,
        page=a.page,
        geometry=a.geometry,
        quote=a.quote,
        body=a.body,
        color=a.color,
        visibility=a.visibility,
        share_with=view.share_with,
        author_id=a.author_id,
        author_name=view.author_name,
        mine=view.mine,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )
    return out.model_dump(mode="json")


async def _forward(
    ws: web.WebSocketResponse,
    sub: Subscription,
    app: web.Application,
    actor: Actor,
    doc: int,
    known: set[int],
) -> None:
    """Resolve each event with this reader's rights. ``known`` holds the ids this reader can
    have on screen; a removal is only sent for those, so ids of annotations never shared with
    the reader are not revealed."""
    svc = app[services_key]
    async for event in sub:
        if not await still_logged_in(ws, svc, actor):
            return
        kind, annotation_id = event.get("type"), event.get("id")
        if kind == "annotation" and isinstance(annotation_id, int):
            try:
                view = await annotations.get_annotation(svc, actor, annotation_id)
            except NotFound:
                view = None
            if view is not None:
                known.add(annotation_id)
                await ws.send_json({"type": "annotation", "annotation": annotation_json(view)})
            elif annotation_id in known:
                known.discard(annotation_id)
                await ws.send_json({"type": "annotation_removed", "id": annotation_id})
        elif kind == "annotation_removed" and annotation_id in known:
            known.discard(annotation_id)
            await ws.send_json({"type": "annotation_removed", "id": annotation_id})
        elif kind == "document_changed":
            try:
                await annotations.check_readable(svc, actor, doc)
            except NotFound:
                await ws.close(code=4404, message=b"document_not_found")
                return
            await ws.send_json({"type": "document_changed"})


async def still_logged_in(ws: web.WebSocketResponse, svc: Services, actor: Actor) -> bool:
    """A revoked session or disabled account ends the socket (close code 4401)."""
    try:
        await auth.actor_of_session(svc, actor.session_id, address=actor.address)
    except auth.SessionEnded:
        await ws.close(code=4401, message=b"session_ended")
        return False
    return True


async def watch_session(ws: web.WebSocketResponse, svc: Services, actor: Actor) -> None:
    """Between events, re-check the session every SESSION_CHECK seconds."""
    while not ws.closed:
        await asyncio.sleep(SESSION_CHECK)
        if not await still_logged_in(ws, svc, actor):
            return


async def document_socket(request: web.Request) -> web.StreamResponse:
    svc = request.app[services_key]
    if not origin_allowed(request, svc.settings):
        raise Forbidden("This origin may not open the socket.", code="origin_not_allowed")
    actor = await require_actor(request)
    raw = request.match_info["id"]
    document_id = int(raw) if raw.isdigit() and len(raw) < 11 else 0
    sub = await request.app[document_bus_key].bus.subscribe(channel(svc.settings, document_id))
    try:
        # Also the access check (NotFound → 404 before the upgrade).
        visible = await annotations.list_annotations(svc, actor, document_id)
    except BaseException:
        await sub.close()
        raise
    known = {v.annotation.id for v in visible}
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=4096)
    sockets = request.app[open_sockets_key]
    forward: asyncio.Task[None] | None = None
    watch: asyncio.Task[None] | None = None
    stack = contextlib.ExitStack()
    try:
        await ws.prepare(request)
        sockets.add(ws)
        stack.enter_context(held(request.app, actor, ws))  # closed at once if access ends
        await ws.send_json({"type": "hello", "version": PROTOCOL_VERSION})
        forward = asyncio.create_task(_forward(ws, sub, request.app, actor, document_id, known))
        watch = asyncio.create_task(watch_session(ws, svc, actor))
        async for message in ws:  # nothing is expected from the client; drain until it closes
            if message.type == WSMsgType.ERROR:
                break
    finally:
        await settled(request.app, ws)
        stack.close()
        sockets.discard(ws)
        for task in (forward, watch):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                    await task
        await sub.close()
    return ws


async def _bus(app: web.Application) -> AsyncIterator[None]:
    app[document_bus_key].open(app[services_key].settings.redis_url or None)
    yield
    await app[document_bus_key].close()


async def _close_sockets(app: web.Application) -> None:
    """On shutdown, before the database closes: end every open document socket."""
    for ws in list(app[open_sockets_key]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def setup(app: web.Application) -> None:
    app.router.add_get(r"/ws/documents/{id:\d+}", document_socket, name="document_socket")
    app[open_sockets_key] = weakref.WeakSet()
    app[document_bus_key] = DocumentBus()
    app.on_shutdown.append(_close_sockets)
    app.cleanup_ctx.append(_bus)
