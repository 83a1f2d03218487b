"""Request bodies for conclusions notices and follow-up tasks."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator

from .common import Id, Input

MAX_CONCLUSIONS = 200
MAX_TASKS_PER_CONCLUSION = 50


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the deadline with a time zone (e.g. +07:00)")
    return value


class PlannedTaskIn(Input):
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=10_000)
    assignee_id: Id
    cooperating_ids: list[Id] = Field(default_factory=list, max_length=50)
    deadline: datetime

    _deadline = field_validator("deadline")(_aware)


class NoticeConclusionIn(Input):
    text: str = Field(min_length=1, max_length=20_000)
    agenda_item_id: Id | None = None
    tasks: list[PlannedTaskIn] = Field(default_factory=list, max_length=MAX_TASKS_PER_CONCLUSION)


class NoticeIn(Input):
    """A new draft. Without ``conclusions`` the draft starts from the items' recorded conclusions
    (or, for a correction, from the notice it supersedes)."""

    title: str = Field(default="", max_length=500)
    conclusions: list[NoticeConclusionIn] | None = Field(default=None, max_length=MAX_CONCLUSIONS)
    supersedes_id: Id | None = None


class NoticePatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    conclusions: list[NoticeConclusionIn] | None = Field(default=None, max_length=MAX_CONCLUSIONS)


class ProgressIn(Input):
    note: str = Field(default="", max_length=10_000)
    percent: int = Field(ge=0, le=100)
    done: bool = False


class TaskPatch(Input):
    """What the meeting's secretary may change on a task that is not done."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    deadline: datetime | None = None
    assignee_id: Id | None = None
    cooperating_ids: list[Id] | None = Field(default=None, max_length=50)

    @field_validator("deadline")
    @classmethod
    def _deadline(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)
