"""The service container (as Synapse's ``hs``): what every use case may depend on.

Also the action pipeline: authorize → run in one transaction → append the audit entry in that same
transaction. A write use case goes through :func:`perform`, so none can skip a step.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..config import Settings
from ..db import Database
from ..errors import Conflict
from ..files.store import FileStore
from . import audit, audit_subjects
from .actor import Actor
from .keys import KeyRing
from .permissions import Permission
from .tokens import TokenService

log = logging.getLogger("ecabinet.actions")


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    keys: KeyRing
    tokens: TokenService
    files: FileStore


@dataclass
class ActionScope:
    """What an action body fills in: the subject it touched and what to record about it."""

    session: AsyncSession
    subject_type: str = ""
    subject_id: str | int = ""
    data: dict[str, Any] = field(default_factory=dict)
    meeting_id: int | None = None  # set when the subject alone does not name the meeting

    def record(self, subject_type: str, subject_id: str | int, **data: Any) -> None:
        self.subject_type, self.subject_id = subject_type, subject_id
        self.data.update(data)


@asynccontextmanager
async def perform(
    svc: Services, actor: Actor | None, action: str, permission: Permission | None = None
) -> AsyncIterator[ActionScope]:
    """Run one named write action: authorize, apply in a transaction, audit in the same one.

    ``actor`` is None only for the system itself (the command line on the server).
    A unique-constraint violation raised by the body becomes a 409 and rolls back everything.
    """
    if permission is not None and actor is not None and not actor.can(permission):
        log.warning("permission denied: %s by user %s", action, actor.user_id)
        actor.require(permission)
    try:
        async with svc.db.transaction() as session:
            scope = ActionScope(session)
            yield scope
            meeting_id = scope.meeting_id or await audit_subjects.meeting_of(
                session, scope.subject_type, scope.subject_id, scope.data
            )
            await audit.append(
                session,
                at=svc.clock.now(),
                action=action,
                actor_id=actor.user_id if actor else None,
                address=actor.address if actor else "",
                subject_type=scope.subject_type,
                subject_id=scope.subject_id,
                data=scope.data,
                meeting_id=meeting_id,
            )
    except IntegrityError as exc:
        raise Conflict(
            "The change conflicts with existing data (a duplicate or a missing reference).",
            code="integrity_conflict",
        ) from exc
