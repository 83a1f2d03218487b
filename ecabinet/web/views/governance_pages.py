"""Session pages: the chair's console and the member's panel (one page, by seat), the attendance
report (page, CSV, PDF), positions by form; the ballot inbox and a ballot's page with results."""

from __future__ import annotations

import json
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from pydantic import ValidationError

from ...errors import DomainError, NotFound
from ...models import AttendanceStatus, Meeting, Role
from ...schemas.governance import OpinionAnswerIn, PositionIn
from ...services import (
    attendance,
    attendance_report,
    directory,
    opinion_ballots,
    positions,
    session,
)
from ...services.permissions import Permission
from ..appkeys import services_key
from ..i18n import request_language, translate
from ..i18n_room_ui import session_error_texts
from ..session import require_actor
from .pages import redirect

routes = web.RouteTableDef()
ID = r"{id:\d{1,10}}"


def _id(request: web.Request, name: str = "id") -> int:
    return int(request.match_info[name])


@routes.get(f"/meetings/{ID}/session", name="meeting_session")
@aiohttp_jinja2.template("session/room.html")
async def session_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    meeting_id = _id(request)
    state = await session.get(svc, actor, meeting_id)
    return {
        "state": state,
        "state_json": json.dumps(state, default=str),
        "positions": await positions.get(svc, actor, meeting_id),
        "attendance": await attendance.get(svc, actor, meeting_id),
        "meeting_id": meeting_id,
        "notice": request.query.get("notice", "")[:40],
        "error_texts": session_error_texts(
            request_language(request, svc.settings.default_language)
        ),
    }


@routes.post(rf"/meetings/{ID}/positions/{{item:\d{{1,10}}}}", name="meeting_position")
async def position_form(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    meeting_id = _id(request)
    form = await request.post()
    raw = {"position": str(form.get("position", ""))[:20], "note": str(form.get("note", ""))[:1000]}
    try:
        data = PositionIn.model_validate_json(json.dumps(raw))
        await positions.take(
            request.app[services_key], actor, meeting_id, _id(request, "item"), data
        )
    except ValidationError:
        return redirect(f"/meetings/{meeting_id}/session?notice=invalid")
    except DomainError as exc:
        if exc.status == 404:
            raise
        return redirect(f"/meetings/{meeting_id}/session?notice={exc.code}")
    return redirect(f"/meetings/{meeting_id}/session?notice=position_taken")


async def _report(request: web.Request) -> tuple[Meeting, attendance.AttendanceView, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    view = await attendance.get(svc, actor, _id(request))
    async with svc.db.reading() as db:
        meeting = await db.get(Meeting, view.meeting_id)
    language = request_language(request, svc.settings.default_language)
    assert meeting is not None
    return meeting, view, lambda text: translate(language, text)


@routes.get(f"/meetings/{ID}/attendance", name="meeting_attendance")
@aiohttp_jinja2.template("session/attendance.html")
async def attendance_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    sheet = await attendance.sheet(svc, actor, _id(request))
    language = request_language(request, svc.settings.default_language)

    def _(text: str) -> str:
        return translate(language, text)

    return {
        "m": sheet.meeting,
        "view": sheet.view,
        "sheet": sheet,
        "rows": attendance_report.rows(sheet.view, svc.settings.zone, _),
        "columns": attendance_report.COLUMNS,
        "check_in_text": {
            "statuses": {s.value: _(s.value) for s in AttendanceStatus},
            "sources": {k: _(f"source_{k}") for k in ("correction", "online", "room", "none")},
            "reached": _("Quorum reached"),
            "no_quorum": _("No quorum"),
            "required": _("required"),
            "checked": _("Checked in at the hall:"),
            "unchecked": _("Check-in withdrawn:"),
        },
    }


@routes.get(f"/meetings/{ID}/attendance.csv", name="meeting_attendance_csv")
async def attendance_csv(request: web.Request) -> web.StreamResponse:
    meeting, view, _ = await _report(request)
    body = attendance_report.to_csv(meeting, view, request.app[services_key].settings.zone, _)
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendance-{meeting.id}.csv"'},
    )


@routes.get(f"/meetings/{ID}/attendance.pdf", name="meeting_attendance_pdf")
async def attendance_pdf(request: web.Request) -> web.StreamResponse:
    meeting, view, _ = await _report(request)
    body = attendance_report.to_pdf(meeting, view, request.app[services_key].settings.zone, _)
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="attendance-{meeting.id}.pdf"'},
    )


@routes.get("/ballots", name="ballots")
@aiohttp_jinja2.template("ballots/inbox.html")
async def ballot_inbox(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    return {
        "ballots": await opinion_ballots.inbox(svc, actor),
        "now": svc.clock.now(),
        "may_send": actor.can(Permission.MEETING_SCHEDULE),
    }


@routes.get("/ballots/new", name="ballot_new")
@aiohttp_jinja2.template("ballots/new.html")
async def ballot_form(request: web.Request) -> dict[str, Any]:
    """The secretary's form: question, explanatory text, recipients from the directory,
    deadline, PDFs to attach (sent by static/js/ballot_form.js through the JSON API)."""
    actor = await require_actor(request)
    if not actor.can(Permission.MEETING_SCHEDULE):
        raise NotFound("No such page.", code="not_found")
    svc = request.app[services_key]
    organizations = {o.id: o for o in await directory.list_organizations(svc, actor)}
    people = [
        u
        for u in await directory.list_users(svc, actor)
        if u.is_active and u.role in (Role.MEMBER, Role.DELEGATE, Role.SECRETARY)
    ]
    groups = [
        {"org": org, "users": [u for u in people if u.organization_id == org.id]}
        for org in organizations.values()
    ]
    return {
        "groups": [g for g in groups if g["users"]],
        "max_upload_bytes": svc.settings.max_upload_bytes,
        "zone_name": svc.settings.time_zone,
    }


@routes.get(f"/ballots/{ID}", name="ballot")
@aiohttp_jinja2.template("ballots/ballot.html")
async def ballot_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    ballot = await opinion_ballots.get(svc, actor, _id(request))
    return {
        "b": ballot,
        "open": ballot.status == "open" and svc.clock.now() < ballot.deadline,
        "notice": request.query.get("notice", "")[:40],
        "zone": svc.settings.zone,
    }


@routes.post(f"/ballots/{ID}/answer", name="ballot_answer")
async def ballot_answer(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    ballot_id = _id(request)
    form = await request.post()
    raw = {"answer": str(form.get("answer", ""))[:20], "text": str(form.get("text", ""))[:20_000]}
    try:
        data = OpinionAnswerIn.model_validate_json(json.dumps(raw))
        await opinion_ballots.answer(request.app[services_key], actor, ballot_id, data)
    except ValidationError:
        return redirect(f"/ballots/{ballot_id}?notice=invalid")
    except DomainError as exc:
        if exc.status == 404:
            raise
        return redirect(f"/ballots/{ballot_id}?notice={exc.code}")
    return redirect(f"/ballots/{ballot_id}?notice=answered")
