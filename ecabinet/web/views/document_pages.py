"""Pages for a meeting's agenda and documents. They render what the services allow; the
interactive parts (drag and drop, upload progress, board-book progress) are static JS that
call the JSON API with the CSRF header from ``<meta name="csrf-token">``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ...services import agenda, board_book, documents, meetings, org_browse, receipts
from ..appkeys import services_key
from ..session import require_actor
from .admin_pages import _path_id

routes = web.RouteTableDef()


async def _common(request: web.Request) -> tuple[Any, Any, int]:
    actor = await require_actor(request)
    return request.app[services_key], actor, _path_id(request)


@routes.get(r"/meetings/{id:\d+}/agenda", name="meeting_agenda")
@aiohttp_jinja2.template("documents/agenda.html")
async def agenda_page(request: web.Request) -> dict[str, Any]:
    svc, actor, meeting_id = await _common(request)
    view = await agenda.get_agenda(svc, actor, meeting_id)
    context: dict[str, Any] = {"meeting_id": meeting_id, "agenda": view, "tab": "agenda"}
    context.update(await _builder(svc, actor, meeting_id, view))
    context["notice"] = request.query.get("notice", "")[:40]
    return context


async def _builder(svc: Any, actor: Any, meeting_id: int, view: Any) -> dict[str, Any]:
    """The agenda builder's extras: each item's planned start (the meeting's start plus the
    minutes before it, in the meeting's zone) and, for the secretary, the presenters to pick
    from (the meeting's invited people; ministries, provinces and the Government Office)."""
    detail = await meetings.get_meeting(svc, actor, meeting_id)
    meeting = detail.meeting
    zone = ZoneInfo(meeting.time_zone)
    starts, at = {}, meeting.starts_at
    for item in view.items:
        starts[item.id] = at.astimezone(zone)
        at += timedelta(minutes=item.planned_minutes)
    extras: dict[str, Any] = {"item_starts": starts, "agenda_ends": at.astimezone(zone)}
    if view.can_edit:
        people = sorted(
            {(v.row.user_id, v.full_name or "") for v in detail.participants if v.row.user_id},
            key=lambda p: p[1],
        )
        extras["presenter_people"] = people
        extras["presenter_groups"] = await org_browse.parent_choices(svc, actor)
    return extras


@routes.get(r"/meetings/{id:\d+}/documents", name="meeting_documents")
@aiohttp_jinja2.template("documents/list.html")
async def documents_page(request: web.Request) -> dict[str, Any]:
    svc, actor, meeting_id = await _common(request)
    views = await documents.list_documents(svc, actor, meeting_id)
    view = await agenda.get_agenda(svc, actor, meeting_id)
    book = await board_book.state(svc, actor, meeting_id)
    return {
        "meeting_id": meeting_id,
        "documents": views,
        "agenda": view,
        "book": book.book,
        "max_upload_mb": svc.settings.max_upload_bytes // (1024 * 1024),
        "tab": "documents",
    }


@routes.get(r"/meetings/{id:\d+}/distribution", name="meeting_distribution")
@aiohttp_jinja2.template("documents/distribution.html")
async def distribution_page(request: web.Request) -> dict[str, Any]:
    svc, actor, meeting_id = await _common(request)
    views, rows = await receipts.distribution(svc, actor, meeting_id)
    return {
        "meeting_id": meeting_id,
        "documents": views,
        "rows": rows,
        "agenda": await agenda.get_agenda(svc, actor, meeting_id),
        "tab": "distribution",
    }


@routes.get(r"/meetings/{id:\d+}/board-book", name="meeting_board_book")
async def board_book_page(request: web.Request) -> web.StreamResponse:
    """The documents page's "Download": the file once it is built, else a page in the reader's
    language saying where it stands (never the API's JSON error)."""
    svc, actor, meeting_id = await _common(request)
    current = await board_book.state(svc, actor, meeting_id)
    book = current.book
    if book is not None and book.status.value == "ready":
        target = request.app.router["api.documents_api.board_book_content"].url_for(
            id=str(meeting_id)
        )
        raise web.HTTPSeeOther(str(target))
    return aiohttp_jinja2.render_template(
        "documents/board_book.html",
        request,
        {
            "meeting_id": meeting_id,
            "book": book,
            "agenda": await agenda.get_agenda(svc, actor, meeting_id),
            "tab": "documents",
        },
    )
