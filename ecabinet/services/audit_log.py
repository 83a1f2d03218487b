"""Reading the audit log: filtered listing and chain verification, for auditors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, or_, select

from ..errors import Forbidden, NotFound
from ..models import AuditEvent, Meeting
from . import audit
from .actor import Actor
from .context import Services
from .document_access import is_secretary_of
from .meetings import visible_to
from .permissions import Permission

MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilter:
    subject_type: str = ""
    subject_id: str = ""
    action: str = ""  # exact, or a prefix ending in "." (e.g. "signing.")
    actor_id: int | None = None
    meeting_id: int | None = None  # everything about one meeting (see audit_subjects)
    before_seq: int | None = None  # paging: entries older than this one
    limit: int = 100


def about_meeting(meeting_id: int) -> ColumnElement[bool]:
    """Entries that name the meeting; before revision 0070 entries had no meeting column, so
    for those the meeting's own entries (subject ``meeting``) are what can be found."""
    legacy = and_(
        AuditEvent.meeting_id.is_(None),
        AuditEvent.subject_type == "meeting",
        AuditEvent.subject_id == str(meeting_id),
    )
    return or_(AuditEvent.meeting_id == meeting_id, legacy)


async def list_events(svc: Services, actor: Actor, f: AuditFilter) -> Sequence[AuditEvent]:
    """Newest first."""
    actor.require(Permission.AUDIT_VIEW)
    return await _events(svc, f)


async def _events(svc: Services, f: AuditFilter) -> Sequence[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if f.meeting_id is not None:
        query = query.where(about_meeting(f.meeting_id))
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


async def meeting_events(
    svc: Services, actor: Actor, meeting_id: int, f: AuditFilter
) -> tuple[Meeting, Sequence[AuditEvent]]:
    """Everything about one meeting, for its secretaries (and auditors). Others get 404, or 403
    if they can see the meeting."""
    async with svc.db.reading() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound("No such meeting.", code="meeting_not_found")
        if not (is_secretary_of(actor, meeting) or actor.can(Permission.AUDIT_VIEW)):
            visible = await session.scalar(
                select(Meeting.id).where(Meeting.id == meeting_id, visible_to(actor))
            )
            if visible is None:
                raise NotFound("No such meeting.", code="meeting_not_found")
            raise Forbidden(
                "Only the meeting's secretaries may read its log.", code="secretary_only"
            )
    return meeting, await _events(svc, replace(f, meeting_id=meeting_id))


async def verify_for_meeting(svc: Services, actor: Actor, meeting_id: int) -> audit.ChainReport:
    """The whole chain's state (a meeting's entries are sound only if the chain is), for those
    who may read the meeting's log."""
    await meeting_events(svc, actor, meeting_id, AuditFilter(limit=1))
    async with svc.db.reading() as session:
        return await audit.verify_chain(session)


async def verify(svc: Services, actor: Actor | None) -> audit.ChainReport:
    """Walk the whole chain (``actor`` None: the command line on the server)."""
    if actor is not None:
        actor.require(Permission.AUDIT_VIEW)
    async with svc.db.reading() as session:
        return await audit.verify_chain(session)


async def actor_names(svc: Services, events: Sequence[AuditEvent]) -> dict[int, str]:
    """The full names of the people who did what these entries record (for a readable log)."""
    from ..models import User

    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    async with svc.db.reading() as session:
        rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
        return {int(i): str(name) for i, name in rows.all()}
