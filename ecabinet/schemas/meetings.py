"""Meetings, participants, RSVP and series: what the scheduling API takes and returns.

Times are RFC 3339 with an offset; a naive time is refused (422), because "09:00" alone does
not say whether Hà Nội or UTC was meant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator

from ..models import (
    Confidentiality,
    MeetingKind,
    MeetingMode,
    MeetingRole,
    MeetingStatus,
    Rsvp,
)
from .common import Id, Input, Output


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_known_zone)]
Title = Annotated[str, Field(min_length=1, max_length=300)]


class ParticipantRef(Input):
    """A person by username, or an endpoint (điểm cầu) by id; exactly one of the two."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["username"], "properties": {"username": {"not": {"type": "null"}}}},
                {"required": ["endpoint"], "properties": {"endpoint": {"not": {"type": "null"}}}},
            ]
        }
    )

    username: str | None = Field(default=None, max_length=64)
    endpoint: Id | None = None
    role: MeetingRole = MeetingRole.MEMBER

    @model_validator(mode="after")
    def _one_of(self) -> ParticipantRef:
        if (self.username is None) == (self.endpoint is None):
            raise ValueError("give either 'username' or 'endpoint'")
        return self


class MeetingFields(Input):
    """``ends_at`` must be after ``starts_at`` (422 otherwise)."""

    title: Title
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    mode: MeetingMode
    kind: MeetingKind = MeetingKind.REGULAR
    time_zone: TimeZoneName | None = Field(
        default=None, description="IANA zone shown in invitations; default: the server's."
    )
    room: str = Field(default="", max_length=200, description="Physical meeting room.")
    confidentiality: Confidentiality = Confidentiality.NORMAL
    description: str = Field(default="", max_length=20_000)
    participants: list[ParticipantRef] = Field(default_factory=list, max_length=500)
    confirm_conflicts: bool = Field(
        default=False, description="Schedule even if people, endpoints or the room are booked."
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingFields:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class ConflictCheckIn(Input):
    """What a meeting being scheduled would occupy, to list its conflicts before saving."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    mode: MeetingMode = MeetingMode.IN_PERSON
    room: str = Field(default="", max_length=200)
    participants: list[ParticipantRef] = Field(default_factory=list, max_length=500)
    meeting_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The meeting being edited (not a conflict)."
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> ConflictCheckIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class MeetingIn(MeetingFields):
    status: Literal["draft", "scheduled"] = Field(
        default="scheduled", description="A draft sends no invitations until it is scheduled."
    )


class MeetingPatch(Input):
    title: Title | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    mode: MeetingMode | None = None
    kind: MeetingKind | None = None
    time_zone: TimeZoneName | None = None
    room: str | None = Field(default=None, max_length=200)
    confidentiality: Confidentiality | None = None
    description: str | None = Field(default=None, max_length=20_000)
    participants: list[ParticipantRef] | None = Field(default=None, max_length=500)
    status: MeetingStatus | None = None
    confirm_conflicts: bool = False
    scope: Literal["this", "following"] = Field(
        default="this",
        description="For an occurrence of a series: this one only, or it and the later ones.",
    )


class RsvpIn(Input):
    """``delegate_username`` goes with the answer ``delegated``, and only then, with a
    ``reason``; ``needs_action`` is not an answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "not": {"required": ["answer"], "properties": {"answer": {"const": "needs_action"}}},
            "if": {"required": ["answer"], "properties": {"answer": {"const": "delegated"}}},
            "then": {
                "required": ["delegate_username", "reason"],
                "properties": {
                    "delegate_username": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "pattern": "\\S"},
                },
            },
            "else": {"properties": {"delegate_username": {"type": "null"}}},
        }
    )
    answer: Rsvp
    delegate_username: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=500)
    endpoint: Id | None = Field(
        default=None, description="Answer for this endpoint (its room operator confirms it)."
    )

    @model_validator(mode="after")
    def _delegation(self) -> RsvpIn:
        if self.answer is Rsvp.NEEDS_ACTION:
            raise ValueError("answer with accepted, declined, tentative or delegated")
        if (self.answer is Rsvp.DELEGATED) != (self.delegate_username is not None):
            raise ValueError("'delegate_username' goes with the answer 'delegated', and only then")
        if self.answer is Rsvp.DELEGATED and not self.reason:
            raise ValueError("a delegation needs a reason")
        return self


class ParticipantOut(Output):
    id: int
    user_id: int | None
    username: str | None = None
    full_name: str | None = None
    endpoint_id: int | None
    endpoint_name: str | None = None
    role: MeetingRole
    rsvp: Rsvp
    delegated_to_id: int | None
    delegated_from_id: int | None
    delegation_reason: str


class MeetingOut(Output):
    id: int
    title: str
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    mode: MeetingMode
    room: str
    chair_id: int | None
    secretary_id: int | None
    organization_id: int
    confidentiality: Confidentiality
    description: str
    status: MeetingStatus
    ical_uid: str
    sequence: int
    series_id: int | None
    created_at: datetime
    updated_at: datetime
    participants: list[ParticipantOut] = Field(default_factory=list)
    can_edit: bool = False


class MeetingSummary(Output):
    id: int
    title: str
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    mode: MeetingMode
    room: str
    status: MeetingStatus
    series_id: int | None


class ConflictOut(Output):
    meeting_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    reasons: list[str]
    who: list[str] = Field(
        default_factory=list, description="The same as `reasons`, as names people read."
    )


class SeriesIn(MeetingFields):
    rrule: str = Field(
        min_length=5,
        max_length=500,
        description="RFC 5545 RRULE value, e.g. `FREQ=MONTHLY;BYDAY=1TH;COUNT=12`.",
    )


class SeriesOut(Output):
    id: int
    rrule: str
    dtstart: datetime
    time_zone: str
    duration_minutes: int
    title: str
    organization_id: int
    meetings: list[MeetingSummary] = Field(default_factory=list)


class FeedOut(Output):
    url: str
    webcal_url: str
