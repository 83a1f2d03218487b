"""The route table: every page, API and static route, each with a name for ``url_for``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from .. import __version__
from . import document_events, session_feed
from .api import ApiRegistry, build_openapi
from .views import (
    account_pages,
    admin_pages,
    agenda_api,
    annotations_api,
    auth_api,
    ballot_documents_api,
    counter_pages,
    counters_api,
    deputies_api,
    directory_api,
    document_pages,
    documents_api,
    external_signing_api,
    governance_api,
    governance_pages,
    live_api,
    meeting_pages,
    meetings_api,
    minutes_api,
    minutes_pages,
    opinions_api,
    pages,
    pki_pages,
    reader_pages,
    room_pages,
    rsvp_pages,
    signing_api,
    signing_pages,
    sso_api,
    sso_pages,
    tasks_api,
    tasks_pages,
)

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
API_REGISTRIES: tuple[ApiRegistry, ...] = (
    auth_api.api,
    directory_api.api,
    meetings_api.api,
    counters_api.api,
    agenda_api.api,
    documents_api.api,
    annotations_api.api,
    opinions_api.api,
    signing_api.api,
    external_signing_api.api,
    governance_api.api,
    ballot_documents_api.api,
    live_api.api,
    tasks_api.api,
    minutes_api.api,
    deputies_api.api,
    sso_api.api,
)
openapi_key = web.AppKey("openapi", dict)


def setup_routes(app: web.Application) -> None:
    app.router.add_routes(pages.routes)
    app.router.add_routes(pki_pages.routes)
    app.router.add_routes(room_pages.routes)
    app.router.add_routes(admin_pages.routes)
    app.router.add_routes(account_pages.routes)
    app.router.add_routes(document_pages.routes)
    app.router.add_routes(governance_pages.routes)
    app.router.add_routes(reader_pages.routes)
    app.router.add_routes(rsvp_pages.routes)
    app.router.add_routes(meeting_pages.routes)
    app.router.add_routes(counter_pages.routes)
    app.router.add_routes(signing_pages.routes)
    app.router.add_routes(tasks_pages.routes)
    app.router.add_routes(minutes_pages.routes)
    app.router.add_routes(sso_pages.routes)
    for registry in API_REGISTRIES:
        registry.install(app)
    document_events.setup(app)
    session_feed.setup(app)
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
    operations = [op for registry in API_REGISTRIES for op in registry.operations]
    app[openapi_key] = build_openapi(operations, title="e-Cabinet API", version=__version__)


def openapi_document(app: web.Application) -> dict[str, Any]:
    return app[openapi_key]
