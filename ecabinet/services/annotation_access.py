"""Who sees which annotation — every annotation access decision is made here.

On top of the document rule (:func:`document_access.may_read`: nobody reads or writes
annotations on a document they may not see):

* an annotation is always visible to its **author**;
* a **private** one to nobody else — not the secretary, not an admin, not the chair;
* one shared with the **meeting** to everyone who may read the document;
* one shared with **chosen participants** to those participants (a deputy counts as the
  participant they stand in for).

Visibility is decided in SQL (:func:`visible_clause`), so another person's private
annotation is never even loaded for a reader. An annotation the actor may not see raises the
same :class:`NotFound` as an id that does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Forbidden, NotFound
from ..models import Annotation, AnnotationShare, Document, Visibility
from . import document_access as access
from .actor import Actor
from .document_access import Reader

ANNOTATION_NOT_FOUND = "No such annotation."


def visible_clause(reader: Reader) -> ColumnElement[bool]:
    """SQL condition: the annotation is the reader's own or shared with them."""
    shared_with_me = exists(
        select(AnnotationShare.annotation_id).where(
            AnnotationShare.annotation_id == Annotation.id,
            AnnotationShare.participant_id.in_(sorted(reader.participant_ids) or [-1]),
        )
    )
    return or_(
        Annotation.author_id == reader.user_id,
        Annotation.visibility == Visibility.MEETING,
        and_(Annotation.visibility == Visibility.PARTICIPANTS, shared_with_me),
    )


async def visible_annotation(
    session: AsyncSession, actor: Actor, annotation_id: int
) -> tuple[Annotation, Document, Reader]:
    """An annotation the actor may see (on a document they may read), or NotFound."""
    annotation = await session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(ANNOTATION_NOT_FOUND, code="annotation_not_found")
    try:
        document, reader = await access.readable_document(session, actor, annotation.document_id)
    except NotFound:
        raise NotFound(ANNOTATION_NOT_FOUND, code="annotation_not_found") from None
    found = await session.scalar(
        select(Annotation.id).where(Annotation.id == annotation_id, visible_clause(reader))
    )
    if found is None:
        raise NotFound(ANNOTATION_NOT_FOUND, code="annotation_not_found")
    return annotation, document, reader


async def own_annotation(
    session: AsyncSession, actor: Actor, annotation_id: int
) -> tuple[Annotation, Document, Reader]:
    """The actor's own annotation; someone else's shared one is 403, anything else 404."""
    annotation, document, reader = await visible_annotation(session, actor, annotation_id)
    if annotation.author_id != actor.user_id:
        raise Forbidden("Only the author may change an annotation.", code="not_author")
    return annotation, document, reader
