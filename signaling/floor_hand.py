"""The hand in the room is the request to speak (:mod:`ecabinet.services.hands`).

A participant's ``hand`` message raises or lowers their request in the floor's queue (and the
chair's "Lower hand" withdraws it); the hand everyone sees in the roster is then taken from the
session state that follows: raised while the participant waits in the queue, down once the
chair gives them the floor, skips them or they withdraw. Guests and hosts who are not on the
participant list (``u<id>``) have no place in the queue: their hand is only a hand.
"""

from __future__ import annotations

import logging
from typing import Any

from ecabinet.services import hands
from ecabinet.services.context import Services
from ecabinet.services.live import Attendee

from .bus import Bus
from .session_events import announce, participant_number

log = logging.getLogger("signaling.floor")


def queues(attendee: Attendee) -> bool:
    """Whether this attendee's hand is a request in the floor's queue."""
    return participant_number(attendee.participant) is not None


async def set_hand(svc: Services, bus: Bus, attendee: Attendee, raised: bool) -> None:
    """Raise or lower the attendee's request, then tell the room. Never raises (run beside the
    room): a failure is logged and the hand stays as the queue says."""
    number = participant_number(attendee.participant)
    if number is None:
        return
    try:
        if raised:
            changed = await hands.raise_hand(svc, attendee.meeting_id, number, by=attendee.user_id)
        else:
            changed = await hands.lower_hand(svc, attendee.meeting_id, number)
        if changed:
            event = "floor.requested" if raised else "floor.withdrawn"
            await announce(svc, bus, attendee.meeting_id, event)
    except Exception:
        log.exception(
            "meeting %s: hand of %s not changed", attendee.meeting_id, attendee.participant
        )


def raised_hands(state: dict[str, Any]) -> set[str]:
    """The participants waiting in the floor's queue (``p<id>``): the raised hands."""
    floor = state.get("floor")
    queue = floor.get("queue") if isinstance(floor, dict) else None
    return {
        f"p{r['participant_id']}"
        for r in queue or []
        if isinstance(r, dict) and isinstance(r.get("participant_id"), int)
    }
