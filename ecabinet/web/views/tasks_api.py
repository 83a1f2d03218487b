"""``/api/meetings/{id}/conclusions``, ``/api/conclusions/*``, ``/api/tasks/*`` and the
per-meeting audit log ``/api/meetings/{id}/audit``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from aiohttp import web
from pydantic import ValidationError

from ...errors import ValidationFailed
from ...models import AuditEvent, OrganizationLevel
from ...schemas.signing import AuditChainOut, AuditEventOut
from ...schemas.tasks import NoticeIn, NoticePatch, ProgressIn, TaskPatch
from ...services import audit_log, conclusions, task_dashboard, tasks
from ...services.actor import Actor
from ...services.conclusions import NoticeView
from ...services.context import Services
from ...services.task_dashboard import Dashboard, TaskFilter, TaskPage
from ...services.tasks import TaskView
from .. import files, uploads
from ..api import MAX_ID, MAX_INT, ApiRegistry, ApiRequest, IntQuery, read_json

api = ApiRegistry()
CONCLUSIONS = ("conclusions",)
TASKS = ("tasks",)
ID = r"{id:\d+}"
PROGRESS_FIELDS = frozenset({"note", "percent", "done"})
FILTERS: dict[str, str | IntQuery] = {
    "meeting_id": IntQuery("Tasks of one meeting", code="invalid_filter"),
    "organization_id": IntQuery("Tasks assigned to one organization", code="invalid_filter"),
    "level": "The assignee's level: government, ministry, province, district, commune",
    "status": "assigned, in_progress, overdue, done (by the deadline) or done_late",
    "due_from": "Deadline on or after this day (YYYY-MM-DD, local time)",
    "due_to": "Deadline on or before this day (YYYY-MM-DD, local time)",
}


def _int(get: Any, name: str) -> int | None:
    raw = get(name)
    if not raw:
        return None
    if not (raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise ValidationFailed(f"{name} must be a positive number.", code="invalid_filter")
    return int(raw)


def _day(svc: Services, get: Any, name: str, end: bool) -> datetime | None:
    raw = get(name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(
            f"{name} must be a day (YYYY-MM-DD).", code="invalid_filter"
        ) from exc
    start = datetime.combine(day, time(0), tzinfo=svc.settings.zone)
    return start + timedelta(days=1, microseconds=-1) if end else start


def task_filter(svc: Services, get: Any, *, paged: bool = True) -> TaskFilter:
    """Filters from a query string (API and pages share it)."""
    level, state = get("level"), get("status")
    if level and level not in {lv.value for lv in OrganizationLevel}:
        raise ValidationFailed("Unknown level.", code="invalid_filter")
    if state and state not in task_dashboard.FILTER_STATES:
        raise ValidationFailed("Unknown status.", code="invalid_filter")
    return TaskFilter(
        meeting_id=_int(get, "meeting_id"),
        organization_id=_int(get, "organization_id"),
        level=OrganizationLevel(level) if level else None,
        state=state,
        due_from=_day(svc, get, "due_from", end=False),
        due_to=_day(svc, get, "due_to", end=True),
        limit=(_int(get, "limit") or 50) if paged else task_dashboard.MAX_PAGE,
        offset=int(get("offset")) if get("offset").isdigit() and len(get("offset")) < 9 else 0,
    )


# ---------------------------------------------------------------- conclusions notices


@api.route(
    "POST",
    f"/api/meetings/{ID}/conclusions",
    summary="Start the conclusions notice (a draft; from the items' conclusions if none given)",
    body=NoticeIn,
    response=NoticeView,
    status=201,
    tags=CONCLUSIONS,
)
async def create_notice(req: ApiRequest) -> NoticeView:
    """For the meeting's secretaries, once the meeting has ended. ``supersedes_id`` starts a
    correction of a published notice."""
    return await conclusions.create_draft(req.services, req.actor, req.id(), req.body)


@api.route(
    "GET",
    f"/api/meetings/{ID}/conclusions",
    summary="The meeting's conclusions notices you may read",
    response=list[NoticeView],
    tags=CONCLUSIONS,
)
async def list_notices(req: ApiRequest) -> list[NoticeView]:
    return await conclusions.list_notices(req.services, req.actor, req.id())


@api.route(
    "GET",
    f"/api/conclusions/{ID}",
    summary="A conclusions notice with its conclusions and tasks",
    response=NoticeView,
    tags=CONCLUSIONS,
)
async def get_notice(req: ApiRequest) -> NoticeView:
    return await conclusions.get_notice(req.services, req.actor, req.id())


@api.route(
    "PATCH",
    f"/api/conclusions/{ID}",
    summary="Edit a draft notice: its title, its numbered conclusions and their planned tasks",
    body=NoticePatch,
    response=NoticeView,
    tags=CONCLUSIONS,
)
async def edit_notice(req: ApiRequest) -> NoticeView:
    return await conclusions.update_draft(req.services, req.actor, req.id(), req.body)


@api.route(
    "DELETE",
    f"/api/conclusions/{ID}",
    summary="Discard a draft notice",
    status=204,
    tags=CONCLUSIONS,
)
async def discard_notice(req: ApiRequest) -> None:
    await conclusions.delete_draft(req.services, req.actor, req.id())


@api.route(
    "POST",
    f"/api/conclusions/{ID}/publish",
    summary="Publish: number it, create its tasks, render the PDF, tell the participants",
    response=NoticeView,
    tags=CONCLUSIONS,
)
async def publish_notice(req: ApiRequest) -> NoticeView:
    """A published notice never changes (409 ``notice_published``); correct it with a new notice
    that supersedes it."""
    return await conclusions.publish(req.services, req.actor, req.id())


@api.route(
    "GET", f"/api/conclusions/{ID}/pdf", summary="The published notice as PDF", tags=CONCLUSIONS
)
async def notice_pdf(req: ApiRequest) -> web.StreamResponse:
    path, filename = await conclusions.notice_pdf(req.services, req.actor, req.id())
    return await files.send_pdf(
        req.request, req.services.files.blobs, path, filename, private=False
    )


# ---------------------------------------------------------------- tasks


@api.route(
    "GET",
    "/api/tasks",
    summary="Tasks you may see, nearest deadline first (filters, paging)",
    response=TaskPage,
    tags=TASKS,
    query={
        **FILTERS,
        "limit": IntQuery(
            "At most this many (default 50, max 200)", maximum=MAX_INT, code="invalid_filter"
        ),
        "offset": IntQuery("Skip", minimum=0, maximum=MAX_INT, code="invalid_filter"),
    },
)
async def list_tasks(req: ApiRequest) -> TaskPage:
    return await task_dashboard.list_tasks(
        req.services, req.actor, task_filter(req.services, req.query)
    )


@api.route(
    "GET",
    "/api/tasks/dashboard",
    summary="Counts per status and on-time rate, by organization and by level",
    response=Dashboard,
    tags=TASKS,
    query=FILTERS,
)
async def task_statistics(req: ApiRequest) -> Dashboard:
    f = task_filter(req.services, req.query, paged=False)
    return await task_dashboard.dashboard(req.services, req.actor, f)


@api.route(
    "GET", f"/api/tasks/{ID}", summary="A task with its progress", response=TaskView, tags=TASKS
)
async def get_task(req: ApiRequest) -> TaskView:
    return await tasks.get_task(req.services, req.actor, req.id())


@api.route(
    "PATCH",
    f"/api/tasks/{ID}",
    summary="Change a task (the meeting's secretaries): title, deadline, assignee, co-operating",
    body=TaskPatch,
    response=TaskView,
    tags=TASKS,
)
async def update_task(req: ApiRequest) -> TaskView:
    return await tasks.update_task(req.services, req.actor, req.id(), req.body)


def _progress_fields(fields: dict[str, str]) -> ProgressIn:
    unknown = set(fields) - PROGRESS_FIELDS
    if unknown:
        raise ValidationFailed("Unknown fields.", code="unknown_field", details=sorted(unknown))
    percent = fields.get("percent", "")
    if not (percent.isdigit() and len(percent) <= 3):
        raise ValidationFailed("percent must be 0-100.", code="invalid_percent")
    try:
        return ProgressIn(
            note=fields.get("note", ""),
            percent=int(percent),
            done=fields.get("done", "") in ("1", "true", "on", "yes"),
        )
    except ValidationError as exc:
        raise ValidationFailed("percent must be 0-100.", code="invalid_percent") from exc


async def receive_progress(
    request: web.Request, svc: Services, actor: Actor, task_id: int
) -> TaskView:
    """JSON (note, percent, done), or multipart/form-data with the same fields and a ``file``."""
    if request.content_type != "multipart/form-data":
        body = cast(ProgressIn, await read_json(request, ProgressIn))
        return await tasks.report_progress(svc, actor, task_id, body)
    await tasks.check_may_report(svc, actor, task_id)
    upload = await uploads.receive(request, svc.files.blobs, svc.settings.max_attachment_bytes)
    async with upload.staged:
        data = _progress_fields(upload.fields)
        return await tasks.report_progress(
            svc, actor, task_id, data, (upload.staged, upload.filename)
        )


@api.route(
    "POST",
    f"/api/tasks/{ID}/progress",
    summary="Report progress (assignee organization): JSON, or multipart with a file",
    consumes={
        "application/json": ProgressIn,
        "multipart/form-data": {
            "type": "object",
            "required": ["percent", "file"],
            "additionalProperties": False,
            "properties": {
                "note": {
                    "type": "string",
                    "maxLength": 1000,
                    "description": "At most 4 KB of UTF-8",
                },
                "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                "done": {"type": "boolean"},
                "file": {"type": "string", "format": "binary"},
            },
        },
    },
    response=TaskView,
    status=201,
    tags=TASKS,
)
async def report_progress(req: ApiRequest) -> TaskView:
    """Body: JSON ``{note, percent, done}``, or multipart/form-data with the fields ``note``,
    ``percent``, ``done`` and ``file`` (PDF, PNG, JPEG, DOCX or XLSX, checked by its content; at
    most ``ECABINET_MAX_ATTACHMENT_MB``, 413 ``file_too_large``; 415 ``attachment_type``).
    ``done`` finishes the task; after the deadline it is recorded as done late."""
    return await receive_progress(req.request, req.services, req.actor, req.id())


@api.route(
    "GET",
    rf"/api/tasks/{ID}/attachments/{{attachment:\d+}}",
    summary="Download an attachment of a progress report",
    tags=TASKS,
)
async def attachment(req: ApiRequest) -> web.StreamResponse:
    path, filename, content_type = await tasks.attachment_file(
        req.services, req.actor, req.id(), req.id("attachment")
    )
    return await files.send_file(
        req.request, req.services.files.blobs, path, filename, content_type
    )


# ---------------------------------------------------------------- the meeting's audit log


@api.route(
    "GET",
    f"/api/meetings/{ID}/audit",
    summary="Audit entries about one meeting, newest first (its secretaries, auditors)",
    response=list[AuditEventOut],
    tags=("admin",),
    query={
        "action": "An action, or a prefix ending in '.'",
        "before_seq": IntQuery("Entries older than this sequence number (paging)"),
        "limit": IntQuery("At most this many (default 100, max 500)", maximum=MAX_INT),
    },
)
async def meeting_audit(req: ApiRequest) -> Sequence[AuditEvent]:
    f = audit_log.AuditFilter(
        action=req.query("action")[:64],
        before_seq=_int(req.query, "before_seq"),
        limit=_int(req.query, "limit") or 100,
    )
    _, events = await audit_log.meeting_events(req.services, req.actor, req.id(), f)
    return events


@api.route(
    "GET",
    f"/api/meetings/{ID}/audit/verify",
    summary="Check the audit chain (for those who may read the meeting's log)",
    response=AuditChainOut,
    tags=("admin",),
)
async def meeting_audit_verify(req: ApiRequest) -> AuditChainOut:
    report = await audit_log.verify_for_meeting(req.services, req.actor, req.id())
    return AuditChainOut(
        length=report.length,
        head_hash=report.head_hash,
        intact=report.intact,
        first_bad_seq=report.first_bad_seq,
    )
