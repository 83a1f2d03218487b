"""What a user does to their own account: change their password."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from ..errors import Forbidden, ValidationFailed
from ..models import AuthSession
from . import passwords
from .actor import Actor
from .context import Services, perform
from .directory import get_user


async def change_password(svc: Services, actor: Actor, current: str, new: str) -> None:
    """Replace the actor's password; every other session of theirs ends, this one stays."""
    if new == current:
        raise ValidationFailed(
            "The new password must differ from the current one.", code="password_unchanged"
        )
    passwords.check_policy(new)
    new_hash = await asyncio.to_thread(passwords.hash_password, new)
    async with perform(svc, actor, "user.change_password") as act:
        user = await get_user(act.session, actor.user_id)
        if not await asyncio.to_thread(passwords.verify_password, user.password_hash, current):
            raise Forbidden("The current password is incorrect.", code="wrong_password")
        now = svc.clock.now()
        user.password_hash = new_hash
        user.password_changed_at = now
        user.must_change_password = False
        await act.session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == user.id,
                AuthSession.id != actor.session_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=now, revoked_reason="password_changed")
        )
        act.record("user", user.id)
