"""Annotations (ghi chú) on a document version, reading positions, and opinions (ý kiến).

Annotations are stored apart from the PDF: the distributed file never changes. Geometry is in
normalized page coordinates (0..1, origin at the top-left of the page as displayed).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class AnnotationKind(enum.StrEnum):
    HIGHLIGHT = "highlight"
    NOTE = "note"
    INK = "ink"


class Visibility(enum.StrEnum):
    PRIVATE = "private"
    MEETING = "meeting"
    PARTICIPANTS = "participants"


class Annotation(Base):
    __tablename__ = "annotation"
    __table_args__ = (
        Index("ix_annotation_document_id_author_id", "document_id", "author_id"),
        Index("ix_annotation_document_id_visibility", "document_id", "visibility"),
        CheckConstraint("page >= 1", name="page_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    version: Mapped[int]
    """The document version it is anchored to (moved forward when carried over)."""
    made_on_version: Mapped[int]
    """The version it was made on."""
    author_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AnnotationKind] = mapped_column(_enum(AnnotationKind, 16))
    page: Mapped[int]
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    quote: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(7), default="#ffd400")
    visibility: Mapped[Visibility] = mapped_column(
        _enum(Visibility, 16), default=Visibility.PRIVATE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnnotationShare(Base):
    """An annotation shared with chosen participants (visibility ``participants``)."""

    __tablename__ = "annotation_share"

    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotation.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ReadingPosition(Base):
    """The last page a user read, per document version: the viewer opens there."""

    __tablename__ = "reading_position"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True)
    page: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Opinion(Base):
    """A comment (ý kiến) on an agenda item or a document, threaded by ``parent_id``."""

    __tablename__ = "opinion"
    __table_args__ = (
        Index("ix_opinion_meeting_id_created_at", "meeting_id", "created_at"),
        CheckConstraint("(agenda_item_id IS NULL) <> (document_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("opinion.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
