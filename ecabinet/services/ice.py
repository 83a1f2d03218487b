"""ICE servers for a participant: STUN from settings, TURN with per-join REST credentials.

TURN credentials follow coturn's time-limited REST scheme (``use-auth-secret`` /
``static-auth-secret``, draft-uberti-behave-turn-rest): username ``"<expiry>:<participant>"``,
password ``base64(HMAC-SHA1(secret, username))``. They are minted per join and never written
into a page or a setting.

Ordering matters for aiortc, which gathers only UDP host candidates and uses only the *first*
TURN server of its configuration: the TURN URLs are returned as configured, and the operator
lists ``turns:…:443?transport=tcp`` first (see docs/turn.md), so that the Python room client
behind a UDP-blocking firewall relays over TLS on 443. Browsers try every URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IceServer:
    """Mirrors the W3C ``RTCIceServer`` dictionary (and aiortc's class of the same name)."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"urls": list(self.urls)}
        if self.username is not None:
            body["username"] = self.username
            body["credential"] = self.credential
        return body


def turn_credentials(secret: str, participant: str, expires_at: datetime) -> tuple[str, str]:
    """coturn REST credentials valid until ``expires_at`` for ``participant``."""
    username = f"{int(expires_at.timestamp())}:{participant}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for(
    *,
    stun_urls: tuple[str, ...],
    turn_urls: tuple[str, ...],
    turn_secret: str,
    participant: str,
    expires_at: datetime,
) -> list[IceServer]:
    """TURN first (one server entry holding every TURN URL, in the configured order), then STUN."""
    servers: list[IceServer] = []
    if turn_urls and turn_secret:
        username, password = turn_credentials(turn_secret, participant, expires_at)
        servers.append(IceServer(turn_urls, username, password))
    if stun_urls:
        servers.append(IceServer(stun_urls))
    return servers
