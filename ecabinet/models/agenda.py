"""The agenda (chương trình): ordered items, and the versions published to participants."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class AgendaItemStatus(enum.StrEnum):
    PENDING = "pending"
    UNDER_DISCUSSION = "under_discussion"
    CONCLUDED = "concluded"
    DEFERRED = "deferred"


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (
        Index("ix_agenda_item_meeting_id_position", "meeting_id", "position"),
        CheckConstraint("planned_minutes >= 0", name="planned_minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    presenter_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    presenter_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    planned_minutes: Mapped[int] = mapped_column(default=0)
    status: Mapped[AgendaItemStatus] = mapped_column(
        Enum(
            AgendaItemStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AgendaItemStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgendaVersion(Base):
    """A published agenda: the snapshot participants saw, and what changed since the previous."""

    __tablename__ = "agenda_version"
    __table_args__ = (
        Index("ix_agenda_version_meeting_id_number", "meeting_id", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    published_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
