"""Operational endpoints and instruments: ``/metrics`` (Prometheus), ``/readyz`` and the per-app
registry other modules (signaling) add to.

Each application owns its own :class:`prometheus_client.CollectorRegistry` (never the global
default), so tests that build many apps do not clash and two apps in one process do not mix.

Who may read ``/metrics``: with ``ECABINET_METRICS_TOKEN`` set, only a request carrying
``Authorization: Bearer <token>``; without it, only a direct connection from loopback (no
``X-Forwarded-For``/``Forwarded`` header, so a request relayed by the local nginx is refused).
Anyone else gets the same 404 as for a page that does not exist.

For signaling (the live meeting), the API is::

    metrics = app[metrics_key]
    with metrics.websocket("meeting"):   # the open-WebSockets gauge, +1 now, -1 on exit
        ...
    metrics.registry                     # more instruments: signaling/metrics.py registers the
                                         # participants, SFU packets and bus backlog collector
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from ..logs import meeting_id_var, user_id_var
from ..models import OutboxMail, OutboxStatus
from . import proxies
from .appkeys import request_id_key, services_key

access_log = logging.getLogger("ecabinet.access")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ReadinessCheck = Callable[[], Awaitable[None]]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOGIN_ROUTES = frozenset({"/login", "/api/auth/login"})
READINESS_TIMEOUT = 2.0
UNMATCHED = "unmatched"


class Metrics:
    """The instruments of one application."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_latency = Histogram(
            "ecabinet_http_request_duration_seconds",
            "Time to answer an HTTP request, by route (canonical path) and method.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http_responses = Counter(
            "ecabinet_http_responses",
            "HTTP responses by route, method and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.websockets_open = Gauge(
            "ecabinet_websockets_open",
            "WebSocket connections open now, by kind.",
            ("kind",),
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "ecabinet_outbox_backlog",
            "Outbox mails waiting to be sent (pending), counted at scrape time.",
            registry=self.registry,
        )
        self.login_failures = Counter(
            "ecabinet_login_failures",
            "Refused logins: wrong credentials or throttled.",
            ("reason",),
            registry=self.registry,
        )

    def websocket_opened(self, kind: str) -> None:
        self.websockets_open.labels(kind).inc()

    def websocket_closed(self, kind: str) -> None:
        self.websockets_open.labels(kind).dec()

    @contextmanager
    def websocket(self, kind: str) -> Iterator[None]:
        """Count one open WebSocket of ``kind`` for the duration of the block."""
        self.websocket_opened(kind)
        try:
            yield
        finally:
            self.websocket_closed(kind)


metrics_key = web.AppKey("metrics", Metrics)
readiness_checks_key = web.AppKey("readiness_checks", dict)


def route_label(request: web.Request) -> str:
    """The route's canonical path (``/api/meetings/{id}``), never the raw path with ids."""
    match_info = request.match_info
    resource = match_info.route.resource
    if resource is None or match_info.http_exception is not None:  # no route matched (404/405)
        return UNMATCHED
    return resource.canonical


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: latency and status of every request, login failures, meeting id."""
    metrics = request.app[metrics_key]
    settings = request.app[services_key].settings
    started = time.perf_counter()
    route = route_label(request)
    meeting = request.match_info.get("id") if "/meetings/{id}" in route else None
    token = meeting_id_var.set(meeting)
    user_token = user_id_var.set(None)  # set by the session code once the actor is known
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        elapsed = time.perf_counter() - started
        # The access line names the route, never the raw path (which may carry ids or tokens).
        access_log.info(
            "%s %s %s %.1fms",
            request.method,
            route,
            status,
            elapsed * 1000,
            extra={
                "request_id": request.get(request_id_key, "-"),
                "route": route,
                "status": status,
                "client": proxies.client_address(request, settings.trusted_proxies),
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        meeting_id_var.reset(token)
        user_id_var.reset(user_token)
        metrics.http_latency.labels(request.method, route).observe(elapsed)
        metrics.http_responses.labels(request.method, route, str(status)).inc()
        if request.method == "POST" and route in LOGIN_ROUTES and status in (401, 429):
            metrics.login_failures.labels("throttled" if status == 429 else "credentials").inc()


def _loopback_direct(request: web.Request) -> bool:
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def may_read_metrics(request: web.Request) -> bool:
    token = request.app[services_key].settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return _loopback_direct(request)


async def metrics_endpoint(request: web.Request) -> web.StreamResponse:
    if not may_read_metrics(request):
        raise web.HTTPNotFound()
    metrics = request.app[metrics_key]
    svc = request.app[services_key]
    async with svc.db.reading() as session:
        backlog = await session.scalar(
            select(func.count())
            .select_from(OutboxMail)
            .where(OutboxMail.status == OutboxStatus.PENDING)
        )
    metrics.outbox_backlog.set(int(backlog or 0))
    body = generate_latest(metrics.registry)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


async def readyz_endpoint(request: web.Request) -> web.StreamResponse:
    """200 when every dependency answers within 2 s; else 503 naming what failed."""
    checks: dict[str, ReadinessCheck] = request.app[readiness_checks_key]
    failures: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), READINESS_TIMEOUT)
        except Exception as exc:  # a readiness probe reports every failure, whatever its kind
            failures[name] = f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__
    if failures:
        return web.json_response({"status": "unavailable", "failures": failures}, status=503)
    return web.json_response({"status": "ok", "checks": sorted(checks)})


def _redis_check(url: str) -> ReadinessCheck:
    async def ping() -> None:
        import redis.asyncio as aioredis

        client = aioredis.from_url(url, socket_connect_timeout=READINESS_TIMEOUT)
        try:
            await client.ping()
        finally:
            await client.aclose()

    return ping


def setup_metrics(app: web.Application) -> None:
    """Install the registry, the ``observe`` middleware and the two routes."""
    services = app[services_key]
    app[metrics_key] = Metrics()
    checks: dict[str, ReadinessCheck] = {"database": services.db.ping}
    if services.settings.redis_url:
        checks["redis"] = _redis_check(services.settings.redis_url)
    app[readiness_checks_key] = checks
    app.middlewares.insert(0, observe)
    app.router.add_get("/metrics", metrics_endpoint, name="metrics")
    app.router.add_get("/readyz", readyz_endpoint, name="readyz")
