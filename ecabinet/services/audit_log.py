"""Reading the audit log: filtered listing and chain verification, for auditors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ..models import AuditEvent
from . import audit
from .actor import Actor
from .context import Services
from .permissions import Permission

MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilter:
    subject_type: str = ""
    subject_id: str = ""
    action: str = ""  # exact, or a prefix ending in "." (e.g. "signing.")
    actor_id: int | None = None
    before_seq: int | None = None  # paging: entries older than this one
    limit: int = 100


async def list_events(svc: Services, actor: Actor, f: AuditFilter) -> Sequence[AuditEvent]:
    """Newest first. Filtering by subject lists, e.g., everything about one meeting."""
    actor.require(Permission.AUDIT_VIEW)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if f.subject_type:
        query = query.where(AuditEvent.subject_type == f.subject_type)
    if f.subject_id:
        query = query.where(AuditEvent.subject_id == f.subject_id)
    if f.action.endswith("."):
        query = query.where(AuditEvent.action.startswith(f.action, autoescape=True))
    elif f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.actor_id is not None:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.before_seq is not None:
        query = query.where(AuditEvent.seq < f.before_seq)
    query = query.limit(max(1, min(f.limit, MAX_PAGE)))
    async with svc.db.reading() as session:
        return (await session.scalars(query)).all()


async def verify(svc: Services, actor: Actor | None) -> audit.ChainReport:
    """Walk the whole chain (``actor`` None: the command line on the server)."""
    if actor is not None:
        actor.require(Permission.AUDIT_VIEW)
    async with svc.db.reading() as session:
        return await audit.verify_chain(session)
