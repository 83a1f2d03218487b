"""Running a session: attendance (điểm danh), the floor (phát biểu), pre-session positions, the
session's current item and conclusions, and votes (biểu quyết).

Secret votes are stored in two tables that share nothing but the motion: ``vote_cast`` says who
has voted (no choice, no time), ``secret_ballot`` holds choices keyed by the hash of a receipt only
the voter holds (no user, no time, no autoincrement). Secret ballots are deleted when the motion
closes; only the tally stays, in ``motion.result``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class AttendanceStatus(enum.StrEnum):
    PRESENT_IN_PERSON = "present_in_person"
    PRESENT_ONLINE = "present_online"
    ABSENT = "absent"
    EXCUSED = "excused"


class Presence(Base):
    """One stay in the live meeting: joined at, left at (None while still there)."""

    __tablename__ = "attendance_presence"
    __table_args__ = (
        Index("ix_attendance_presence_meeting_id_participant_id", "meeting_id", "participant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoomDeclaration(Base):
    """An endpoint operator's declaration: who and how many people are in the room."""

    __tablename__ = "attendance_room"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    headcount: Mapped[int] = mapped_column(default=0)
    present_participant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    declared_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AttendanceCorrection(Base):
    """The secretary's word on one participant; it overrides what was recorded or declared."""

    __tablename__ = "attendance_correction"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus, 20))
    note: Mapped[str] = mapped_column(String(500), default="")
    corrected_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SpeechStatus(enum.StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    SKIPPED = "skipped"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class SpeechOrigin(enum.StrEnum):
    LIVE = "live"
    POSITION = "position"


class SpeechRequest(Base):
    """A request for the floor by a person, or by an endpoint for its room."""

    __tablename__ = "speech_request"
    __table_args__ = (Index("ix_speech_request_meeting_id_status", "meeting_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    origin: Mapped[SpeechOrigin] = mapped_column(_enum(SpeechOrigin, 10))
    status: Mapped[SpeechStatus] = mapped_column(_enum(SpeechStatus, 10))
    note: Mapped[str] = mapped_column(String(500), default="")
    planned_seconds: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PositionKind(enum.StrEnum):
    NO_OBJECTION = "no_objection"
    OBJECTION = "objection"
    WISH_TO_SPEAK = "wish_to_speak"


class ItemPosition(Base):
    """A member's pre-session position on one agenda item (Estonia's e-Cabinet)."""

    __tablename__ = "item_position"

    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[PositionKind] = mapped_column(_enum(PositionKind, 16))
    note: Mapped[str] = mapped_column(String(1000), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionState(Base):
    """The live session of a meeting: its current item, and a version bumped by every change, so
    events have one order and a reconnecting client can tell whether its state is current."""

    __tablename__ = "session_state"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ItemConclusion(Base):
    __tablename__ = "item_conclusion"

    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    by_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MotionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Motion(Base):
    """A question put to the vote in a session (biểu quyết)."""

    __tablename__ = "motion"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(500))
    options: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MotionStatus] = mapped_column(_enum(MotionStatus, 8))
    opened_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quorum: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class NamedVote(Base):
    """A named (open) vote: one row per member, changed in place until the motion closes."""

    __tablename__ = "named_vote"
    __table_args__ = (CheckConstraint("choice <> ''", name="choice_given"),)

    motion_id: Mapped[int] = mapped_column(
        ForeignKey("motion.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    choice: Mapped[str] = mapped_column(String(64))
    cast_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VoteCast(Base):
    """A secret vote: that this member has voted. No choice, no time."""

    __tablename__ = "vote_cast"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}  # no row order

    motion_id: Mapped[int] = mapped_column(
        ForeignKey("motion.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )


class SecretBallot(Base):
    """A secret vote: a choice, keyed by the SHA-256 of the voter's receipt. No user, no time."""

    __tablename__ = "secret_ballot"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}  # no row order

    motion_id: Mapped[int] = mapped_column(
        ForeignKey("motion.id", ondelete="CASCADE"), primary_key=True
    )
    receipt_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    choice: Mapped[str] = mapped_column(String(64))
