"""Annotations (ghi chú): highlight, note and ink on a page of a document version.

Private by default; shared with the whole meeting or with chosen participants as an explicit
act; only the author edits or deletes. Who sees what is decided in :mod:`annotation_access`.
The audit trail records who did what to which annotation, never its text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import ValidationFailed
from ..models import (
    Annotation,
    AnnotationShare,
    Document,
    DocumentVersion,
    Participant,
    ReadingPosition,
    User,
    Visibility,
)
from ..schemas.annotations import AnnotationIn, AnnotationPatch
from . import document_access as access
from .actor import Actor
from .annotation_access import own_annotation, visible_annotation, visible_clause
from .context import Services, perform
from .document_access import Reader


@dataclass(frozen=True, slots=True)
class AnnotationView:
    annotation: Annotation
    share_with: list[int]
    author_name: str
    current_version: int
    mine: bool

    @property
    def earlier_version(self) -> bool:
        return self.annotation.version < self.current_version


async def _views(
    session: AsyncSession, actor: Actor, document: Document, annotations: list[Annotation]
) -> list[AnnotationView]:
    ids = [a.id for a in annotations]
    shares: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        rows = await session.execute(
            select(AnnotationShare.annotation_id, AnnotationShare.participant_id)
            .where(AnnotationShare.annotation_id.in_(ids))
            .order_by(AnnotationShare.participant_id)
        )
        for annotation_id, participant_id in rows:
            shares[annotation_id].append(participant_id)
    authors = {a.author_id for a in annotations}
    names = dict(
        (await session.execute(select(User.id, User.full_name).where(User.id.in_(authors)))).all()
    )
    return [
        AnnotationView(
            a,
            # Whom an annotation is shared with is the author's business only.
            shares[a.id] if a.author_id == actor.user_id else [],
            names.get(a.author_id, ""),
            document.current_version,
            a.author_id == actor.user_id,
        )
        for a in annotations
    ]


async def visible_on(session: AsyncSession, reader: Reader, document: Document) -> list[Annotation]:
    return list(
        await session.scalars(
            select(Annotation)
            .where(Annotation.document_id == document.id, visible_clause(reader))
            .order_by(Annotation.version, Annotation.page, Annotation.id)
        )
    )


async def list_annotations(svc: Services, actor: Actor, document_id: int) -> list[AnnotationView]:
    """The actor's own annotations and those shared with them, on every version."""
    async with svc.db.reading() as session:
        document, reader = await access.readable_document(session, actor, document_id)
        return await _views(session, actor, document, await visible_on(session, reader, document))


async def get_annotation(svc: Services, actor: Actor, annotation_id: int) -> AnnotationView:
    async with svc.db.reading() as session:
        annotation, document, _ = await visible_annotation(session, actor, annotation_id)
        return (await _views(session, actor, document, [annotation]))[0]


async def _check_shares(
    session: AsyncSession, document: Document, visibility: Visibility, share_with: list[int]
) -> set[int]:
    wanted = set(share_with)
    if document.meeting_id is None and visibility is not Visibility.PRIVATE:
        raise ValidationFailed(
            "Annotations on a ballot's document stay private.", code="invalid_share"
        )
    if visibility is not Visibility.PARTICIPANTS:
        if wanted:
            raise ValidationFailed(
                "share_with is only for visibility 'participants'.", code="invalid_share"
            )
        return set()
    if not wanted:
        raise ValidationFailed("Choose at least one participant.", code="invalid_share")
    found = set(
        await session.scalars(
            select(Participant.id).where(
                Participant.meeting_id == document.meeting_id,
                Participant.id.in_(wanted),
                Participant.user_id.is_not(None),
            )
        )
    )
    if found != wanted:
        raise ValidationFailed(
            "Share with participants (persons) of this meeting only.",
            code="invalid_share",
            details={"unknown": sorted(wanted - found)},
        )
    return wanted


async def _set_shares(session: AsyncSession, annotation: Annotation, wanted: set[int]) -> None:
    await session.execute(
        delete(AnnotationShare).where(AnnotationShare.annotation_id == annotation.id)
    )
    session.add_all(AnnotationShare(annotation_id=annotation.id, participant_id=p) for p in wanted)


async def create(
    svc: Services, actor: Actor, document_id: int, data: AnnotationIn
) -> AnnotationView:
    async with perform(svc, actor, "annotation.create") as act:
        session = act.session
        document, _ = await access.readable_document(session, actor, document_id)
        number = data.version or document.current_version
        version = await session.scalar(
            select(DocumentVersion).where(
                DocumentVersion.document_id == document.id, DocumentVersion.number == number
            )
        )
        if version is None:
            raise ValidationFailed("No such version of the document.", code="invalid_version")
        if data.page > version.pages:
            raise ValidationFailed(f"The version has {version.pages} pages.", code="invalid_page")
        wanted = await _check_shares(session, document, data.visibility, data.share_with)
        now = svc.clock.now()
        annotation = Annotation(
            document_id=document.id,
            version=number,
            made_on_version=number,
            author_id=actor.user_id,
            kind=data.kind,
            page=data.page,
            geometry=data.geometry(),
            quote=data.quote,
            body=data.body,
            color=data.color.lower(),
            visibility=data.visibility,
            created_at=now,
            updated_at=now,
        )
        session.add(annotation)
        await session.flush()
        await _set_shares(session, annotation, wanted)
        act.record(
            "annotation",
            annotation.id,
            document_id=document.id,
            kind=data.kind.value,
            visibility=data.visibility.value,
            shared_with=sorted(wanted),
        )
        await session.flush()
        view = (await _views(session, actor, document, [annotation]))[0]
    return view


async def update(
    svc: Services, actor: Actor, annotation_id: int, patch: AnnotationPatch
) -> tuple[AnnotationView, Visibility]:
    """Change one's own annotation. Returns the new view and the visibility it had before."""
    async with perform(svc, actor, "annotation.update") as act:
        session = act.session
        annotation, document, _ = await own_annotation(session, actor, annotation_id)
        before = annotation.visibility
        changed = patch.model_dump(exclude_unset=True)
        if patch.body is not None:
            annotation.body = patch.body
        if patch.color is not None:
            annotation.color = patch.color.lower()
        if patch.visibility is not None or patch.share_with is not None:
            visibility = patch.visibility or annotation.visibility
            current = list(
                await session.scalars(
                    select(AnnotationShare.participant_id).where(
                        AnnotationShare.annotation_id == annotation.id
                    )
                )
            )
            share_with = patch.share_with if patch.share_with is not None else current
            if patch.visibility is not None and patch.visibility is not Visibility.PARTICIPANTS:
                share_with = [] if patch.share_with is None else patch.share_with
            wanted = await _check_shares(session, document, visibility, share_with)
            annotation.visibility = visibility
            await _set_shares(session, annotation, wanted)
        annotation.updated_at = svc.clock.now()
        act.record(
            "annotation",
            annotation.id,
            document_id=document.id,
            fields=sorted(changed),
            visibility=annotation.visibility.value,
        )
        await session.flush()
        view = (await _views(session, actor, document, [annotation]))[0]
    return view, before


async def remove(svc: Services, actor: Actor, annotation_id: int) -> Annotation:
    async with perform(svc, actor, "annotation.delete") as act:
        annotation, document, _ = await own_annotation(act.session, actor, annotation_id)
        await act.session.delete(annotation)
        act.record("annotation", annotation.id, document_id=document.id)
    return annotation


async def reading_position(svc: Services, actor: Actor, document_id: int) -> tuple[int, int]:
    """(version, page) where the actor stopped reading the current version; page 1 if never."""
    async with svc.db.reading() as session:
        document, _ = await access.readable_document(session, actor, document_id)
        page = await session.scalar(
            select(ReadingPosition.page).where(
                ReadingPosition.user_id == actor.user_id,
                ReadingPosition.document_id == document.id,
                ReadingPosition.version == document.current_version,
            )
        )
        return document.current_version, page or 1


async def save_reading_position(
    svc: Services, actor: Actor, document_id: int, version_number: int, page: int
) -> None:
    """Not an audited action: it is the reader's bookmark, written often while paging.
    Two tabs saving at once: the later write wins, the other's insert is dropped."""
    try:
        await _save_position(svc, actor, document_id, version_number, page)
    except IntegrityError:
        return


async def _save_position(
    svc: Services, actor: Actor, document_id: int, version_number: int, page: int
) -> None:
    async with svc.db.transaction() as session:
        document, _ = await access.readable_document(session, actor, document_id)
        version = await session.scalar(
            select(DocumentVersion).where(
                DocumentVersion.document_id == document.id,
                DocumentVersion.number == version_number,
            )
        )
        if version is None:
            raise ValidationFailed("No such version of the document.", code="invalid_version")
        if page > version.pages:
            raise ValidationFailed(f"The version has {version.pages} pages.", code="invalid_page")
        key = (actor.user_id, document.id, version_number)
        position = await session.get(ReadingPosition, key)
        if position is None:
            position = ReadingPosition(
                user_id=actor.user_id, document_id=document.id, version=version_number, page=page
            )
            session.add(position)
        position.page = page
        position.updated_at = svc.clock.now()


@dataclass(frozen=True, slots=True)
class ShareTarget:
    participant_id: int
    name: str


async def share_targets(svc: Services, actor: Actor, document_id: int) -> list[ShareTarget]:
    """The participants one may share an annotation on this document with: persons of the
    meeting who may read the document, other than oneself."""
    async with svc.db.reading() as session:
        document, reader = await access.readable_document(session, actor, document_id)
        if reader.meeting is None:  # a ballot's attachment: annotations stay private
            return []
        readers = (await access.recipients_of(session, reader.meeting, [document]))[document.id]
        rows = (
            await session.execute(
                select(Participant.id, Participant.user_id, User.full_name)
                .join(User, User.id == Participant.user_id)
                .where(Participant.meeting_id == document.meeting_id)
                .order_by(User.full_name)
            )
        ).all()
    return [
        ShareTarget(pid, name)
        for pid, user_id, name in rows
        if user_id in readers and user_id != actor.user_id
    ]


async def check_readable(svc: Services, actor: Actor, document_id: int) -> None:
    """NotFound unless the actor may read the document (for the live socket's handshake)."""
    async with svc.db.reading() as session:
        await access.readable_document(session, actor, document_id)
