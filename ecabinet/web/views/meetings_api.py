"""``/api/meetings``, ``/api/series`` and the calendar downloads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from aiohttp import web
from pydantic import TypeAdapter

from ...errors import ValidationFailed
from ...models import Meeting
from ...schemas.meetings import (
    ConflictCheckIn,
    ConflictOut,
    FeedOut,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MeetingSummary,
    ParticipantOut,
    ParticipantRef,
    RsvpIn,
    SeriesIn,
    SeriesOut,
)
from ...services import calendar, feeds, meetings, rescheduling, rsvp, series
from ...services.invitations import meeting_url, organizer_of
from ...services.meetings import MeetingDetail
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()
TAGS = ("meetings",)
ID = r"{id:\d+}"


def parse_time(value: str, name: str) -> datetime:
    """An RFC 3339 time with an offset; a naive one is refused."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(f"'{name}' is not an RFC 3339 time.", code="invalid_time") from exc
    if parsed.tzinfo is None:
        raise ValidationFailed(f"'{name}' needs a time zone offset.", code="naive_time")
    return parsed


PARTICIPANTS = TypeAdapter(list[ParticipantOut])


def out(detail: MeetingDetail) -> MeetingOut:
    result = MeetingOut.model_validate(detail.meeting)
    # One validation call for the whole list (a national meeting lists 100+ participants):
    # about a third of the cost of building each ParticipantOut on its own.
    result.participants = PARTICIPANTS.validate_python(
        [
            {
                "id": v.row.id,
                "user_id": v.row.user_id,
                "username": v.username,
                "full_name": v.full_name,
                "endpoint_id": v.row.endpoint_id,
                "endpoint_name": v.endpoint_name,
                "role": v.row.role,
                "rsvp": v.row.rsvp,
                "delegated_to_id": v.row.delegated_to_id,
                "delegated_from_id": v.row.delegated_from_id,
                "delegation_reason": v.row.delegation_reason,
            }
            for v in detail.participants
        ]
    )
    result.can_edit = detail.can_edit
    return result


@api.route(
    "GET",
    "/api/meetings",
    summary="Your meetings in a time range",
    response=list[MeetingSummary],
    tags=TAGS,
    query={"from": "RFC 3339 time with offset (default: now)", "to": "default: from + 31 days"},
)
async def list_meetings(req: ApiRequest) -> Sequence[Meeting]:
    now = req.services.clock.now()
    start = parse_time(req.query("from"), "from") if req.query("from") else now
    end = parse_time(req.query("to"), "to") if req.query("to") else start + timedelta(days=31)
    return await meetings.list_meetings(req.services, req.actor, start, end)


@api.route(
    "POST",
    "/api/meetings",
    summary="Schedule a meeting (invitations go out unless it is a draft)",
    body=MeetingIn,
    response=MeetingOut,
    status=201,
    tags=TAGS,
)
async def create_meeting(req: ApiRequest) -> MeetingOut:
    """Answers 409 `scheduling_conflict` listing the meetings that double-book a person, an
    endpoint or the room, unless `confirm_conflicts` is true."""
    return out(await meetings.create_meeting(req.services, req.actor, req.body))


@api.route(
    "POST",
    "/api/meetings/conflicts",
    summary="Who or what a meeting being scheduled would double-book (nothing is saved)",
    body=ConflictCheckIn,
    response=list[ConflictOut],
    tags=TAGS,
)
async def preview_conflicts(req: ApiRequest) -> list[ConflictOut]:
    """The same check as scheduling, for the form to show conflicts while it is filled in."""
    found = await meetings.preview_conflicts(req.services, req.actor, req.body)
    return [ConflictOut.model_validate(c.as_dict()) for c in found]


@api.route("GET", f"/api/meetings/{ID}", summary="A meeting", response=MeetingOut, tags=TAGS)
async def get_meeting(req: ApiRequest) -> MeetingOut:
    return out(await meetings.get_meeting(req.services, req.actor, req.id()))


@api.route(
    "PATCH",
    f"/api/meetings/{ID}",
    summary="Change a meeting (participants are told; SEQUENCE rises)",
    body=MeetingPatch,
    response=MeetingOut,
    tags=TAGS,
)
async def update_meeting(req: ApiRequest) -> MeetingOut:
    return out(await rescheduling.update_meeting(req.services, req.actor, req.id(), req.body))


@api.route(
    "DELETE",
    f"/api/meetings/{ID}",
    summary="Cancel a meeting (METHOD:CANCEL to every participant)",
    response=MeetingOut,
    tags=TAGS,
    query={"scope": "`this` (default) or `following` for the rest of a series"},
)
async def cancel_meeting(req: ApiRequest) -> MeetingOut:
    scope = req.query("scope", "this")
    if scope not in ("this", "following"):
        raise ValidationFailed("'scope' is 'this' or 'following'.", code="invalid_scope")
    return out(await meetings.cancel_meeting(req.services, req.actor, req.id(), scope=scope))


@api.route(
    "GET",
    f"/api/meetings/{ID}/participants",
    summary="Participants with their answers",
    response=list[ParticipantOut],
    tags=TAGS,
)
async def list_participants(req: ApiRequest) -> list[ParticipantOut]:
    return out(await meetings.get_meeting(req.services, req.actor, req.id())).participants


@api.route(
    "POST",
    f"/api/meetings/{ID}/participants",
    summary="Invite one more participant",
    body=ParticipantRef,
    response=MeetingOut,
    status=201,
    tags=TAGS,
)
async def add_participant(req: ApiRequest) -> MeetingOut:
    detail = await meetings.get_meeting(req.services, req.actor, req.id())
    current = [
        ParticipantRef(username=v.username, role=v.row.role)
        if v.username
        else ParticipantRef(endpoint=v.row.endpoint_id, role=v.row.role)
        for v in detail.participants
        if v.row.delegated_from_id is None
    ]
    patch = MeetingPatch(participants=[*current, req.body])
    return out(await rescheduling.update_meeting(req.services, req.actor, req.id(), patch))


@api.route(
    "POST",
    f"/api/meetings/{ID}/rsvp",
    summary="Answer an invitation: accept, decline, tentative or delegate to a deputy",
    body=RsvpIn,
    response=MeetingOut,
    tags=TAGS,
)
async def answer(req: ApiRequest) -> MeetingOut:
    return out(await rsvp.answer(req.services, req.actor, req.id(), req.body))


@api.route(
    "GET",
    f"/api/meetings/{ID}/invitation.ics",
    summary="The meeting as an iCalendar file (METHOD:PUBLISH)",
    tags=TAGS,
)
async def invitation_ics(req: ApiRequest) -> web.Response:
    body = await calendar_download(req)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="meeting-{req.id()}.ics"'},
    )


async def calendar_download(req: ApiRequest) -> bytes:
    svc = req.services
    detail = await meetings.get_meeting(svc, req.actor, req.id())
    async with svc.db.reading() as session:
        organizer = await organizer_of(session, svc, detail.meeting)
    ev = calendar.event(
        detail.meeting,
        detail.participants,
        organizer,
        stamp=svc.clock.now(),
        url=meeting_url(svc, detail.meeting.id),
    )
    return calendar.document("PUBLISH", [ev])


@api.route("GET", "/api/calendar/feed", summary="Your calendar feed address", response=FeedOut)
async def feed_address(req: ApiRequest) -> FeedOut:
    url, webcal = feeds.urls(req.services, await feeds.feed_secret(req.services, req.actor))
    return FeedOut(url=url, webcal_url=webcal)


@api.route(
    "POST",
    "/api/calendar/feed/rotate",
    summary="A new feed address; the old one stops working",
    response=FeedOut,
)
async def rotate_feed(req: ApiRequest) -> FeedOut:
    url, webcal = feeds.urls(req.services, await feeds.rotate(req.services, req.actor))
    return FeedOut(url=url, webcal_url=webcal)


@api.route(
    "POST",
    "/api/series",
    summary="Create a series of meetings from an RRULE (each occurrence its own meeting)",
    body=SeriesIn,
    response=SeriesOut,
    status=201,
    tags=TAGS,
)
async def create_series(req: ApiRequest) -> SeriesOut:
    return await series.create_series(req.services, req.actor, req.body)


@api.route("GET", r"/api/series/{id:\d+}", summary="A series", response=SeriesOut, tags=TAGS)
async def get_series(req: ApiRequest) -> SeriesOut:
    return await series.get_series(req.services, req.actor, req.id())
