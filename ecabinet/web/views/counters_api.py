"""``/api/meetings/{id}/counters``: attendees' proposals of another time (iTIP COUNTER)."""

from __future__ import annotations

from ...schemas.counters import CounterAccept, CounterOut
from ...services import counters
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()
TAGS = ("meetings",)
BASE = r"/api/meetings/{id:\d+}/counters"


@api.route("GET", BASE, summary="Proposals of another time", response=list[CounterOut], tags=TAGS)
async def list_counters(req: ApiRequest) -> list[CounterOut]:
    found = await counters.list_for(req.services, req.actor, req.id())
    return [CounterOut.model_validate(c) for c in found]


@api.route(
    "POST",
    BASE + r"/{counter:\d+}/accept",
    summary="Accept a proposal: the meeting moves and everyone gets the update",
    body=CounterAccept,
    response=CounterOut,
    tags=TAGS,
)
async def accept_counter(req: ApiRequest) -> CounterOut:
    body: CounterAccept = req.body
    done = await counters.accept(
        req.services,
        req.actor,
        req.id(),
        req.id("counter"),
        confirm_conflicts=body.confirm_conflicts,
    )
    return CounterOut.model_validate(done)


@api.route(
    "POST",
    BASE + r"/{counter:\d+}/decline",
    summary="Decline a proposal: the attendee's calendar gets a DECLINECOUNTER",
    response=CounterOut,
    tags=TAGS,
)
async def decline_counter(req: ApiRequest) -> CounterOut:
    done = await counters.decline(req.services, req.actor, req.id(), req.id("counter"))
    return CounterOut.model_validate(done)
