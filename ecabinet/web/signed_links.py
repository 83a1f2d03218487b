"""Requests that may carry a signed download link (``?sig=``, SEC-C2,
:mod:`ecabinet.services.download_links`): who they act for."""

from __future__ import annotations

from aiohttp import web

from ..errors import Unauthorized
from ..services import download_links
from ..services.actor import Actor
from .appkeys import services_key
from .session import actor_key, client_address, optional_actor


async def link_or_session_actor(request: web.Request) -> Actor:
    """With ``?sig=``: the link's owner (checked against the path, the method, its expiry, its
    session and whoever else the request is authenticated as); without: the request's session."""
    presenter = await optional_actor(request)
    token = request.query.get("sig")
    if token is None:
        if presenter is None:
            raise Unauthorized("You are not logged in.", code="not_authenticated")
        return presenter
    actor = await download_links.owner_of(
        request.app[services_key],
        token,
        method=request.method,
        path=request.path,
        address=client_address(request),
        presenter=presenter,
    )
    request[actor_key] = actor
    return actor
