"""Signed download links (SEC-C2): a URL that carries its own short-lived authorization.

A link is ``<path>?sig=<token>``, where the token is a ``download`` JWT (its own ``typ`` and
audience, :mod:`tokens`) naming the user (``sub``), the login session it was minted in
(``sid``) and the one path it opens (``path``), valid for :data:`LINK_TTL`. Presented, it is
accepted only:

* for a GET of exactly that path (another path, or a POST: ``401 link_not_valid_here``);
* before it expires (``401 token_expired``, after the tokens' clock-skew leeway);
* while the session it was minted in lives: logging out, a disabled account, a password
  change or reset end it (``401 session_ended``);
* by its owner: a request that also carries another user's session is refused
  (``401 link_not_yours``) — a link pasted to a colleague does not open it as the owner.

What it opens is what the owner would get (their watermarked copy, their audit entry): the
access rule is checked again on every use, as for any request of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from ..errors import Unauthorized
from . import auth
from .actor import Actor
from .context import Services
from .tokens import TokenType

LINK_TTL = timedelta(minutes=5)  # long enough to start a download, too short to be shared


@dataclass(frozen=True, slots=True)
class SignedLink:
    url: str
    expires_at: datetime


def sign(svc: Services, actor: Actor, path: str) -> SignedLink:
    token = svc.tokens.issue(
        TokenType.DOWNLOAD, str(actor.user_id), LINK_TTL, sid=actor.session_id, path=path
    )
    return SignedLink(f"{path}?sig={quote(token)}", svc.clock.now() + LINK_TTL)


async def owner_of(
    svc: Services, token: str, *, method: str, path: str, address: str, presenter: Actor | None
) -> Actor:
    """The actor a presented link acts for, or :class:`Unauthorized` (see the module's rules).
    ``presenter`` is whoever the request is otherwise authenticated as (None: nobody)."""
    claims = svc.tokens.verify(token, TokenType.DOWNLOAD)
    if method != "GET" or claims.get("path") != path:
        raise Unauthorized("This link is not valid here.", code="link_not_valid_here")
    sid = claims.get("sid")
    if not isinstance(sid, str):
        raise Unauthorized("This link is not valid here.", code="link_not_valid_here")
    actor = await auth.actor_of_session(svc, sid, address=address)
    if str(actor.user_id) != claims.get("sub") or (
        presenter is not None and presenter.user_id != actor.user_id
    ):
        raise Unauthorized("This link was made for someone else.", code="link_not_yours")
    return actor
