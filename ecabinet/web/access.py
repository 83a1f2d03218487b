"""After an administrator ends a user's access (disables the account, resets the password): the
user's sessions are already revoked by the service; this closes their open live sockets on every
process at once (SEC-C6), instead of at the room's next periodic re-check."""

from __future__ import annotations

from aiohttp import web

from signaling.ws import hub_key


async def access_ended(app: web.Application, user_id: int) -> None:
    hub = app.get(hub_key)
    if hub is not None:
        await hub.access_ended(user_id)
