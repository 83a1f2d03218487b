"""Session resumption: a room socket that drops while the media path is healthy keeps its
participant's roster entry and peer connection for a grace period (``ws_resume_grace``, 15 s),
and a new socket that presents the **resumption token** takes the session over: no
``participant_left``, no new ``participant``, no attendance split, no renegotiation.

The token is 32 random bytes (URL-safe base64), issued in ``welcome`` and kept only in this
process's memory, with the member it belongs to: it names one connection of one participant of
one meeting, for one user (the join token presented beside it must be for the same user and
participant). It is single-use: a resume answers with a new one. A token this process does not
hold (it restarted, or the new socket landed on another process) is no error: the client gets
``welcome`` with ``resumed: false`` and does a full rejoin (new offer), as before.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass, field

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(eq=False)
class Parking:
    """The resumable state of one member: its current token, and while its socket is gone, the
    event that ends the wait (a resume, or a reason to stop waiting: removed, media failed)."""

    token: str = field(default_factory=new_token)
    parked: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(
            presented.encode(), self.token.encode()
        )

    def rotate(self) -> str:
        """Spend the token: the next resume needs the new one."""
        self.token = new_token()
        return self.token

    def park(self) -> None:
        self.parked = True
        self.wake = asyncio.Event()

    def end(self) -> None:
        """Stop waiting for a resume (the departure is then announced as usual)."""
        self.wake.set()

    async def wait(self, grace: float) -> None:
        try:
            async with asyncio.timeout(grace):
                await self.wake.wait()
        except TimeoutError:
            pass
