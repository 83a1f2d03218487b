"""The application factory: the one place where settings, services and the web layer meet."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from signaling.setup import setup as setup_signaling

from . import mail_receiver
from .clock import Clock, SystemClock
from .config import Settings
from .db import Database
from .errors import DomainError
from .files.sealing import Sealer
from .files.store import FileStore
from .services import mail_loop
from .services.actor import Actor
from .services.context import Services
from .services.keys import KeyRing
from .services.permissions import Permission
from .services.tokens import TokenService
from .web import formatting
from .web.appkeys import request_id_key, services_key
from .web.i18n import error_text, request_language, translate
from .web.metrics import setup_metrics
from .web.middlewares import csrf, request_context, security_headers, wants_json
from .web.oidc_http import setup_oidc
from .web.path_params import bounded_path_ids
from .web.routes import setup_routes
from .web.session import csrf_token, optional_actor

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
log = logging.getLogger("ecabinet")
STALE_UPLOAD_SECONDS = 6 * 3600  # a 200 MB upload over a slow provincial line takes < 1 h


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Services without the web layer: for the app, the command line and tests."""
    settings = settings.with_secret()
    keys = KeyRing(settings.secret_key, settings.previous_secret_keys)
    clock = clock or SystemClock()
    return Services(
        settings=settings,
        db=Database(settings.resolved_database_url, echo=False),
        clock=clock,
        keys=keys,
        tokens=TokenService(keys, settings.issuer, clock),
        files=FileStore(
            settings.data_dir / "documents",
            Sealer(settings.secret_key, settings.previous_secret_keys),
        ),
    )


DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")


def quiet_database_drivers() -> None:
    """Database drivers log statements *with their parameters* at DEBUG: a secret ballot's choice
    next to the insert that marks its voter. They stay at WARNING even when the app debugs."""
    for name in DRIVER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


async def _page_actor(request: web.Request) -> Actor | None:
    """Who is looking at the page. aiohttp-jinja2 runs context processors *before* the handler,
    so the session is resolved here (and cached on the request for the handler). A bad
    credential renders as anonymous and is refused by the handler itself."""
    try:
        return await optional_actor(request)
    except DomainError:
        return None


async def _template_context(request: web.Request) -> dict[str, object]:
    if wants_json(request) or request.path.startswith("/static/"):
        # No page is rendered: skip the CSRF token (a key derivation and a Set-Cookie on every
        # API response) and the rest. aiohttp-jinja2 runs this for every request.
        return {"request": request}
    svc = request.app[services_key]
    actor = await _page_actor(request)
    language = request_language(request, svc.settings.default_language)
    return {
        "request": request,
        "actor": actor,
        "lang": language,
        "_": lambda text: translate(language, text),
        "error_text": lambda code, message: error_text(language, code, message),
        "csrf_token": csrf_token(request),
        "can": (lambda p: actor is not None and actor.can(Permission(p))),
        "request_id": request.get(request_id_key, ""),
        "zone": svc.settings.zone,
    }


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """Build the aiohttp application. Nothing is opened until the app starts."""
    quiet_database_drivers()
    services = build_services(settings, clock)
    app = web.Application(
        middlewares=[request_context, csrf, bounded_path_ids],
        client_max_size=services.settings.max_json_body,
    )
    app[services_key] = services
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        context_processors=[_template_context],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=services.settings.debug,  # no stat() of every template on every page
    )
    formatting.install(aiohttp_jinja2.get_env(app))
    app.on_response_prepare.append(security_headers)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_mail_sender)
    app.cleanup_ctx.append(_mail_receiver)
    app.on_shutdown.append(_log_shutdown)
    setup_metrics(app)
    setup_oidc(app)
    setup_routes(app)
    setup_signaling(app, services)
    return app


async def _log_shutdown(app: web.Application) -> None:
    """First of the ``app.on_shutdown`` hooks (SIGTERM): the listening socket is already closed.

    aiohttp then runs the other ``on_shutdown`` hooks (the live meeting's hub appends its own:
    tell every client to reconnect, close the peer connections), waits for the requests in flight,
    and runs the ``cleanup_ctx`` exits in reverse: the mail sender finishes its batch, then the
    database engine is closed. See docs/deploy.md, "Restarting"."""
    log.info("shutting down: no new connections; finishing requests in flight")


async def _database(app: web.Application) -> AsyncIterator[None]:
    services = app[services_key]
    await services.db.ping()
    swept = await asyncio.to_thread(
        services.files.blobs.sweep_staging, STALE_UPLOAD_SECONDS, time.time()
    )
    if swept:
        log.info("removed %d unfinished uploads left by an earlier run", swept)
    yield
    await services.files.close()
    await services.db.close()


async def _mail_receiver(app: web.Application) -> AsyncIterator[None]:
    """Take iTIP replies in over SMTP when ECABINET_INBOUND_MAIL_PORT is set (scheduling.md)."""
    async for _ in mail_receiver.serve(app[services_key]):
        yield


async def _mail_sender(app: web.Application) -> AsyncIterator[None]:
    """Deliver the outbox (invitations, updates, reminders) while the app runs, if SMTP is set."""
    services = app[services_key]
    if not services.settings.smtp_host:
        log.info("ECABINET_SMTP_HOST is not set: mails stay in the outbox until it is")
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(mail_loop.run(services, stop), name="mail-sender")
    yield
    stop.set()
    await task
