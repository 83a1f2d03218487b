"""Request and response bodies for running a session and for written opinion ballots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from ..models import AttendanceStatus, OpinionAnswer, PositionKind
from .common import Id, Input, Output


class RoomDeclarationIn(Input):
    endpoint_participant_id: Id
    headcount: int = Field(ge=0, le=10_000)
    present_participant_ids: list[Id] = Field(default_factory=list, max_length=500)
    note: str = Field(default="", max_length=500)


class AttendanceCorrectionIn(Input):
    participant_id: Id
    status: AttendanceStatus
    note: str = Field(default="", max_length=500)


class SpeechRequestIn(Input):
    agenda_item_id: Id | None = None
    endpoint_participant_id: Id | None = None
    note: str = Field(default="", max_length=500)


class GrantIn(Input):
    planned_seconds: int = Field(default=180, ge=0, le=3600)


class PositionIn(Input):
    position: PositionKind
    note: str = Field(default="", max_length=1000)


class CurrentItemIn(Input):
    agenda_item_id: Id | None = None


class ConclusionIn(Input):
    text: str = Field(min_length=1, max_length=20_000)


class MotionIn(Input):
    title: str = Field(min_length=1, max_length=500)
    agenda_item_id: Id | None = None
    options: list[str] = Field(
        default_factory=lambda: ["agree", "disagree", "abstain"],
        json_schema_extra={
            "minItems": 2,
            "maxItems": 10,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1, "maxLength": 64},
        },
    )
    secret: bool = False

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value]
        if not 2 <= len(cleaned) <= 10 or len(set(cleaned)) != len(cleaned):
            raise ValueError("between 2 and 10 distinct options")
        if any(not 0 < len(v) <= 64 for v in cleaned):
            raise ValueError("each option is 1 to 64 characters")
        return cleaned


class VoteIn(Input):
    choice: str = Field(min_length=1, max_length=64)
    for_member_id: Id | None = None
    receipt: str | None = Field(default=None, min_length=20, max_length=100)


class VoteOut(Output):
    motion_id: int
    meeting_id: int
    member_id: int
    secret: bool
    receipt: str | None = None


class OpinionBallotIn(Input):
    title: str = Field(min_length=1, max_length=300)
    question: str = Field(min_length=1, max_length=20_000)
    explanation: str = Field(default="", max_length=20_000)
    deadline: datetime
    recipients: list[str] = Field(min_length=1, max_length=500)
    documents: list[dict[str, str]] = Field(default_factory=list, max_length=50)
    remind_hours_before: int = Field(default=24, ge=0, le=24 * 14)


class OpinionAnswerIn(Input):
    answer: OpinionAnswer
    text: str = Field(default="", max_length=20_000)


class StateOut(Output):
    """Anything JSON: the live session's snapshot."""

    data: dict[str, Any]
