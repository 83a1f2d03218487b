"""After a user's access ends — an administrator disables the account or resets its password, or
the user changes their own password (which ends their *other* sessions) — the sessions are
already revoked by the service; this closes the matching live sockets (the room's, the session
socket's, the document readers') on every process at once (SEC-C6), through one bus message,
instead of at each socket's next event or periodic re-check."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aiohttp import web

from signaling.page_sockets import PageSockets
from signaling.ws import hub_key

from ..services.actor import Actor


async def access_ended(
    app: web.Application, user_id: int, *, keep_session: str | None = None
) -> None:
    """``keep_session``: the session the user changed their password in, whose sockets stay."""
    hub = app.get(hub_key)
    if hub is not None:
        await hub.access_ended(user_id, keep_session=keep_session)


def page_sockets(app: web.Application) -> PageSockets | None:
    """Where the session and document sockets register, so that the message closes them too
    (None when the app serves no live room: they then end at their own session check)."""
    hub = app.get(hub_key)
    return hub.page_sockets if hub is not None else None


@contextlib.contextmanager
def held(app: web.Application, actor: Actor, ws: web.WebSocketResponse) -> Iterator[None]:
    """Keep a page socket (session, document) registered for its whole life."""
    registry = page_sockets(app)
    if registry is None:
        yield
        return
    with registry.hold(actor.user_id, actor.session_id, ws):
        yield


async def settled(app: web.Application, ws: web.WebSocketResponse) -> None:
    """Before a page socket's handler returns: let a close begun by the message finish."""
    registry = page_sockets(app)
    if registry is not None:
        await registry.settle(ws)
