"""Pages: a meeting's conclusions notices (and the secretary's draft editor), the task list with
the dashboard, a task with its progress, the meeting's audit log. Changes go through the JSON
API from ``static/js/tasks.js`` (with the CSRF header); these handlers only read and render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from ...errors import DomainError
from ...models import AgendaItem, Organization, OrganizationLevel
from ...services import audit_log, conclusions, task_dashboard, tasks
from ...services.conclusion_access import meeting_of, standing
from ..appkeys import services_key
from ..session import require_actor
from .pages import redirect
from .tasks_api import task_filter

routes = web.RouteTableDef()
ID = r"{id:\d{1,10}}"


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


async def _organizations(request: web.Request) -> list[Organization]:
    async with request.app[services_key].db.reading() as session:
        return list(await session.scalars(select(Organization).order_by(Organization.name)))


def _offset(now: datetime, request: web.Request) -> str:
    """The local UTC offset as ``+07:00``, for deadlines typed as local date and time."""
    raw = now.astimezone(request.app[services_key].settings.zone).strftime("%z")
    return f"{raw[:3]}:{raw[3:]}"


@routes.get(f"/meetings/{ID}/conclusions", name="meeting_conclusions")
@aiohttp_jinja2.template("tasks/conclusions.html")
async def conclusions_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    meeting_id = _id(request)
    notices = await conclusions.list_notices(svc, actor, meeting_id)
    async with svc.db.reading() as session:
        meeting = await meeting_of(session, meeting_id)
        items = list(
            await session.scalars(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
        secretary, _ = await standing(session, actor, meeting)
    published = [n for n in notices if n.status == "published"]
    return {
        "m": meeting,
        "notices": notices,
        "draft": next((n for n in notices if n.status == "draft"), None),
        "current": next((n for n in reversed(published) if n.superseded_by_id is None), None),
        "secretary": secretary,
        "items": items,
        "organizations": await _organizations(request) if secretary else [],
        "offset": _offset(svc.clock.now(), request),
        "finished": meeting.status.value in ("ended", "closed"),
    }


@routes.get(f"/conclusions/{ID}", name="conclusion_notice")
async def notice_page(request: web.Request) -> web.StreamResponse:
    """The link in the mail: the notice on its meeting's page."""
    actor = await require_actor(request)
    notice = await conclusions.get_notice(request.app[services_key], actor, _id(request))
    return redirect(f"/meetings/{notice.meeting_id}/conclusions#notice-{notice.id}")


@routes.get("/tasks", name="tasks")
async def tasks_page(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]

    def get(name: str) -> str:
        return request.query.get(name, "")[:40]

    error = ""
    try:
        f = task_filter(svc, get)
    except DomainError as exc:
        f, error = task_dashboard.TaskFilter(), exc.code
    board = await task_dashboard.dashboard(svc, actor, f)
    page = await task_dashboard.list_tasks(svc, actor, f)
    query = {k: v for k, v in request.query.items() if k != "offset" and v}
    return aiohttp_jinja2.render_template(
        "tasks/list.html",
        request,
        {
            "board": board,
            "page": page,
            "f": f,
            "q": {
                k: get(k)
                for k in ("meeting_id", "organization_id", "level", "status", "due_from", "due_to")
            },
            "query": query,
            "organizations": await _organizations(request),
            "levels": [lv.value for lv in OrganizationLevel],
            "states": task_dashboard.STATES,
            "filter_states": task_dashboard.FILTER_STATES,
            "meetings_with_tasks": await task_dashboard.meetings_with_tasks(svc, actor),
            "error": error,
        },
        status=422 if error else 200,
    )


@routes.get(f"/tasks/{ID}", name="task")
@aiohttp_jinja2.template("tasks/task.html")
async def task_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    task = await tasks.get_task(svc, actor, _id(request))
    return {
        "t": task,
        "organizations": await _organizations(request) if task.can_edit else [],
        "offset": _offset(svc.clock.now(), request),
        "max_mb": svc.settings.max_attachment_bytes // (1024 * 1024),
    }


@routes.get(f"/meetings/{ID}/audit", name="meeting_audit")
@aiohttp_jinja2.template("tasks/audit.html")
async def meeting_audit_page(request: web.Request) -> dict[str, Any]:
    actor = await require_actor(request)
    svc = request.app[services_key]
    raw = request.query.get("before_seq", "")
    f = audit_log.AuditFilter(
        action=request.query.get("action", "")[:64],
        before_seq=int(raw) if raw.isdigit() and len(raw) < 10 else None,
        limit=100,
    )
    meeting, events = await audit_log.meeting_events(svc, actor, _id(request), f)
    chain = await audit_log.verify_for_meeting(svc, actor, meeting.id)
    names = await audit_log.actor_names(svc, events)
    return {"m": meeting, "events": events, "filter": f, "chain": chain, "names": names}
