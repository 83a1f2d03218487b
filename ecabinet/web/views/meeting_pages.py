"""Meeting pages: the calendar (month, week, list), the meeting page, the create/edit form."""

from __future__ import annotations

import calendar as monthcal
import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select

from ...errors import DomainError, NotFound
from ...models import (
    Confidentiality,
    Endpoint,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingRole,
    Organization,
    Rsvp,
    User,
)
from ...schemas.meetings import MeetingIn, MeetingPatch, RsvpIn
from ...services import counters, deputies, feeds, meetings, rescheduling, room_door, rsvp
from ...services.permissions import Permission
from ...services.time_zones import time_zone_choices
from .. import form_dates
from ..appkeys import services_key
from ..i18n import error_text, request_language, translate
from ..i18n_deputies import RSVP_ERRORS
from ..session import require_actor
from .pages import redirect

routes = web.RouteTableDef()
VIEWS = ("month", "week", "list")
ID = r"{id:\d{1,10}}"


def _zone(request: web.Request) -> ZoneInfo:
    return request.app[services_key].settings.zone


def _day(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@routes.get("/meetings", name="meetings")
async def calendar_page(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    zone = _zone(request)
    view = request.query.get("view", "month")
    view = view if view in VIEWS else "month"
    today = svc.clock.now().astimezone(zone).date()
    anchor = _day(request.query.get("date", "")[:10], today)
    if view == "month":
        first = anchor.replace(day=1)
        start = first - timedelta(days=first.weekday())
        days_in = monthcal.monthrange(first.year, first.month)[1]
        last = first + timedelta(days=days_in - 1)
        end = last + timedelta(days=7 - last.weekday())
        prev_anchor = (first - timedelta(days=1)).replace(day=1)
        next_anchor = last + timedelta(days=1)
    elif view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=7)
        prev_anchor, next_anchor = start - timedelta(days=7), end
    else:
        start, end = anchor, anchor + timedelta(days=31)
        prev_anchor, next_anchor = anchor - timedelta(days=31), end
    found = await meetings.list_meetings(
        svc,
        actor,
        datetime.combine(start, time(), zone),
        datetime.combine(end, time(), zone),
    )
    by_day: dict[date, list[Meeting]] = {}
    for m in found:
        by_day.setdefault(m.starts_at.astimezone(zone).date(), []).append(m)
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    by_hour: dict[tuple[date, int], list[Meeting]] = {}
    for m in found:
        at = m.starts_at.astimezone(zone)
        by_hour.setdefault((at.date(), at.hour), []).append(m)
    hours = [h for _, h in by_hour]
    feed_url, webcal_url = feeds.urls(svc, await feeds.feed_secret(svc, actor))
    return aiohttp_jinja2.render_template(
        "meetings/calendar.html",
        request,
        {
            "view": view,
            "anchor": anchor,
            "today": today,
            "days": days,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
            "by_day": by_day,
            "by_hour": by_hour,
            # The week's hour grid: office hours, widened to any meeting outside them.
            "hours": range(min([7, *hours]), max([18, *hours]) + 1),
            "meetings": found,
            "local": lambda dt: dt.astimezone(zone),
            "prev_anchor": prev_anchor,
            "next_anchor": next_anchor,
            "feed_url": feed_url,
            "webcal_url": webcal_url,
            "can_schedule": actor.can(Permission.MEETING_SCHEDULE),
            "entrances": await room_door.entrances(svc, actor, found),
        },
    )


@routes.get(f"/meetings/{ID}", name="meeting")
async def meeting_page(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    detail = await meetings.get_meeting(svc, actor, int(request.match_info["id"]))
    meeting = detail.meeting
    zone = ZoneInfo(meeting.time_zone)
    conflicts, proposals = [], []
    if detail.can_edit and meeting.status.value in ("scheduled", "in_progress"):
        conflicts = await meetings.current_conflicts(svc, meeting, detail.participants)
        found = await counters.list_for(svc, actor, meeting.id)
        proposals = [c for c in found if c.status == "pending"]
    mine = [
        v
        for v in detail.participants
        if v.row.user_id == actor.user_id or v.operator_id == actor.user_id
    ]
    entrance = (await room_door.entrances(svc, actor, [meeting]))[meeting.id]
    return aiohttp_jinja2.render_template(
        "meetings/meeting.html",
        request,
        {
            "m": meeting,
            "entrance": entrance,
            "participants": detail.participants,
            "can_edit": detail.can_edit,
            "conflicts": conflicts,
            "counters": proposals,
            "mine": mine,
            "starts": meeting.starts_at.astimezone(zone),
            "ends": meeting.ends_at.astimezone(zone),
            "local": lambda dt: dt.astimezone(zone),
            "answers": [Rsvp.ACCEPTED, Rsvp.TENTATIVE, Rsvp.DECLINED],
            "notice": request.query.get("notice", "")[:40],
            "error": _rsvp_error(request),
        },
    )


def _rsvp_error(request: web.Request) -> dict[str, str] | None:
    """The refused answer's code from the query, as the text the page shows (an error, in the
    viewer's language; the delegation form opens again when it is about the deputy)."""
    code = request.query.get("error", "")[:40]
    if not code:
        return None
    language = request_language(request, request.app[services_key].settings.default_language)
    english = RSVP_ERRORS.get(code, "The request could not be completed.")
    return {"code": code, "text": translate(language, error_text(language, code, english))}


@routes.post(f"/meetings/{ID}/rsvp", name="meeting_rsvp")
async def meeting_rsvp(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    meeting_id = int(request.match_info["id"])
    form = await request.post()
    endpoint = str(form.get("endpoint", ""))
    raw: dict[str, Any] = {"answer": str(form.get("answer", ""))[:20]}
    if endpoint.isdigit() and len(endpoint) < 10:
        raw["endpoint"] = int(endpoint)
    try:
        if raw["answer"] == "delegated":
            raw["reason"] = str(form.get("reason", "")).strip()[:500]
            if not raw["reason"]:
                return redirect(f"/meetings/{meeting_id}?error=delegation_reason_required")
            raw["delegate_username"] = str(form.get("delegate_username", "")).strip()[:64] or (
                await deputies.resolve(svc, actor, meeting_id, str(form.get("deputy", ""))[:200])
            )
        data = RsvpIn.model_validate_json(json.dumps(raw))
        await rsvp.answer(svc, actor, meeting_id, data)
    except ValidationError:
        return redirect(f"/meetings/{meeting_id}?error=invalid_answer")
    except DomainError as exc:
        if exc.status == 404:
            raise
        return redirect(f"/meetings/{meeting_id}?error={exc.code}")
    return redirect(f"/meetings/{meeting_id}?notice=answered")


@routes.post(f"/meetings/{ID}/cancel", name="meeting_cancel")
async def meeting_cancel(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    meeting_id = int(request.match_info["id"])
    form = await request.post()
    scope = "following" if form.get("scope") == "following" else "this"
    await meetings.cancel_meeting(svc, actor, meeting_id, scope=scope)
    return redirect(f"/meetings/{meeting_id}?notice=cancelled")


# ---------------------------------------------------------------- the form


async def _picker(svc: Any) -> dict[str, Any]:
    async with svc.db.reading() as session:
        orgs = list(await session.scalars(select(Organization).order_by(Organization.id)))
        users = list(
            await session.scalars(
                select(User).where(User.is_active.is_(True)).order_by(User.full_name)
            )
        )
        endpoints = list(
            await session.scalars(
                select(Endpoint).where(Endpoint.is_active.is_(True)).order_by(Endpoint.name)
            )
        )
    groups = [
        {
            "org": org,
            "users": [u for u in users if u.organization_id == org.id],
            "endpoints": [e for e in endpoints if e.organization_id == org.id],
        }
        for org in orgs
    ]
    return {
        "groups": [g for g in groups if g["users"] or g["endpoints"]],
        "kinds": list(MeetingKind),
        "modes": list(MeetingMode),
        "levels": list(Confidentiality),
        "roles": list(MeetingRole),
    }


def _form_values(meeting: Meeting | None, chosen: dict[str, str], zone_name: str) -> dict[str, Any]:
    if meeting is None:
        return {"time_zone": zone_name, "chosen": chosen}
    zone = ZoneInfo(meeting.time_zone)
    return {
        "title": meeting.title,
        "kind": meeting.kind.value,
        "mode": meeting.mode.value,
        "room": meeting.room,
        "confidentiality": meeting.confidentiality.value,
        "description": meeting.description,
        "time_zone": meeting.time_zone,
        "starts_at": meeting.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": meeting.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "chosen": chosen,
    }


def _parse_form(form: Any, zone_default: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Form fields → the JSON the API takes (local times get the chosen zone's offset)."""
    zone_name = str(form.get("time_zone", zone_default))[:64] or zone_default
    try:
        zone = ZoneInfo(zone_name)
    except (KeyError, ValueError):
        zone, zone_name = ZoneInfo(zone_default), zone_default
    raw: dict[str, Any] = {"time_zone": zone_name}
    for name in ("title", "kind", "mode", "room", "confidentiality", "description"):
        raw[name] = str(form.get(name, ""))[:20_000]
    for name in ("starts_at", "ends_at"):
        value = form_dates.local_value(form, name)
        try:
            raw[name] = datetime.fromisoformat(value).replace(tzinfo=zone).isoformat()
        except ValueError:
            raw[name] = value
    chosen: dict[str, str] = {}
    participants = []
    for key, value in form.items():
        role = str(value)
        if not isinstance(key, str) or role not in {r.value for r in MeetingRole}:
            continue
        kind, _, ident = key.partition(":")
        if kind == "user" and ident:
            participants.append({"username": ident[:64], "role": role})
        elif kind == "endpoint" and ident.isdigit() and len(ident) < 10:
            participants.append({"endpoint": int(ident), "role": role})
        else:
            continue
        chosen[key] = role
    raw["participants"] = participants
    raw["confirm_conflicts"] = form.get("confirm_conflicts") == "1"
    return raw, chosen


def _conflict_rows(conflicts: Sequence[dict[str, Any]], zone_name: str) -> list[dict[str, Any]]:
    """The API's conflict list as the form shows it: names, and times in the meeting's zone."""
    try:
        zone = ZoneInfo(zone_name)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    rows = []
    for c in conflicts:
        starts = datetime.fromisoformat(str(c["starts_at"])).astimezone(zone)
        ends = datetime.fromisoformat(str(c["ends_at"])).astimezone(zone)
        rows.append(
            {
                "meeting_id": c["meeting_id"],
                "title": c["title"],
                "when": f"{starts:%H:%M}–{ends:%H:%M} {starts:%d/%m/%Y}",
                "who": c.get("who") or c.get("reasons", []),
            }
        )
    return rows


async def _render_form(
    request: web.Request,
    meeting: Meeting | None,
    values: dict[str, Any],
    *,
    errors: Sequence[str] = (),
    conflicts: Sequence[dict[str, Any]] = (),
    status: int = 200,
) -> web.StreamResponse:
    svc = request.app[services_key]
    context = {
        **await _picker(svc),
        "m": meeting,
        "v": values,
        "errors": errors,
        "conflicts": _conflict_rows(conflicts, values.get("time_zone") or svc.settings.time_zone),
        "time_zones": time_zone_choices(values.get("time_zone", "")),
    }
    return aiohttp_jinja2.render_template("meetings/form.html", request, context, status=status)


@routes.get("/meetings/new", name="meeting_new")
async def new_meeting(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    actor.require(Permission.MEETING_SCHEDULE)
    svc = request.app[services_key]
    return await _render_form(request, None, _form_values(None, {}, svc.settings.time_zone))


@routes.post("/meetings/new", name="meeting_create")
async def create_meeting(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    actor.require(Permission.MEETING_SCHEDULE)
    svc = request.app[services_key]
    raw, chosen = _parse_form(await request.post(), svc.settings.time_zone)
    try:
        data = MeetingIn.model_validate_json(json.dumps(raw))
        detail = await meetings.create_meeting(svc, actor, data)
    except (ValidationError, DomainError) as exc:
        return await _form_failure(request, None, raw, chosen, exc)
    return redirect(f"/meetings/{detail.meeting.id}?notice=scheduled")


@routes.get(f"/meetings/{ID}/edit", name="meeting_edit")
async def edit_meeting(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    detail = await meetings.get_meeting(svc, actor, int(request.match_info["id"]))
    if not detail.can_edit:
        raise NotFound("No such meeting.", code="meeting_not_found")
    chosen = {
        (f"user:{v.username}" if v.username else f"endpoint:{v.row.endpoint_id}"): v.row.role.value
        for v in detail.participants
        if v.row.delegated_from_id is None
    }
    return await _render_form(
        request, detail.meeting, _form_values(detail.meeting, chosen, svc.settings.time_zone)
    )


@routes.post(f"/meetings/{ID}/edit", name="meeting_update")
async def update_meeting(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    meeting_id = int(request.match_info["id"])
    detail = await meetings.get_meeting(svc, actor, meeting_id)
    if not detail.can_edit:
        raise NotFound("No such meeting.", code="meeting_not_found")
    form = await request.post()
    raw, chosen = _parse_form(form, svc.settings.time_zone)
    if form.get("scope") == "following":
        raw["scope"] = "following"
    try:
        patch = MeetingPatch.model_validate_json(json.dumps(raw))
        await rescheduling.update_meeting(svc, actor, meeting_id, patch)
    except (ValidationError, DomainError) as exc:
        return await _form_failure(request, detail.meeting, raw, chosen, exc)
    return redirect(f"/meetings/{meeting_id}?notice=updated")


async def _form_failure(
    request: web.Request,
    meeting: Meeting | None,
    raw: dict[str, Any],
    chosen: dict[str, str],
    exc: ValidationError | DomainError,
) -> web.StreamResponse:
    values = {**raw, "chosen": chosen}
    for name in ("starts_at", "ends_at"):
        values[name] = str(raw.get(name, ""))[:16]
    if not isinstance(exc, DomainError):
        errors = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False)
        ]
        return await _render_form(request, meeting, values, errors=errors, status=422)
    if exc.code == "scheduling_conflict":
        conflicts = exc.details["conflicts"] if isinstance(exc.details, dict) else []
        return await _render_form(request, meeting, values, conflicts=conflicts, status=409)
    if exc.status in (401, 403, 404):
        raise exc
    return await _render_form(request, meeting, values, errors=[exc.message], status=exc.status)
