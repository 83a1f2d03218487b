"""The document reader: pdf.js with thumbnails, search, zoom, annotations and opinions.

The page only renders what the services allow; everything interactive is the static module
``static/js/reader.js`` (and the ``reader_*.js`` modules it imports), which talks to the JSON
API (CSRF header) and to the live socket ``/ws/documents/{id}``.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ...services import agenda, annotations, ballot_documents, documents
from ..appkeys import services_key
from ..i18n import request_language, translate
from ..i18n_room_ui import VOTE_DIALOG_TEXTS
from ..session import require_actor
from .admin_pages import _path_id

routes = web.RouteTableDef()


@routes.get(r"/documents/{id:\d+}/read", name="document_reader")
@aiohttp_jinja2.template("documents/reader.html")
async def reader_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    document_id = _path_id(request)
    view = await documents.get_document(svc, actor, document_id)
    targets = await annotations.share_targets(svc, actor, document_id)
    current = next(v for v in view.versions if v.number == view.document.current_version)
    language = request_language(request, svc.settings.default_language)
    ballot_id = None
    if view.document.meeting_id is None:  # attached to an opinion ballot
        ballot_id = await ballot_documents.ballot_of(svc, actor, document_id)
    return {
        "document": view.document,
        "ballot_id": ballot_id,
        "version": current,
        "share_targets": [{"id": t.participant_id, "name": t.name} for t in targets],
        "vote_strings": {text: translate(language, text) for text in VOTE_DIALOG_TEXTS},
    }


@routes.get(r"/meetings/{id:\d+}/opinions", name="meeting_opinions")
@aiohttp_jinja2.template("documents/opinions.html")
async def opinions_page(request: web.Request) -> dict[str, Any]:
    """Opinions per agenda item and per document; the secretary downloads the summary."""
    actor = await require_actor(request)
    svc = request.app[services_key]
    meeting_id = _path_id(request)
    view = await agenda.get_agenda(svc, actor, meeting_id)
    docs = await documents.list_documents(svc, actor, meeting_id)
    return {
        "meeting_id": meeting_id,
        "agenda": view,
        "documents": [v.document for v in docs if v.document.withdrawn_at is None],
        "tab": "opinions",
    }
