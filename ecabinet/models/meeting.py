"""Meetings (cuộc họp), their participants (thành phần) and series of regular sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _values(e: type[enum.Enum]) -> list[str]:
    return [m.value for m in e]


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=_values)


class MeetingKind(enum.StrEnum):
    REGULAR = "regular"
    THEMATIC = "thematic"
    ONLINE_LOCALITIES = "online_localities"
    INTERNAL = "internal"


class MeetingMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class Confidentiality(enum.StrEnum):
    NORMAL = "normal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # noqa: S105 (a classification, not a password)


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class MeetingRole(enum.StrEnum):
    CHAIR = "chair"
    MEMBER = "member"
    INVITEE = "invitee"
    OBSERVER = "observer"


class Rsvp(enum.StrEnum):
    NEEDS_ACTION = "needs_action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    DELEGATED = "delegated"


class Series(Base):
    """A rule (RRULE) that produced a run of meetings; each occurrence is its own meeting."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    rrule: Mapped[str] = mapped_column(String(500))
    dtstart: Mapped[datetime] = mapped_column(UTCDateTime())
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    template: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_starts_at_ends_at", "starts_at", "ends_at"),
        Index("ix_meeting_room_starts_at", "room", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind, 24))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    time_zone: Mapped[str] = mapped_column(String(64))
    mode: Mapped[MeetingMode] = mapped_column(_enum(MeetingMode, 16))
    room: Mapped[str] = mapped_column(String(200), default="")
    chair_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    confidentiality: Mapped[Confidentiality] = mapped_column(_enum(Confidentiality, 16))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus, 16), index=True)
    ical_uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Participant(Base):
    """A user or an endpoint invited to a meeting, with its role and answer."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (endpoint_id IS NULL)", name="user_xor_endpoint"),
        Index("ix_participant_user_id_meeting_id", "user_id", "meeting_id", unique=True),
        Index("ix_participant_endpoint_id_meeting_id", "endpoint_id", "meeting_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("endpoint.id", ondelete="CASCADE"))
    role: Mapped[MeetingRole] = mapped_column(_enum(MeetingRole, 16))
    rsvp: Mapped[Rsvp] = mapped_column(_enum(Rsvp, 16), default=Rsvp.NEEDS_ACTION)
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delegated_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    delegated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    delegation_reason: Mapped[str] = mapped_column(String(500), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
