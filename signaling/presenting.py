"""Presenting a document without screen sharing: the one path for both sockets that accept it.

The room's socket (a participant who joined, :mod:`signaling.rooms`) and the session socket (a
page outside the room — the reader, the chair's console: :mod:`ecabinet.web.session_feed`) both
hand a parsed ``present`` / ``stop_presenting`` here:

- **who** may present: :func:`signaling.session_events.may_present` (a moderator, the floor
  holder, the presenter of the item under discussion), else ``not_presenter``;
- **what**: a document of the meeting, not withdrawn (``live_state.set_presentation`` checks it,
  else ``document_not_in_meeting``);
- then the presentation is remembered (``live_state``) and published on the meeting's channel as
  ``{"kind": "present", "presentation"}``, which every room member and every session socket, on
  every process, turns into a ``presenting`` message.
"""

from __future__ import annotations

from typing import Any

from ecabinet.errors import DomainError
from ecabinet.services import live, live_state
from ecabinet.services.actor import Actor
from ecabinet.services.context import Services
from ecabinet.services.live import Attendee

from . import protocol as p
from .bus import Bus
from .routing import meeting_channel
from .session_events import may_present


async def allowed(svc: Services, attendee: Attendee) -> bool:
    return await may_present(
        svc, attendee.meeting_id, attendee.participant, moderator=attendee.moderator
    )


async def present(
    svc: Services, bus: Bus, attendee: Attendee, msg: p.Present | p.StopPresenting
) -> None:
    """Raises :class:`~signaling.protocol.ProtocolError` (``not_presenter``) or a domain error
    (``document_not_in_meeting``); the caller sends it back as an ``error``."""
    if not await allowed(svc, attendee):
        raise p.ProtocolError("not_presenter", "Only the chair or the speaker can present.")
    presentation: dict[str, Any] | None = None
    if isinstance(msg, p.Present):
        presentation = {
            "presenter": attendee.participant,
            "name": attendee.name,
            "document": msg.document,
            "page": msg.page,
            "zoom": msg.zoom,
        }
    await live_state.set_presentation(svc, attendee.meeting_id, presentation)
    await bus.publish(
        meeting_channel(svc, attendee.meeting_id),
        {"kind": "present", "presentation": presentation},
    )


class Seat:
    """A session-socket user as a presenter (no join token: the signed-in user): as whom they
    would be in the room (``live.attendee_of``: ``p<id>`` when invited, ``u<id>`` for a host
    who is not on the list; none while the room is not open) and whether they may present now.
    Re-read when they present and after each session change (the floor, the current item)."""

    def __init__(self, svc: Services, bus: Bus, actor: Actor, meeting_id: int) -> None:
        self._svc, self._bus, self._actor, self._meeting_id = svc, bus, actor, meeting_id
        self.attendee: Attendee | None = None
        self._told: tuple[str | None, bool] | None = None

    async def _read(self) -> Attendee | None:
        try:
            self.attendee = await live.attendee_of(self._svc, self._actor, self._meeting_id)
        except DomainError:  # no longer sees the meeting
            self.attendee = None
        return self.attendee

    async def you(self) -> dict[str, Any] | None:
        """The ``you`` message, when it differs from the last one told (else ``None``)."""
        attendee = await self._read()
        may = attendee is not None and await allowed(self._svc, attendee)
        told = (attendee.participant if attendee else None, may)
        if told == self._told:
            return None
        self._told = told
        return p.server_message(
            "you",
            participant=told[0],
            name=attendee.name if attendee else "",
            may_present=may,
        )

    async def present(self, msg: p.Present | p.StopPresenting) -> None:
        attendee = await self._read()
        if attendee is None:
            raise p.ProtocolError("not_presenter", "Only the chair or the speaker can present.")
        await present(self._svc, self._bus, attendee, msg)
