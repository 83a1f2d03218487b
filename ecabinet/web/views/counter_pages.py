"""The secretary's buttons for proposals of another time (iTIP COUNTER) on the meeting page."""

from __future__ import annotations

from aiohttp import web

from ...errors import Conflict
from ...services import counters
from ..appkeys import services_key
from ..session import require_actor
from .pages import redirect

routes = web.RouteTableDef()
BASE = r"/meetings/{id:\d+}/counters/{counter:\d+}"


@routes.post(BASE + "/accept", name="counter_accept")
async def accept(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    meeting_id, counter_id = int(request.match_info["id"]), int(request.match_info["counter"])
    form = await request.post()
    try:
        await counters.accept(
            request.app[services_key],
            actor,
            meeting_id,
            counter_id,
            confirm_conflicts=form.get("confirm_conflicts") == "1",
        )
    except Conflict as exc:
        return redirect(f"/meetings/{meeting_id}?notice={exc.code}")
    return redirect(f"/meetings/{meeting_id}?notice=updated")


@routes.post(BASE + "/decline", name="counter_decline")
async def decline(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    meeting_id, counter_id = int(request.match_info["id"]), int(request.match_info["counter"])
    try:
        await counters.decline(request.app[services_key], actor, meeting_id, counter_id)
    except Conflict as exc:
        return redirect(f"/meetings/{meeting_id}?notice={exc.code}")
    return redirect(f"/meetings/{meeting_id}?notice=counter_declined")
