"""Session events on the live room: the floor, the current item, attendance and votes.

Every change to a session (made over the JSON API, or by the room itself when someone joins or
leaves) is published on the meeting's bus channel as ``{"kind": "session", "event", "state"}``,
where ``state`` is :func:`ecabinet.services.session.public_state` read *after* the change
committed, carrying the session's ``version``. Each process hands it to its sockets as a
``session`` message. A client applies states in version order and ignores an older one; a
client that (re)connects gets the current state right after its ``snapshot``, never a replay.
"""

from __future__ import annotations

import logging
from typing import Any

from ecabinet.services import attendance, floor, session
from ecabinet.services.context import Services

from . import protocol as p
from .bus import Bus
from .routing import meeting_channel

log = logging.getLogger("signaling.session")
KIND = "session"


async def announce(svc: Services, bus: Bus, meeting_id: int, event: str) -> None:
    state = await session.public_state(svc, meeting_id)
    await bus.publish(
        meeting_channel(svc, meeting_id), {"kind": KIND, "event": event, "state": state}
    )


def client_message(event: str, state: dict[str, Any]) -> dict[str, Any]:
    return p.server_message(
        "session", event=event, version=int(state.get("version", 0)), state=state
    )


async def current(svc: Services, meeting_id: int) -> dict[str, Any]:
    return client_message("snapshot", await session.public_state(svc, meeting_id))


def participant_number(participant: str) -> int | None:
    """``p12`` → 12 (an invited participant); hosts and guests (``u7``) take no attendance."""
    return int(participant[1:]) if participant.startswith("p") else None


async def record(
    svc: Services, bus: Bus, meeting_id: int, participant: str, *, joined: bool
) -> None:
    """Attendance from the live room: join and leave times, then tell the room. Never raises: a
    failure to record is logged and the room carries on."""
    number = participant_number(participant)
    if number is None:
        return
    try:
        if joined:
            await attendance.joined(svc, meeting_id, participant_id=number)
        else:
            await attendance.left(svc, meeting_id, participant_id=number)
        await announce(svc, bus, meeting_id, "attendance.joined" if joined else "attendance.left")
    except Exception:
        log.exception("meeting %s: attendance of %s not recorded", meeting_id, participant)


async def may_present(svc: Services, meeting_id: int, participant: str, *, moderator: bool) -> bool:
    """Moderators present; so do whoever the chair gave the floor and the presenter of the item
    under discussion."""
    if moderator:
        return True
    number = participant_number(participant)
    if number is None:
        return False
    return number == await floor.speaker(svc, meeting_id) or await session.presents_current_item(
        svc, meeting_id, number
    )


def presenting_message(presentation: dict[str, Any] | None) -> dict[str, Any]:
    if presentation is None:
        return p.server_message(
            "presenting", presenter=None, name="", document=None, page=1, zoom=100
        )
    return p.server_message("presenting", **presentation)


def floor_holder(state: dict[str, Any]) -> str | None:
    """The room participant id (``p<id>``) holding the floor in a session state, if any."""
    speaking = (state.get("floor") or {}).get("speaking")
    if isinstance(speaking, dict) and isinstance(speaking.get("participant_id"), int):
        return f"p{speaking['participant_id']}"
    return None
