"""Typed application state. Everything long-lived hangs off the app under one of these keys."""

from __future__ import annotations

from aiohttp import web

from ..services.actor import Actor
from ..services.context import Services

services_key = web.AppKey("services", Services)

# Per-request state.
actor_key = web.RequestKey("actor", Actor | None)  # type: ignore[arg-type]
csrf_nonce_key = web.RequestKey("csrf_nonce", str)
request_id_key = web.RequestKey("request_id", str)
