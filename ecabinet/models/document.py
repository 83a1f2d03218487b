"""Documents (tài liệu) of a meeting: versions, restrictions, receipts and board books."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Classification(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # noqa: S105 (mật: a classification, not a password)

    @property
    def watermarked(self) -> bool:
        """Copies of confidential and secret documents carry the recipient's watermark."""
        return self in (Classification.CONFIDENTIAL, Classification.SECRET)


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_meeting_id_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null for a document attached to an opinion ballot (see ``BallotDocument``).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    classification: Mapped[Classification] = mapped_column(_enum(Classification, 16))
    restricted: Mapped[bool] = mapped_column(default=False)
    current_version: Mapped[int] = mapped_column(default=1)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentVersion(Base):
    """One uploaded file of a document. Old versions are kept; the blob is named by its hash."""

    __tablename__ = "document_version"
    __table_args__ = (
        Index("ix_document_version_document_id_number", "document_id", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    pages: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentRestriction(Base):
    """A restricted document is visible only to the participants named here (and the secretary)."""

    __tablename__ = "document_restriction"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )


class DocumentReceipt(Base):
    """Distribution receipt: it reached a recipient; when they first and last opened it."""

    __tablename__ = "document_receipt"
    __table_args__ = (
        Index("ix_document_receipt_document_id_user_id", "document_id", "user_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_version: Mapped[int | None]
    open_count: Mapped[int] = mapped_column(default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BoardBookStatus(enum.StrEnum):
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class BoardBook(Base):
    """A built board book, cached by the hash of everything that goes into it."""

    __tablename__ = "board_book"
    __table_args__ = (
        Index("ix_board_book_meeting_id_content_key", "meeting_id", "content_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    content_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[BoardBookStatus] = mapped_column(_enum(BoardBookStatus, 16))
    progress: Mapped[int] = mapped_column(default=0)
    watermarked: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    pages: Mapped[int | None]
    error: Mapped[str] = mapped_column(String(500), default="")
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
