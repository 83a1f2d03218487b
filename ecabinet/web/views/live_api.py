"""``POST /api/meetings/{id}/join``: a join token for the live meeting room."""

from __future__ import annotations

from ...errors import NotFound
from ...schemas.live import IceServerOut, JoinOut
from ...services import live
from ..api import MAX_ID, ApiRegistry, ApiRequest, IntQuery

api = ApiRegistry()
TAGS = ("live meeting",)


def ws_url(req: ApiRequest, meeting_id: int) -> str:
    base = req.services.settings.public_url.rstrip("/")
    if not base:
        base = f"{req.request.scheme}://{req.request.host}"
    return base.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + (
        f"/ws/meetings/{meeting_id}"
    )


@api.route(
    "POST",
    r"/api/meetings/{id:\d+}/join",
    summary="Get a join token for the meeting room",
    response=JoinOut,
    tags=TAGS,
    query={"endpoint": IntQuery("Join as this endpoint (điểm cầu) you operate")},
)
async def join(req: ApiRequest) -> JoinOut:
    """For an invited person, an invited endpoint's operator, the chair and the secretary; anyone
    else who can see the meeting is sent to the lobby. The token works only on this meeting's
    WebSocket, from 30 minutes before the start until the grace period after the end."""
    raw = req.query("endpoint")
    endpoint_id: int | None = None
    if raw:
        if not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
            raise NotFound("No such endpoint.")
        endpoint_id = int(raw)
    meeting_id = req.id()
    ticket = await live.mint_join(req.services, req.actor, meeting_id, endpoint_id=endpoint_id)
    return JoinOut(
        token=ticket.token,
        ws_url=ws_url(req, meeting_id),
        ice_servers=[IceServerOut.model_validate(s.to_json()) for s in ticket.ice_servers],
        expires_at=ticket.expires_at,
        participant=ticket.attendee.participant,
        lobby=not ticket.attendee.invited,
        codec=req.services.settings.media_codec,
        moderator=ticket.attendee.moderator,
    )
