"""The minutes (biên bản) of a meeting: immutable versions, review requests and comments, and
signing rounds (one per approved version; a change after approval voids the round).

``minutes_version`` rows are never changed or deleted (database triggers refuse it): every save
is a new row. What changes over time — the workflow status, which round is current, whether a
round was voided — lives on ``minutes`` and ``minutes_signing_round``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class MinutesStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED_FOR_SIGNATURE = "approved_for_signature"
    SIGNING = "signing"
    FINAL = "final"


class RoundStatus(enum.StrEnum):
    OPEN = "open"  # awaiting signatures
    COMPLETE = "complete"  # every signer signed: the minutes are final
    VOID = "void"  # the text changed after approval; signatures stay on record, void


class Minutes(Base):
    """One set of minutes per meeting and where its workflow stands. The current signing round is
    the one that is not void (at most one)."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[MinutesStatus] = mapped_column(_enum(MinutesStatus, 24))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MinutesVersion(Base):
    """One saved text of the minutes. Immutable: a change is a new version."""

    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="RESTRICT"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MinutesReviewer(Base):
    """A reviewer asked to read one version."""

    __tablename__ = "minutes_reviewer"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.id", ondelete="RESTRICT"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_version.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MinutesComment(Base):
    """A reviewer's (or the secretary's) comment on a version, optionally on one section; a reply
    names the first comment of its thread (``reply_to_id``; one level)."""

    __tablename__ = "minutes_comment"
    __table_args__ = (
        Index("ix_minutes_comment_version_id", "version_id"),
        Index("ix_minutes_comment_reply_to_id", "reply_to_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="RESTRICT"))
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_version.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    section: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    changes_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("minutes_comment.id", ondelete="RESTRICT"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MinutesSigningRound(Base):
    """One approved version opened for signing: its signing document and the signer order."""

    __tablename__ = "minutes_signing_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.id", ondelete="RESTRICT"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_version.id", ondelete="RESTRICT"))
    signing_document_id: Mapped[int] = mapped_column(
        ForeignKey("signing_document.id", ondelete="RESTRICT"), unique=True
    )
    signer_ids: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus, 16))
    approved_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str] = mapped_column(String(500), default="")
