"""Written opinion ballots (phiếu lấy ý kiến thành viên Chính phủ), answered outside a meeting."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class OpinionBallotStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OpinionAnswer(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    OTHER = "other"


class OpinionBallot(Base):
    __tablename__ = "opinion_ballot"
    __table_args__ = (Index("ix_opinion_ballot_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    remind_hours_before: Mapped[int] = mapped_column(default=24)
    status: Mapped[OpinionBallotStatus] = mapped_column(_enum(OpinionBallotStatus, 8))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OpinionRecipient(Base):
    __tablename__ = "opinion_recipient"

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_ballot.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answer: Mapped[OpinionAnswer | None] = mapped_column(_enum(OpinionAnswer, 10))
    text: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BallotDocument(Base):
    """A document of the document store attached to a ballot (it belongs to no meeting: its
    ``document.meeting_id`` is null). Who may read it is decided in
    ``services/document_access.py``: the ballot's recipients and the sending organization's
    secretaries."""

    __tablename__ = "ballot_document"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_ballot.id", ondelete="CASCADE"), index=True
    )
