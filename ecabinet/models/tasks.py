"""Conclusions notices (thông báo kết luận) and the follow-up tasks (nhiệm vụ) they assign."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class TaskStatus(enum.StrEnum):
    """Stored states. "Overdue" is never stored: it is derived from the clock and the deadline."""

    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class ConclusionNotice(Base):
    """A meeting's conclusions notice. Published notices never change; a correction is a new
    notice (the next number) that names the one it supersedes."""

    __tablename__ = "conclusion_notice"
    __table_args__ = (
        Index("ix_conclusion_notice_meeting_id_number", "meeting_id", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int | None] = mapped_column(Integer)  # given at publication: 1, 2, …
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[NoticeStatus] = mapped_column(
        _enum(NoticeStatus, 16), default=NoticeStatus.DRAFT
    )
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("conclusion_notice.id", ondelete="RESTRICT"), unique=True
    )
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf_size: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Conclusion(Base):
    """One numbered conclusion of a notice, optionally about an agenda item. While the notice is
    a draft, ``planned_tasks`` holds the tasks to create when it is published."""

    __tablename__ = "conclusion"
    __table_args__ = (
        Index("ix_conclusion_notice_id_position", "notice_id", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("conclusion_notice.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    planned_tasks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Task(Base):
    """Follow-up work from a conclusion, assigned to one organization with a deadline."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_assignee_id_status", "assignee_id", "status"),
        Index("ix_task_status_deadline", "status", "deadline"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conclusion_id: Mapped[int] = mapped_column(
        ForeignKey("conclusion.id", ondelete="RESTRICT"), index=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, 16), default=TaskStatus.ASSIGNED)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TaskCooperator(Base):
    """An organization that co-operates on a task (phối hợp)."""

    __tablename__ = "task_cooperator"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class TaskProgress(Base):
    """A progress report on a task by a member of its assignee organization."""

    __tablename__ = "task_progress"
    __table_args__ = (Index("ix_task_progress_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    percent: Mapped[int] = mapped_column(Integer)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, 16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TaskAttachment(Base):
    """A file attached to a progress report, kept in the content-addressed blob store."""

    __tablename__ = "task_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(
        ForeignKey("task_progress.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
