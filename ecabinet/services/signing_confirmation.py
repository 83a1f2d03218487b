"""A signature is an act of will: before the platform signs with a user's key, the user confirms
it with a second factor — their password, re-entered.

* Checked with Argon2 (``passwords.verify_password``) outside any transaction, like a login.
* Throttled like logins, in the same count (table ``login_attempt``, per account and per
  address, sliding window): a stolen session cannot be used to guess the password by signing.
* A wrong password is audited (``signing.confirm_failed``) and refused with 403
  ``signing_password_wrong``; too many give 429 ``signing_throttled``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..errors import Forbidden
from ..models import LoginAttempt, User
from . import audit, passwords
from .actor import Actor
from .auth import check_throttle
from .context import Services

THROTTLED = "signing_throttled"


class SigningPasswordWrong(Forbidden):
    code = "signing_password_wrong"


@dataclass(frozen=True)
class Confirmation:
    """Proof, for one signing call, that the actor re-entered their password just now."""

    user_id: int
    factor: str = "password"


async def confirm(svc: Services, actor: Actor, password: str) -> Confirmation:
    """Check the actor's password before a signature; record the attempt either way."""
    async with svc.db.reading() as session:
        await check_throttle(svc, session, actor.username, actor.address, code=THROTTLED)
        user = await session.get(User, actor.user_id)
    ok = await asyncio.to_thread(
        passwords.verify_password, user.password_hash if user else None, password
    )
    ok = ok and user is not None and user.is_active
    async with svc.db.transaction() as session:
        await check_throttle(svc, session, actor.username, actor.address, code=THROTTLED)
        now = svc.clock.now()
        session.add(
            LoginAttempt(username=actor.username, address=actor.address, at=now, succeeded=ok)
        )
        if not ok:
            await audit.append(
                session,
                at=now,
                action="signing.confirm_failed",
                actor_id=actor.user_id,
                address=actor.address,
                subject_type="user",
                subject_id=actor.user_id,
            )
    if not ok:
        raise SigningPasswordWrong("The password is not correct; the document was not signed.")
    return Confirmation(actor.user_id)
