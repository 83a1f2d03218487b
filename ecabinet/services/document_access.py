"""Who may see a meeting's documents — every access decision about documents is made here.

The rule (:func:`may_read`), in one place:

* the **secretaries of the organizing organization** (a secretary-role user of the meeting's
  organization, or the meeting's named secretary) see every document, withdrawn ones included,
  and are the only ones who manage them;
* the meeting's **participants** (persons invited, and a delegate's deputy, who has a
  participant row of their own) see the documents of a meeting that is no longer a draft,
  unless the document is **withdrawn**, or **restricted** to named participants they are not
  among (a deputy counts as the participant they stand in for);
* **nobody else**: not admins, not endpoint operators, not other ministries' secretaries.

A document attached to a written opinion ballot belongs to no meeting (``meeting_id`` null,
``ballot_document`` names the ballot). Its readers are the **ballot's recipients** (unless it is
withdrawn) and the **secretaries of the sending organization** (who manage it) — the same people
who see the ballot itself (:func:`manages_ballot`).

Anything the actor may not see raises the same :class:`NotFound` as an id that does not exist,
so ids cannot be probed. Someone who may read but not manage gets :class:`Forbidden` on writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Forbidden, NotFound
from ..models import (
    BallotDocument,
    Document,
    DocumentRestriction,
    Meeting,
    MeetingStatus,
    OpinionBallot,
    OpinionRecipient,
    Participant,
)
from .actor import Actor
from .permissions import Permission

DOCUMENT_NOT_FOUND = "No such document."
MEETING_NOT_FOUND = "No such meeting."


@dataclass(frozen=True, slots=True)
class Reader:
    """A user as seen by one meeting (or, for a ballot's attachment, by one ballot: then
    ``meeting`` is None, ``ballot_id`` is set and ``is_secretary`` means "manages the ballot")."""

    user_id: int
    meeting: Meeting | None
    is_secretary: bool
    participant_ids: frozenset[int]
    """The actor's own participant rows, and the rows of those they stand in for as deputy."""
    ballot_id: int | None = None
    ballot_recipient: bool = False

    @property
    def is_participant(self) -> bool:
        return (
            self.meeting is not None
            and bool(self.participant_ids)
            and self.meeting.status is not MeetingStatus.DRAFT
        )


def is_secretary_of(actor: Actor, meeting: Meeting) -> bool:
    return meeting.secretary_id == actor.user_id or (
        actor.can(Permission.MEETING_SCHEDULE) and actor.organization_id == meeting.organization_id
    )


def manages_ballot(actor: Actor, ballot: OpinionBallot) -> bool:
    """The secretaries of the organization that sent a ballot manage it (and its documents)."""
    return (
        actor.can(Permission.MEETING_SCHEDULE) and actor.organization_id == ballot.organization_id
    )


def may_read(reader: Reader, document: Document, restricted_to: frozenset[int]) -> bool:
    """THE rule: may this reader see this document (metadata, versions, content)?"""
    if document.meeting_id is None or reader.meeting is None:  # a ballot's attachment
        if document.meeting_id is not None or reader.ballot_id is None:
            return False
        if reader.is_secretary:
            return True
        return reader.ballot_recipient and document.withdrawn_at is None
    if document.meeting_id != reader.meeting.id:
        return False
    if reader.is_secretary:
        return True
    if not reader.is_participant or document.withdrawn_at is not None:
        return False
    return not document.restricted or bool(restricted_to & reader.participant_ids)


async def reader_of(session: AsyncSession, actor: Actor, meeting_id: int) -> Reader:
    """The actor's standing in a meeting; NotFound if they have none."""
    # One query: the meeting, with the actor's participant rows (none: one row of NULLs).
    rows = (
        await session.execute(
            select(Meeting, Participant.id, Participant.delegated_from_id)
            .outerjoin(
                Participant,
                (Participant.meeting_id == Meeting.id) & (Participant.user_id == actor.user_id),
            )
            .where(Meeting.id == meeting_id)
        )
    ).all()
    if not rows:
        raise NotFound(MEETING_NOT_FOUND, code="meeting_not_found")
    meeting = rows[0][0]
    ids = frozenset(
        pid for _, own, principal in rows for pid in (own, principal) if pid is not None
    )
    reader = Reader(actor.user_id, meeting, is_secretary_of(actor, meeting), ids)
    if not (reader.is_secretary or reader.is_participant):
        raise NotFound(MEETING_NOT_FOUND, code="meeting_not_found")
    return reader


async def restrictions_of(
    session: AsyncSession, document_ids: list[int]
) -> dict[int, frozenset[int]]:
    if not document_ids:
        return {}
    rows = (
        await session.execute(
            select(DocumentRestriction.document_id, DocumentRestriction.participant_id).where(
                DocumentRestriction.document_id.in_(document_ids)
            )
        )
    ).all()
    found: dict[int, set[int]] = {}
    for document_id, participant_id in rows:
        found.setdefault(document_id, set()).add(participant_id)
    return {d: frozenset(found.get(d, ())) for d in document_ids}


async def ballot_reader(session: AsyncSession, actor: Actor, document: Document) -> Reader:
    """The actor's standing towards the ballot a document is attached to; NotFound if none."""
    link = await session.get(BallotDocument, document.id)
    ballot = await session.get(OpinionBallot, link.ballot_id) if link is not None else None
    if ballot is None:
        raise NotFound(DOCUMENT_NOT_FOUND, code="document_not_found")
    recipient = await session.get(OpinionRecipient, (ballot.id, actor.user_id))
    return Reader(
        actor.user_id,
        None,
        manages_ballot(actor, ballot),
        frozenset(),
        ballot_id=ballot.id,
        ballot_recipient=recipient is not None,
    )


async def ballot_documents(session: AsyncSession, actor: Actor, ballot_id: int) -> list[Document]:
    """The documents attached to a ballot that the actor may read, in the order attached."""
    documents = list(
        await session.scalars(
            select(Document)
            .join(BallotDocument, BallotDocument.document_id == Document.id)
            .where(BallotDocument.ballot_id == ballot_id)
            .order_by(Document.position, Document.id)
        )
    )
    if not documents:
        return []
    reader = await ballot_reader(session, actor, documents[0])
    return [d for d in documents if may_read(reader, d, frozenset())]


async def readable_documents(session: AsyncSession, reader: Reader) -> list[Document]:
    """The meeting's documents this reader may see, in agenda order."""
    if reader.meeting is None:
        return []
    documents = list(
        await session.scalars(
            select(Document)
            .where(Document.meeting_id == reader.meeting.id)
            .order_by(Document.position, Document.id)
        )
    )
    # Only restricted documents have restriction rows: most meetings need no second query.
    restricted = await restrictions_of(session, [d.id for d in documents if d.restricted])
    return [d for d in documents if may_read(reader, d, restricted.get(d.id, frozenset()))]


async def readable_document(
    session: AsyncSession, actor: Actor, document_id: int
) -> tuple[Document, Reader]:
    """A document the actor may read, or NotFound — the same for 'forbidden' and 'missing'."""
    document = await session.get(Document, document_id)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND, code="document_not_found")
    if document.meeting_id is None:
        reader = await ballot_reader(session, actor, document)
        if not may_read(reader, document, frozenset()):
            raise NotFound(DOCUMENT_NOT_FOUND, code="document_not_found")
        return document, reader
    try:
        reader = await reader_of(session, actor, document.meeting_id)
    except NotFound:
        raise NotFound(DOCUMENT_NOT_FOUND, code="document_not_found") from None
    restricted = await restrictions_of(session, [document.id] if document.restricted else [])
    if not may_read(reader, document, restricted.get(document.id, frozenset())):
        raise NotFound(DOCUMENT_NOT_FOUND, code="document_not_found")
    return document, reader


async def recipients_of(
    session: AsyncSession, meeting: Meeting, documents: list[Document]
) -> dict[int, set[int]]:
    """For each document, the users it is distributed to (by :func:`may_read`, as participants).

    Secretaries are not recipients unless they also take part.
    """
    rows = (
        await session.execute(
            select(Participant.user_id, Participant.id, Participant.delegated_from_id).where(
                Participant.meeting_id == meeting.id, Participant.user_id.is_not(None)
            )
        )
    ).all()
    standing: dict[int, set[int]] = {}
    for user_id, pid, principal in rows:
        standing.setdefault(user_id, set()).update(p for p in (pid, principal) if p is not None)
    readers = [Reader(u, meeting, False, frozenset(ids)) for u, ids in standing.items()]
    restricted = await restrictions_of(session, [d.id for d in documents])
    return {
        d.id: {r.user_id for r in readers if may_read(r, d, restricted[d.id])} for d in documents
    }


def require_secretary(reader: Reader) -> None:
    """Managing documents and agendas is for the organizing organization's secretaries."""
    if not reader.is_secretary:
        raise Forbidden("Only the meeting's secretaries may do this.", code="secretary_only")


async def managed_document(
    session: AsyncSession, actor: Actor, document_id: int
) -> tuple[Document, Reader]:
    document, reader = await readable_document(session, actor, document_id)
    require_secretary(reader)
    return document, reader


async def managed_meeting_document(
    session: AsyncSession, actor: Actor, document_id: int
) -> tuple[Document, Reader]:
    """A meeting's document the actor manages (distribution and receipts are a meeting's)."""
    document, reader = await managed_document(session, actor, document_id)
    if reader.meeting is None:
        raise NotFound(DOCUMENT_NOT_FOUND, code="document_not_found")
    return document, reader


async def managed_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> Reader:
    reader = await reader_of(session, actor, meeting_id)
    require_secretary(reader)
    return reader
