"""What ``POST /api/meetings/{id}/join`` returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .common import Output


class IceServerOut(Output):
    """A W3C ``RTCIceServer``: pass the list as ``iceServers`` to ``RTCPeerConnection``."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class JoinOut(Output):
    token: str = Field(description="The join token: the WebSocket's first message sends it.")
    ws_url: str = Field(description="Where to open the signaling WebSocket.")
    ice_servers: list[IceServerOut] = Field(
        description="STUN/TURN servers; TURN credentials are minted for this join only."
    )
    expires_at: datetime = Field(description="When the token (and TURN credentials) expire.")
    participant: str = Field(description="Your participant id in the room.")
    lobby: bool = Field(description="True: you wait in the lobby until the chair admits you.")
    codec: str = Field(description="The meeting's video codec: offer it ('h264' or 'vp8').")
    moderator: bool = Field(
        default=False,
        description="True: you enter as a moderator (the chair's console: offer its thumbnail "
        "slots); lets a client prepare its offer before the socket's welcome.",
    )
