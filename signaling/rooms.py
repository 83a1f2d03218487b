"""One meeting's live room as seen by one app process: roster, lobby, chair controls.

Every change goes through the bus (channel ``meeting:<id>``) and is applied when it comes back,
in the same order on every process, so all processes converge on the same roster. A process
*owns* the participants whose sockets it holds: it publishes their entries, and it carries out
commands aimed at them (admit, mute, remove…) whichever process the chair is connected to.
A process that starts serving a meeting asks the others to repeat their entries (``sync``).

Clients never get a replay: on (re)connect they get a ``snapshot`` of the current state, then
deltas (``participant``, ``participant_left``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from ecabinet.errors import DomainError
from ecabinet.services import floor, live, live_state
from ecabinet.services.context import Services
from ecabinet.services.live import Attendee

from . import floor_hand, presenting, session_events
from . import protocol as p
from .beside import Beside
from .bus import Bus, Subscription
from .connection import Connection
from .media import MediaPlane, MediaRefused
from .presence import Presence
from .ratelimit import TokenBucket
from .resume import Parking
from .routing import meeting_channel

log = logging.getLogger("signaling.rooms")


@dataclass(eq=False)
class Member:
    """A participant connected to *this* process."""

    attendee: Attendee
    conn: Connection
    presence: Presence
    offers: TokenBucket
    has_media: bool = False
    media_silent: bool = False  # the SFU heard nothing from its peer connection for a while
    parking: Parking = field(default_factory=Parking)  # resumption (signaling/resume.py)

    @property
    def participant(self) -> str:
        return self.attendee.participant

    @property
    def session(self) -> str:
        """The id of the socket that first seated this member: it names the roster entry, and
        survives a resumed socket."""
        return self.presence.conn

    def close(self, code: int, reason: str) -> None:
        """Close the socket for good: a parked member stops waiting for a resume."""
        self.conn.close(code, reason)
        self.parking.end()

    def send_away(self, reason: str) -> None:
        """The member lost their place (invitation withdrawn, account disabled, meeting over):
        ``no_longer_admitted`` and close 4401, which the clients do not reconnect after."""
        self.conn.send(
            p.error_message("no_longer_admitted", "You can no longer be in this meeting.")
        )
        self.close(p.CloseCode.UNAUTHORIZED, reason)


class Room:
    def __init__(self, meeting_id: int, svc: Services, bus: Bus, media: MediaPlane) -> None:
        self.meeting_id = meeting_id
        self.channel = meeting_channel(svc, meeting_id)
        self.entries: dict[str, Presence] = {}
        self.members: dict[str, Member] = {}
        self.admitted: set[str] = set()
        self.ended = False
        self._svc = svc
        self._bus = bus
        self._media = media
        self._sub: Subscription | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._heard: dict[str, float] = {}  # process (bus origin) -> when last heard from
        self.presentation: dict[str, Any] | None = None  # who presents which document, where
        self._beside = Beside()  # session state reads and attendance records
        self._floor_version = 0  # the newest session state the hands were taken from

    # -- lifecycle ---------------------------------------------------------------------------

    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    async def start(self) -> None:
        await self._recover()
        self._sub = await self._bus.subscribe(self.channel)
        self._reader = asyncio.get_running_loop().create_task(
            self._read(self._sub), name=self.channel
        )
        self._ticker = asyncio.get_running_loop().create_task(self._keep_alive())
        await self._publish("sync")

    async def _recover(self) -> None:
        """What the room must remember across a restart or a crash (docs/deploy.md,
        "Recovery"): admitted guests and the presentation from ``live_state``, and the floor
        (who speaks becomes everyone's main video) from the session's own tables."""
        memory = await live_state.load(self._svc, self.meeting_id)
        self.admitted |= memory.admitted
        self.presentation = memory.presentation
        speaker = await floor.speaker(self._svc, self.meeting_id)
        self._media.set_floor(self.meeting_id, f"p{speaker}" if speaker is not None else None)

    async def stop(self) -> None:
        await self._beside.drain()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._sub is not None:
            await self._sub.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._media.close_room(self.meeting_id)

    async def _publish(self, kind: str, **data: Any) -> None:
        await self._bus.publish(self.channel, {"kind": kind, **data})

    async def _read(self, sub: Subscription) -> None:
        async for message in sub:
            self._heard[str(message.get("origin"))] = self._loop_time()
            try:
                await self._apply(message)
            except Exception:
                log.exception("room %s: could not apply %r", self.meeting_id, message.get("kind"))

    async def _keep_alive(self) -> None:
        """Say we are alive; forget entries of processes not heard from (crashed, cut off);
        now and then check that each local member may still be here."""
        interval = self._svc.settings.presence_interval
        next_check = self._loop_time() + self._svc.settings.revalidate_interval
        while True:
            await asyncio.sleep(interval)
            if self._loop_time() >= next_check:
                next_check = self._loop_time() + self._svc.settings.revalidate_interval
                await self._revalidate()
            if self.members:
                await self._publish("alive")
            limit = self._loop_time() - 3 * interval
            for entry in list(self.entries.values()):
                if entry.node != self._bus.origin and self._heard.get(entry.node, 0.0) < limit:
                    self._apply_left(entry.participant, entry.conn)

    async def _revalidate(self) -> None:
        """Close the sockets of members who lost their place (invitation withdrawn, account
        disabled, meeting over) since they authenticated."""
        for member in list(self.members.values()):
            try:
                keep = await live.still_admitted(self._svc, member.attendee)
            except Exception:
                log.exception("room %s: re-checking %s failed", self.meeting_id, member.participant)
                continue
            if not keep and self.members.get(member.participant) is member:
                member.send_away("no longer admitted")

    # -- members of this process -------------------------------------------------------------

    async def enter(self, attendee: Attendee, conn: Connection) -> Member:
        """Seat a freshly authenticated connection: lobby or room, snapshot, tell everyone."""
        old = self.members.get(attendee.participant)
        if old is not None:
            await self._drop_local(old, p.CloseCode.REPLACED, "replaced")
        lobby = not attendee.invited and attendee.participant not in self.admitted
        presence = Presence.of(attendee, lobby=lobby, conn=conn.id, node=self._bus.origin)
        per_minute = self._svc.settings.ws_offers_per_minute
        offers = TokenBucket(per_minute / 60, max(1, per_minute // 4), self._loop_time)
        member = Member(attendee, conn, presence, offers)
        self.members[attendee.participant] = member
        conn.send(self._welcome(member, resumed=False))
        if lobby:
            conn.send(p.server_message("lobby", message="Waiting for the chair to admit you."))
        else:
            conn.send(self._snapshot(member))
        await self._publish("presence", entry=presence.to_bus())
        if not lobby:
            # The session's state is read from the database beside the room, not in its way.
            self._beside.run(self._send_session_state(conn))
            self._record_attendance(attendee.participant, joined=True)
        if attendee.role == live.HOST_CHAIR:
            self._media.set_chair(self.meeting_id, attendee.participant)
        return member

    def _welcome(self, member: Member, *, resumed: bool) -> dict[str, Any]:
        return p.server_message(
            "welcome",
            you=member.presence.public(),
            meeting=self.meeting_id,
            revision=p.REVISION,
            resume=member.parking.token,
            resumed=resumed,
        )

    async def resume(self, member: Member, attendee: Attendee, conn: Connection) -> None:
        """A new socket took over a member's session (``auth`` with its resumption token): the
        roster entry, the media and the attendance carry on; the client gets the current state
        (it missed what happened while it was away) and a new token."""
        old, member.conn = member.conn, conn
        member.attendee = attendee
        if not old.closing:
            old.close(p.CloseCode.REPLACED, "resumed")  # the old socket had not noticed yet
        member.parking.parked = False
        member.parking.end()
        member.parking.rotate()
        await self.refresh_connection(member)
        conn.send(self._welcome(member, resumed=True))
        conn.send(self._snapshot(member))
        conn.send(p.server_message("participant", participant=member.presence.public()))
        self._beside.run(self._send_session_state(conn))
        if member.has_media:
            # Slots, share and quality may have changed meanwhile: the SFU says them again.
            self._media.refresh(self.meeting_id, member.participant)

    async def refresh_connection(self, member: Member) -> None:
        """Mark the member "connection lost" in everyone's roster while its media is silent, or
        while its socket is gone and it has no media; "ok" again when that ends."""
        lost = member.media_silent or (member.parking.parked and not member.has_media)
        wanted = "lost" if lost else "ok"
        if member.presence.connection != wanted and self.members.get(member.participant) is member:
            await self._update(member, connection=wanted)

    def _record_attendance(self, participant: str, *, joined: bool) -> None:
        """Joins and leaves are written beside the room, each participant's in order."""
        self._beside.run(
            session_events.record(
                self._svc, self._bus, self.meeting_id, participant, joined=joined
            ),
            key=participant,
        )

    async def _send_session_state(self, conn: Connection) -> None:
        """The session's current state (and the presentation, if any) to one connection."""
        try:
            message = await session_events.current(self._svc, self.meeting_id)
        except Exception:
            log.exception("room %s: could not read the session's state", self.meeting_id)
            return
        conn.send(message)
        await self._hands_from(message["state"])
        if self.presentation is not None:
            conn.send(session_events.presenting_message(self.presentation))

    async def leave(self, member: Member) -> None:
        """The member's socket is gone (or is going): forget it and tell everyone."""
        if self.members.get(member.participant) is not member:
            return
        del self.members[member.participant]
        await self._publish("left", participant=member.participant, conn=member.session)
        await self._release_media(member)
        if not member.presence.lobby:
            self._record_attendance(member.participant, joined=False)

    async def _release_media(self, member: Member) -> None:
        if not member.has_media:
            return
        member.has_media = False
        try:
            await self._media.leave(self.meeting_id, member.participant)
        except Exception:
            log.exception(
                "room %s: releasing %s's media failed", self.meeting_id, member.participant
            )

    async def _drop_local(self, member: Member, code: int, reason: str) -> None:
        """Close a local member without announcing a departure (its successor is announced)."""
        if self.members.get(member.participant) is member:
            del self.members[member.participant]
        member.close(code, reason)
        await self._release_media(member)

    def _snapshot(self, member: Member) -> dict[str, Any]:
        roster = [e.public() for e in self.entries.values() if not e.lobby]
        lobby = [e.public() for e in self.entries.values() if e.lobby]
        return p.server_message(
            "snapshot",
            roster=roster,
            lobby=lobby if member.attendee.moderator else [],
            ended=self.ended,
        )

    def _visible_to(self, member: Member, entry: Presence) -> bool:
        if member.presence.lobby:
            return False
        return not entry.lobby or member.attendee.moderator

    async def _update(self, member: Member, **changes: Any) -> None:
        member.presence = member.presence.with_(**changes)
        await self._publish("presence", entry=member.presence.to_bus())

    # -- client messages -----------------------------------------------------------------------

    async def handle(self, member: Member, msg: p.ClientMessage) -> None:
        """Act on one message from a local member. Errors go back to that member only."""
        try:
            await self._handle(member, msg)
        except p.ProtocolError as exc:
            member.conn.send(p.error_message(exc.code, exc.message, ref=msg.type))
        except MediaRefused as exc:
            member.conn.send(p.error_message(exc.code, exc.message, ref=msg.type))
        except DomainError as exc:
            member.conn.send(p.error_message(exc.code, exc.message, ref=msg.type))
        except Exception:
            # A fault of ours (a database hiccup, a bug): this message failed, the socket and the
            # room carry on, and the log has the cause.
            log.exception(
                "room %s: %s from %s failed", self.meeting_id, msg.type, member.participant
            )
            member.conn.send(
                p.error_message("internal_error", "That did not work; try again.", ref=msg.type)
            )

    async def _handle(self, member: Member, msg: p.ClientMessage) -> None:
        if isinstance(msg, p.Auth):
            raise p.ProtocolError("already_authenticated", "This socket is already authenticated.")
        if isinstance(msg, p.Leave):
            member.conn.close(p.CloseCode.NORMAL, "left")
            return
        if member.presence.lobby:
            raise p.ProtocolError("not_admitted", "Wait until the chair admits you.")
        if msg.type in p.MODERATOR_ONLY and not member.attendee.moderator:
            raise p.ProtocolError("not_moderator", "Only the chair or the secretary can do this.")
        if isinstance(msg, p.Offer):
            await self._offer(member, msg)
        elif isinstance(msg, p.MediaState):
            if msg.audio != member.presence.audio and member.has_media:
                self._media.mute(self.meeting_id, member.participant, not msg.audio)
            await self._update(member, audio=msg.audio, video=msg.video)
        elif isinstance(msg, p.ScreenShare):
            if not member.has_media:
                raise p.ProtocolError(
                    "screen_not_negotiated", "Send your offer (with a screen line) first."
                )
            # One share at a time: the chair or the secretary takes over, others are refused.
            self._media.share_screen(
                self.meeting_id,
                member.participant,
                msg.active,
                take_over=member.attendee.moderator,
            )
        elif isinstance(msg, p.Hand):
            await self._hand(member, msg.raised)
        elif isinstance(msg, p.Present | p.StopPresenting):
            await self._present(member, msg)
        elif isinstance(msg, p.ThumbnailPage):
            self._media.set_thumbnail_page(self.meeting_id, member.participant, msg.page)
        elif isinstance(msg, p.MuteAll):
            await self._command(member, "mute", "*")
        elif isinstance(msg, p.EndMeeting):
            await live.end_meeting(self._svc, member.attendee)
            await self._publish("ended", by=member.presence.name)
        elif isinstance(
            msg, p.Admit | p.Deny | p.Mute | p.StopVideo | p.StopScreen | p.Remove | p.LowerHand
        ):
            await self._target_command(member, msg)

    async def _hand(self, member: Member, raised: bool) -> None:
        """A participant's hand is their request in the floor's queue (set beside the room; the
        roster follows the session state that comes back); anyone else's is just a hand."""
        if floor_hand.queues(member.attendee):
            work = floor_hand.set_hand(self._svc, self._bus, member.attendee, raised)
            self._beside.run(work, key=f"hand:{member.participant}")
        else:
            await self._update(member, hand=raised)

    async def _hands_from(self, state: dict[str, Any]) -> None:
        """Raised hands = the floor's queue: set each local participant's hand from a session
        state (an older state than the last one used changes nothing)."""
        version = int(state.get("version", 0))
        if version < self._floor_version:
            return
        self._floor_version = version
        raised = floor_hand.raised_hands(state)
        for member in list(self.members.values()):
            if member.presence.lobby or not floor_hand.queues(member.attendee):
                continue
            want = member.participant in raised
            if member.presence.hand != want:
                await self._update(member, hand=want)

    async def _present(self, member: Member, msg: p.Present | p.StopPresenting) -> None:
        await presenting.present(self._svc, self._bus, member.attendee, msg)

    async def _target_command(
        self,
        member: Member,
        msg: p.Admit | p.Deny | p.Mute | p.StopVideo | p.StopScreen | p.Remove | p.LowerHand,
    ) -> None:
        target = self.entries.get(msg.participant)
        if target is None:
            raise p.ProtocolError("unknown_participant", "No such participant in this room.")
        if isinstance(msg, p.Admit | p.Deny) and not target.lobby:
            raise p.ProtocolError("not_in_lobby", "That participant is not waiting in the lobby.")
        if isinstance(msg, p.Admit):
            await live_state.admit(self._svc, member.attendee, msg.participant)
        elif isinstance(msg, p.Deny | p.Remove):
            await live.record_moderation(self._svc, member.attendee, msg.type, msg.participant)
        await self._command(member, msg.type, msg.participant)

    async def _command(self, member: Member, action: str, target: str) -> None:
        await self._publish("command", action=action, target=target, by=member.presence.name)

    async def _offer(self, member: Member, msg: p.Offer) -> None:
        if not member.offers.take():
            # Each offer builds a peer connection: far fewer are allowed than other messages.
            raise p.ProtocolError("too_many_offers", "Too many offers; wait a moment.")
        await self._release_media(member)
        answer = await self._media.join(
            self.meeting_id,
            member.participant,
            msg.sdp,
            console=member.attendee.moderator,
            endpoint=member.attendee.endpoint_id is not None,
        )
        member.has_media = True
        if member.media_silent:  # a new peer connection: heard afresh
            member.media_silent = False
            await self.refresh_connection(member)
        if not member.presence.audio:
            self._media.mute(self.meeting_id, member.participant, True)
        member.conn.send(
            p.server_message(
                "answer", sdp=answer.sdp, slots=answer.slots, publishes=answer.publishes
            )
        )

    # -- bus messages (from every process, this one included) ---------------------------------

    async def _apply(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "presence":
            entry = Presence.from_bus(message.get("entry"))
            if entry is not None:
                await self._apply_presence(entry)
        elif kind == "left":
            self._apply_left(str(message.get("participant")), str(message.get("conn")))
        elif kind == "command":
            await self._apply_command(message)
        elif kind == "ended":
            self._apply_ended(str(message.get("by", "")))
        elif kind == "sync" and message.get("origin") != self._bus.origin:
            for member in list(self.members.values()):
                await self._publish("presence", entry=member.presence.to_bus())
            if self.presentation and self.presentation.get("presenter") in self.members:
                await self._publish("present", presentation=self.presentation)
            if self.admitted:
                await self._publish("admitted", participants=sorted(self.admitted))
        elif kind == "media_event":
            fields = message.get("fields")
            to = message.get("to")
            if isinstance(fields, dict) and message.get("type") == "media_silence":
                await self._on_silence(fields)
            elif isinstance(fields, dict):
                self._on_media(to if isinstance(to, str) else None, str(message["type"]), fields)
        elif kind == "present":
            found = message.get("presentation")
            self.presentation = found if isinstance(found, dict) else None
            out = session_events.presenting_message(self.presentation)
            for member in list(self.members.values()):
                if not member.presence.lobby:
                    member.conn.send(out)
        elif kind == session_events.KIND:
            state = message.get("state")
            if isinstance(state, dict):
                self._media.set_floor(self.meeting_id, session_events.floor_holder(state))
                out = session_events.client_message(str(message.get("event", "")), state)
                for member in list(self.members.values()):
                    if not member.presence.lobby:
                        member.conn.send(out)
                await self._hands_from(state)
        elif kind == "admitted":
            found = message.get("participants")
            if isinstance(found, list):
                self.admitted.update(str(x) for x in found)

    async def _apply_presence(self, entry: Presence) -> None:
        current = self.entries.get(entry.participant)
        if current is not None and current.conn != entry.conn and current.seated > entry.seated:
            return  # a superseded connection's entry, repeated late: the newer one stays
        local = self.members.get(entry.participant)
        if local is not None and local.session != entry.conn:
            if local.presence.seated > entry.seated:
                # An older connection's entry (e.g. the process where it dropped marks it
                # "connection lost" before our own entry has come back on the bus): ignore it.
                return
            # The participant connected again (here or on another process): drop this socket.
            await self._drop_local(local, p.CloseCode.REPLACED, "replaced")
        if self.entries.get(entry.participant) == entry:
            return
        self.entries[entry.participant] = entry
        for member in list(self.members.values()):
            if self._visible_to(member, entry):
                member.conn.send(p.server_message("participant", participant=entry.public()))

    def _apply_left(self, participant: str, conn: str) -> None:
        entry = self.entries.get(participant)
        if entry is None or entry.conn != conn:
            return
        del self.entries[participant]
        for member in list(self.members.values()):
            if self._visible_to(member, entry):
                member.conn.send(p.server_message("participant_left", participant=participant))

    async def _apply_command(self, message: dict[str, Any]) -> None:
        action, target, by = message.get("action"), message.get("target"), message.get("by", "")
        if action == "admit" and isinstance(target, str):
            self.admitted.add(target)
        if target == "*":
            members = [m for m in self.members.values() if not m.attendee.moderator]
        else:
            found = self.members.get(str(target))
            members = [found] if found is not None else []
        for member in members:
            await self._carry_out(member, str(action), str(by))

    async def _carry_out(self, member: Member, action: str, by: str) -> None:
        conn = member.conn
        if action == "admit" and member.presence.lobby:
            await self._update(member, lobby=False)
            conn.send(p.server_message("admitted", by=by))
            conn.send(self._snapshot(member))
            self._beside.run(self._send_session_state(conn))
        elif action == "deny" and member.presence.lobby:
            conn.send(p.server_message("denied", by=by))
            member.close(p.CloseCode.FORBIDDEN, "denied")
        elif action == "remove":
            conn.send(p.server_message("removed", by=by))
            member.close(p.CloseCode.REMOVED, "removed")
        elif action == "mute" and not member.presence.lobby:
            if member.has_media:
                self._media.mute(self.meeting_id, member.participant, True)
            conn.send(p.server_message("muted", by=by))
            if member.presence.audio:
                await self._update(member, audio=False)
        elif action == "stop_video" and not member.presence.lobby:
            conn.send(p.server_message("video_stopped", by=by))
            if member.presence.video:
                await self._update(member, video=False)
        elif action == "stop_screen" and not member.presence.lobby:
            if member.has_media:
                self._media.share_screen(
                    self.meeting_id, member.participant, False, take_over=False
                )
            conn.send(p.server_message("screen_stopped", by=by))
        elif action == "lower_hand" and member.presence.hand:
            conn.send(p.server_message("hand_lowered", by=by))
            await self._hand(member, False)

    def _apply_ended(self, by: str) -> None:
        self.ended = True
        for member in list(self.members.values()):
            member.conn.send(p.server_message("meeting_ended", by=by))
            member.close(p.CloseCode.MEETING_OVER, "meeting ended")

    # -- media events (from the SFU carrying this meeting, wherever it runs) ---------------------

    async def _on_silence(self, fields: dict[str, Any]) -> None:
        """The SFU heard nothing from a participant's media for a while (or hears it again):
        the process holding its socket updates its roster entry."""
        member = self.members.get(str(fields.get("participant")))
        if member is not None:
            member.media_silent = fields.get("silent") is True
            await self.refresh_connection(member)

    def _on_media(self, participant: str | None, type_: str, fields: dict[str, Any]) -> None:
        message = p.server_message(type_, **fields)
        if participant is None:
            for member in self.members.values():
                if not member.presence.lobby:
                    member.conn.send(message)
            return
        member = self.members.get(participant)
        if member is None:
            return
        member.conn.send(message)
        if type_ == "media_connection" and fields.get("state") in ("failed", "closed"):
            # Socket and media both gone (a closed tab, a dead network): no resume to wait for.
            if member.parking.parked:
                member.parking.end()
