"""``/api/meetings/{id}/session|attendance|floor|positions|motions``, ``/api/motions/*`` and
``/api/ballots/*``: running a session and written opinion ballots."""

from __future__ import annotations

from typing import Any

from signaling import session_events
from signaling.ws import hub_key

from ...schemas.governance import (
    AttendanceCorrectionIn,
    ConclusionIn,
    CurrentItemIn,
    GrantIn,
    MotionIn,
    OpinionAnswerIn,
    OpinionBallotIn,
    PositionIn,
    RoomDeclarationIn,
    SpeechRequestIn,
    VoteIn,
    VoteOut,
)
from ...services import attendance, floor, opinion_ballots, positions, session, votes
from ...services.attendance import AttendanceView
from ...services.floor import FloorView
from ...services.opinion_ballots import BallotView
from ...services.positions import PositionsView
from ...services.votes import MotionView
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()
SESSION = ("session",)
BALLOTS = ("ballots",)
M = r"/api/meetings/{id:\d+}"
Snapshot = dict[str, Any]


async def announce(req: ApiRequest, meeting_id: int, event: str) -> None:
    """Tell the live room (every process serving it) what changed, with the new state."""
    hub = req.request.app.get(hub_key)
    if hub is not None:
        await session_events.announce(req.services, hub.bus, meeting_id, event)


@api.route(
    "GET", f"{M}/session", summary="The live session's state", response=Snapshot, tags=SESSION
)
async def get_session(req: ApiRequest) -> Snapshot:
    """Current item, items and conclusions, the floor, quorum, votes and the viewer's seat, with the
    session's version (every change bumps it)."""
    return await session.get(req.services, req.actor, req.id())


@api.route(
    "POST", f"{M}/session/start", summary="Start the session", response=Snapshot, tags=SESSION
)
async def start_session(req: ApiRequest) -> Snapshot:
    result = await session.start(req.services, req.actor, req.id())
    await announce(req, req.id(), "session.started")
    return result


@api.route(
    "POST",
    f"{M}/session/consent",
    summary="Adopt the consent agenda",
    response=Snapshot,
    tags=SESSION,
)
async def adopt_consent(req: ApiRequest) -> Snapshot:
    result = await session.adopt_consent(req.services, req.actor, req.id())
    await announce(req, req.id(), "session.consent_adopted")
    return result


@api.route(
    "POST",
    f"{M}/session/current-item",
    summary="Move to an agenda item",
    body=CurrentItemIn,
    response=Snapshot,
    tags=SESSION,
)
async def set_current_item(req: ApiRequest) -> Snapshot:
    result = await session.set_current(req.services, req.actor, req.id(), req.body)
    await announce(req, req.id(), "session.item_changed")
    return result


@api.route(
    "PUT",
    rf"{M}/session/items/{{item:\d+}}/conclusion",
    summary="Record an item's conclusion",
    body=ConclusionIn,
    response=Snapshot,
    tags=SESSION,
)
async def conclude_item(req: ApiRequest) -> Snapshot:
    result = await session.conclude(req.services, req.actor, req.id(), req.id("item"), req.body)
    await announce(req, req.id(), "session.item_concluded")
    return result


@api.route("POST", f"{M}/session/end", summary="End the session", response=Snapshot, tags=SESSION)
async def end_session(req: ApiRequest) -> Snapshot:
    result = await session.end(req.services, req.actor, req.id())
    await announce(req, req.id(), "session.ended")
    return result


@api.route(
    "GET", f"{M}/attendance", summary="Attendance and quorum", response=AttendanceView, tags=SESSION
)
async def get_attendance(req: ApiRequest) -> AttendanceView:
    return await attendance.get(req.services, req.actor, req.id())


@api.route(
    "PUT",
    f"{M}/attendance/room",
    summary="Declare who is in an endpoint's room",
    body=RoomDeclarationIn,
    response=AttendanceView,
    tags=SESSION,
)
async def declare_room(req: ApiRequest) -> AttendanceView:
    result = await attendance.declare_room(req.services, req.actor, req.id(), req.body)
    await announce(req, req.id(), "attendance.room_declared")
    return result


@api.route(
    "POST",
    f"{M}/attendance/corrections",
    summary="Correct one participant's attendance (secretary)",
    body=AttendanceCorrectionIn,
    response=AttendanceView,
    tags=SESSION,
)
async def correct_attendance(req: ApiRequest) -> AttendanceView:
    result = await attendance.correct(req.services, req.actor, req.id(), req.body)
    await announce(req, req.id(), "attendance.corrected")
    return result


@api.route(
    "DELETE",
    rf"{M}/attendance/corrections/{{participant:\d+}}",
    summary="Withdraw the secretary's correction (attendance as recorded again)",
    response=AttendanceView,
    tags=SESSION,
)
async def clear_attendance_correction(req: ApiRequest) -> AttendanceView:
    result = await attendance.clear_correction(
        req.services, req.actor, req.id(), req.id("participant")
    )
    await announce(req, req.id(), "attendance.corrected")
    return result


@api.route("GET", f"{M}/floor", summary="The speaking queue", response=FloorView, tags=SESSION)
async def get_floor(req: ApiRequest) -> FloorView:
    return await floor.get(req.services, req.actor, req.id())


@api.route(
    "POST",
    f"{M}/floor/requests",
    summary="Ask for the floor (for yourself or your endpoint's room)",
    body=SpeechRequestIn,
    response=FloorView,
    status=201,
    tags=SESSION,
)
async def request_floor(req: ApiRequest) -> FloorView:
    result = await floor.request(req.services, req.actor, req.id(), req.body)
    await announce(req, req.id(), "floor.requested")
    return result


@api.route(
    "POST",
    rf"{M}/floor/requests/{{request:\d+}}/grant",
    summary="Give the floor (chair)",
    body=GrantIn,
    response=FloorView,
    tags=SESSION,
)
async def grant_floor(req: ApiRequest) -> FloorView:
    result = await floor.grant(req.services, req.actor, req.id(), req.id("request"), req.body)
    await announce(req, req.id(), "floor.granted")
    return result


def _floor_action(action: str, summary: str) -> None:
    fn = getattr(floor, action)

    async def handler(req: ApiRequest) -> FloorView:
        result: FloorView = await fn(req.services, req.actor, req.id(), req.id("request"))
        await announce(req, req.id(), f"floor.{action}")
        return result

    handler.__name__ = f"{action}_floor"
    api.route(
        "POST",
        rf"{M}/floor/requests/{{request:\d+}}/{action}",
        summary=summary,
        response=FloorView,
        tags=SESSION,
    )(handler)


_floor_action("skip", "Skip a request (chair)")
_floor_action("revoke", "Take the floor back (chair)")
_floor_action("finish", "End the current speech (chair)")
_floor_action("withdraw", "Withdraw your own request")


@api.route(
    "GET", f"{M}/positions", summary="Pre-session positions", response=PositionsView, tags=SESSION
)
async def get_positions(req: ApiRequest) -> PositionsView:
    return await positions.get(req.services, req.actor, req.id())


@api.route(
    "PUT",
    rf"{M}/positions/{{item:\d+}}",
    summary="Take a position on an agenda item",
    body=PositionIn,
    response=PositionsView,
    tags=SESSION,
)
async def take_position(req: ApiRequest) -> PositionsView:
    return await positions.take(req.services, req.actor, req.id(), req.id("item"), req.body)


@api.route(
    "GET", f"{M}/motions", summary="Votes of a meeting", response=list[MotionView], tags=SESSION
)
async def list_motions(req: ApiRequest) -> list[MotionView]:
    return await votes.get(req.services, req.actor, req.id())


@api.route(
    "POST",
    f"{M}/motions",
    summary="Open a vote (chair)",
    body=MotionIn,
    response=MotionView,
    status=201,
    tags=SESSION,
)
async def open_motion(req: ApiRequest) -> MotionView:
    result = await votes.open_motion(req.services, req.actor, req.id(), req.body)
    await announce(req, req.id(), "motion.opened")
    return result


@api.route(
    "POST",
    r"/api/motions/{id:\d+}/votes",
    summary="Vote (again, to change it)",
    body=VoteIn,
    response=VoteOut,
    tags=SESSION,
)
async def cast_vote(req: ApiRequest) -> VoteOut:
    """A secret vote returns a receipt once; send it back with a new choice to change the vote."""
    result = await votes.cast(req.services, req.actor, req.id(), req.body)
    await announce(req, result.meeting_id, "motion.voted")
    return result


@api.route(
    "POST",
    r"/api/motions/{id:\d+}/close",
    summary="Close a vote and publish the result (chair)",
    response=MotionView,
    tags=SESSION,
)
async def close_motion(req: ApiRequest) -> MotionView:
    result = await votes.close(req.services, req.actor, req.id())
    await announce(req, result.meeting_id, "motion.closed")
    return result


@api.route(
    "GET", "/api/ballots", summary="Your opinion ballots", response=list[BallotView], tags=BALLOTS
)
async def list_ballots(req: ApiRequest) -> list[BallotView]:
    return await opinion_ballots.inbox(req.services, req.actor)


@api.route(
    "POST",
    "/api/ballots",
    summary="Send a written opinion ballot",
    body=OpinionBallotIn,
    response=BallotView,
    status=201,
    tags=BALLOTS,
)
async def send_ballot(req: ApiRequest) -> BallotView:
    return await opinion_ballots.create(req.services, req.actor, req.body)


@api.route("GET", r"/api/ballots/{id:\d+}", summary="One ballot", response=BallotView, tags=BALLOTS)
async def get_ballot(req: ApiRequest) -> BallotView:
    return await opinion_ballots.get(req.services, req.actor, req.id())


@api.route(
    "PUT",
    r"/api/ballots/{id:\d+}/answer",
    summary="Answer a ballot (before its deadline)",
    body=OpinionAnswerIn,
    response=BallotView,
    tags=BALLOTS,
)
async def answer_ballot(req: ApiRequest) -> BallotView:
    return await opinion_ballots.answer(req.services, req.actor, req.id(), req.body)
