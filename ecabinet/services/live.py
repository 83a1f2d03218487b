"""The live meeting's rules: who may enter the room, as whom, when; lobby and moderation.

The signaling hub (``signaling/``) calls these; nothing here knows about WebSockets.

- **Who enters** (:func:`mint_join`): a person on the invitation enters as that participant; an
  endpoint's operator enters as the endpoint (điểm cầu) when it is invited; the meeting's chair
  and secretary enter as hosts; anyone else who can *see* the meeting waits in the **lobby**
  until the chair or the secretary admits them. Anyone who cannot see it gets 404.
- **When**: the room opens ``join_opens_minutes`` before the start and the join token expires
  ``join_grace_minutes`` after the scheduled end. The token is scoped to one meeting and one
  participant and checked again against the database when the socket authenticates
  (:func:`attendee_from_token`), so a withdrawn invitation or an ended meeting shuts the door.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, NotFound
from ..models import (
    Endpoint,
    LiveRoom,
    Meeting,
    MeetingStatus,
    Organization,
    Participant,
    User,
)
from . import audit, meetings, room_door, seats
from .actor import Actor
from .context import Services, perform
from .ice import IceServer, ice_servers_for
from .tokens import InvalidToken, TokenType

OPEN_STATUSES = room_door.OPEN_STATUSES
GUEST = "guest"
HOST_CHAIR = "chair"
HOST_SECRETARY = "secretary"


@dataclass(frozen=True, slots=True)
class Attendee:
    """One participant of the live room, as the hub knows them."""

    meeting_id: int
    participant: str  # "p<participant id>" for the invited, "u<user id>" for hosts and guests
    user_id: int
    endpoint_id: int | None
    name: str
    organization: str
    role: str  # the meeting role (chair/member/invitee/observer), or "secretary" / "guest"
    moderator: bool  # may admit, mute, remove and end the meeting
    invited: bool  # False: waits in the lobby until admitted
    session_id: str = ""  # the login session the join token came from (never sent to others)

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "name": self.name,
            "organization": self.organization,
            "endpoint": self.endpoint_id,
            "role": self.role,
            "moderator": self.moderator,
        }


@dataclass(frozen=True, slots=True)
class JoinTicket:
    token: str
    attendee: Attendee
    expires_at: datetime
    ice_servers: list[IceServer]


class WrongMeeting(Forbidden):
    code = "wrong_meeting"


class MeetingNotOpen(Conflict):
    code = "meeting_not_open"


def room_window(svc: Services, meeting: Meeting) -> tuple[datetime, datetime]:
    """When the room opens and when a join token for it expires (:mod:`.room_door`'s rule)."""
    return room_door.room_window(svc.settings, meeting)


def _check_open(svc: Services, meeting: Meeting) -> None:
    if meeting.status not in OPEN_STATUSES:
        raise MeetingNotOpen(
            f"The meeting is {meeting.status.value}; its room is not open.",
        )
    entry = room_door.door(svc.settings, meeting, svc.clock.now())
    if entry.state is room_door.DoorState.NOT_YET:
        raise MeetingNotOpen(
            f"The meeting room opens {svc.settings.join_opens_minutes} minutes before the start.",
            details={"opens_at": entry.opens_at.isoformat()},
        )
    if not entry.is_open:
        raise MeetingNotOpen("The meeting is over; its room is closed.")


async def _organization_name(session: AsyncSession, organization_id: int) -> str:
    org = await session.get(Organization, organization_id)
    return org.name if org else ""


async def _entitle(
    session: AsyncSession, meeting: Meeting, user: User, endpoint_id: int | None
) -> Attendee:
    """As whom ``user`` enters ``meeting`` (the rules in the module docstring)."""
    is_host = user.id in (meeting.chair_id, meeting.secretary_id)
    if endpoint_id is None:
        row = await session.scalar(
            select(Participant).where(
                Participant.meeting_id == meeting.id, Participant.user_id == user.id
            )
        )
        if row is not None:
            return Attendee(
                meeting_id=meeting.id,
                participant=f"p{row.id}",
                user_id=user.id,
                endpoint_id=None,
                name=user.full_name,
                organization=await _organization_name(session, user.organization_id),
                role=row.role.value,
                moderator=is_host or row.role.value == HOST_CHAIR,
                invited=True,
            )
    query = (
        select(Participant, Endpoint)
        .join(Endpoint, Endpoint.id == Participant.endpoint_id)
        .where(
            Participant.meeting_id == meeting.id,
            Endpoint.operator_id == user.id,
            Endpoint.is_active.is_(True),
        )
        .order_by(Participant.id)
    )
    if endpoint_id is not None:
        query = query.where(Endpoint.id == endpoint_id)
    found = (await session.execute(query.limit(1))).first()
    if found is not None:
        row, endpoint = found
        return Attendee(
            meeting_id=meeting.id,
            participant=f"p{row.id}",
            user_id=user.id,
            endpoint_id=endpoint.id,
            name=endpoint.name,
            organization=await _organization_name(session, endpoint.organization_id),
            role=row.role.value,
            moderator=row.role.value == HOST_CHAIR,
            invited=True,
        )
    if endpoint_id is not None:
        raise NotFound("That endpoint is not invited or not operated by you.")
    if is_host:
        role = HOST_CHAIR if user.id == meeting.chair_id else HOST_SECRETARY
    else:
        role = GUEST
    return Attendee(
        meeting_id=meeting.id,
        participant=f"u{user.id}",
        user_id=user.id,
        endpoint_id=None,
        name=user.full_name,
        organization=await _organization_name(session, user.organization_id),
        role=role,
        moderator=is_host,
        invited=is_host,
    )


async def mint_join(
    svc: Services, actor: Actor, meeting_id: int, *, endpoint_id: int | None = None
) -> JoinTicket:
    """A join token for the caller, or 404 (cannot see) / 409 (room not open)."""
    async with svc.db.reading() as session:
        meeting = await meetings.visible_meeting(session, actor, meeting_id)
        user = await session.get(User, actor.user_id)
        if user is None or not user.is_active:
            raise NotFound(meetings.NOT_FOUND, code="meeting_not_found")
        _check_open(svc, meeting)
        attendee = await _entitle(session, meeting, user, endpoint_id)
        opens, expires_at = room_window(svc, meeting)
    now = svc.clock.now()
    token = svc.tokens.issue(
        TokenType.JOIN,
        str(actor.user_id),
        expires_at - now,
        not_before=now - opens,
        mtg=meeting_id,
        pid=attendee.participant,
        ep=attendee.endpoint_id,
        sid=actor.session_id,  # a password change closes the sockets of the user's other sessions
    )
    async with perform(svc, actor, "meeting.join") as act:
        act.record(
            "meeting",
            meeting_id,
            participant=attendee.participant,
            endpoint_id=attendee.endpoint_id,
            lobby=not attendee.invited,
        )
    settings = svc.settings
    ice = ice_servers_for(
        stun_urls=settings.ice_servers,
        turn_urls=settings.turn_urls,
        turn_secret=settings.turn_secret,
        participant=attendee.participant,
        expires_at=min(expires_at, now + timedelta(seconds=settings.turn_ttl)),
    )
    return JoinTicket(token, attendee, expires_at, ice)


async def attendee_of(svc: Services, actor: Actor, meeting_id: int) -> Attendee | None:
    """As whom a signed-in user would be in the room (without a join token: the session socket
    of a page outside the room), or ``None`` while the room is not open. 404 if the user cannot
    see the meeting."""
    async with svc.db.reading() as session:
        meeting = await meetings.visible_meeting(session, actor, meeting_id)
        user = await session.get(User, actor.user_id)
        if user is None or not user.is_active:
            raise NotFound(meetings.NOT_FOUND, code="meeting_not_found")
        try:
            _check_open(svc, meeting)
        except MeetingNotOpen:
            return None
        return await _entitle(session, meeting, user, None)


async def attendee_from_token(svc: Services, token: str, meeting_id: int) -> Attendee:
    """Check a join token presented on ``meeting_id``'s socket; re-check it against the database.

    Raises :class:`InvalidToken` (bad, expired, not yet valid), :class:`WrongMeeting` (a token
    for another meeting) or :class:`MeetingNotOpen` / :class:`NotFound` (the door has closed).
    """
    claims = svc.tokens.verify(token, TokenType.JOIN)
    mtg, pid, ep = claims.get("mtg"), claims.get("pid"), claims.get("ep")
    if type(mtg) is not int or not isinstance(pid, str) or not (ep is None or type(ep) is int):
        raise InvalidToken("The token is not a join token for a meeting.")
    if mtg != meeting_id:
        raise WrongMeeting("This token is for another meeting.")
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("The token's subject is malformed.") from exc
    async with svc.db.reading() as session:
        meeting = await session.get(Meeting, meeting_id)
        user = await session.get(User, user_id)
        if meeting is None or user is None or not user.is_active:
            raise NotFound(meetings.NOT_FOUND, code="meeting_not_found")
        _check_open(svc, meeting)
        attendee = await _entitle(session, meeting, user, ep)
    if attendee.participant != pid:
        # The invitation changed since the token was minted (withdrawn, or now invited).
        raise InvalidToken(
            "The invitation changed; ask for a new join token.", code="invitation_changed"
        )
    sid = claims.get("sid")
    return replace(attendee, session_id=sid) if isinstance(sid, str) else attendee


async def _record(
    session: AsyncSession, svc: Services, by: Attendee, action: str, **data: Any
) -> None:
    await audit.append(
        session,
        at=svc.clock.now(),
        action=action,
        actor_id=by.user_id,
        address="",
        subject_type="meeting",
        subject_id=by.meeting_id,
        data={"by": by.participant, **data},
    )


async def record_admission(session: AsyncSession, svc: Services, by: Attendee, target: str) -> None:
    """Audit an admission from the lobby inside the caller's transaction (see live_state)."""
    await _record(session, svc, by, "meeting.admit", target=target)


async def record_moderation(svc: Services, by: Attendee, action: str, target: str) -> None:
    """Audit a chair action (admit, deny, remove, mute-all) on the meeting."""
    if not by.moderator:
        raise Forbidden("Only the chair or the secretary can do this.", code="not_moderator")
    async with svc.db.transaction() as session:
        await _record(session, svc, by, f"meeting.{action}", target=target)


async def mark_started(svc: Services, by: Attendee) -> bool:
    """A host entering a scheduled meeting's room starts it (status ``in_progress``)."""
    if not by.moderator:
        return False
    async with svc.db.transaction() as session:
        meeting = await session.get(Meeting, by.meeting_id)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return False
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.updated_at = svc.clock.now()
        await _record(session, svc, by, "meeting.start")
    return True


async def end_meeting(svc: Services, by: Attendee) -> None:
    """The chair ends the meeting: status ``ended``; no join token works for it any more."""
    if not by.moderator:
        raise Forbidden("Only the chair or the secretary can do this.", code="not_moderator")
    async with svc.db.transaction() as session:
        meeting = await session.get(Meeting, by.meeting_id)
        if meeting is None:
            raise NotFound(meetings.NOT_FOUND, code="meeting_not_found")
        if meeting.status is MeetingStatus.SCHEDULED:
            meeting.status = MeetingStatus.IN_PROGRESS
        meetings.check_transition(meeting, MeetingStatus.ENDED)
        meeting.status = MeetingStatus.ENDED
        meeting.updated_at = svc.clock.now()
        await seats.mark_ended(session, meeting.id, meeting.updated_at)
        await _record(session, svc, by, "meeting.end")


# -- media pinning -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaPin:
    node: str
    codec: str


async def pin_media(svc: Services, meeting_id: int, node: str) -> MediaPin:
    """The SFU process carrying ``meeting_id``'s media: the pinned one while it is alive, else
    ``node`` (which takes the pin). Two processes racing for a new pin: one wins, both agree."""
    now = svc.clock.now()
    stale = now - timedelta(seconds=3 * svc.settings.presence_interval)
    for _ in range(2):
        try:
            async with svc.db.transaction() as session:
                pin = await session.get(LiveRoom, meeting_id)
                if pin is None:
                    pin = LiveRoom(
                        meeting_id=meeting_id,
                        media_node=node,
                        media_codec=svc.settings.media_codec,
                        pinned_at=now,
                        seen_at=now,
                    )
                    session.add(pin)
                elif pin.media_node != node and pin.seen_at < stale:
                    pin.media_node, pin.pinned_at, pin.seen_at = node, now, now
                return MediaPin(pin.media_node, pin.media_codec)
        except IntegrityError:
            continue  # another process inserted the pin first: read it
    raise Conflict("The meeting's media could not be placed; try again.", code="media_pin_race")


async def media_heartbeat(svc: Services, meeting_id: int, node: str) -> None:
    async with svc.db.transaction() as session:
        await session.execute(
            update(LiveRoom)
            .where(LiveRoom.meeting_id == meeting_id, LiveRoom.media_node == node)
            .values(seen_at=svc.clock.now())
        )


async def unpin_media(svc: Services, meeting_id: int, node: str) -> None:
    """The pinned process has no media left for the meeting."""
    async with svc.db.transaction() as session:
        await session.execute(
            delete(LiveRoom).where(LiveRoom.meeting_id == meeting_id, LiveRoom.media_node == node)
        )


async def still_admitted(svc: Services, attendee: Attendee) -> bool:
    """Re-check a connected attendee: the meeting still open, the account active, the same
    invitation. A socket whose attendee no longer passes is closed by the hub."""
    async with svc.db.reading() as session:
        meeting = await session.get(Meeting, attendee.meeting_id)
        user = await session.get(User, attendee.user_id)
        if meeting is None or user is None or not user.is_active:
            return False
        try:
            _check_open(svc, meeting)
            now = await _entitle(session, meeting, user, attendee.endpoint_id)
        except (MeetingNotOpen, NotFound):
            return False
    return now.participant == attendee.participant
