"""The annotations, reading-position and opinions API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from ..models import AnnotationKind, Visibility
from .common import Id, Input, Output

Unit = Annotated[float, Field(ge=0.0, le=1.0, strict=False)]
Rect = Annotated[list[Unit], Field(min_length=4, max_length=4, description="[x, y, w, h]")]
Point = Annotated[list[Unit], Field(min_length=2, max_length=2, description="[x, y]")]
Stroke = Annotated[list[Point], Field(min_length=1, max_length=2000)]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
ParticipantIds = Annotated[list[Id], Field(max_length=500)]
MAX_INK_POINTS = 20000


class AnnotationIn(Input):
    """A new annotation. Coordinates are fractions of the page (0..1, from the top-left).

    A highlight needs ``rects`` and ``quote``; a note ``point`` and ``body``; ink ``strokes``
    (at most 20 000 points in all)."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": kind}}},
                    "then": {"required": list(needs), "properties": needs},
                }
                for kind, needs in (
                    ("highlight", {"rects": {"minItems": 1}, "quote": {"pattern": "\\S"}}),
                    ("note", {"point": {"type": "array"}, "body": {"pattern": "\\S"}}),
                    ("ink", {"strokes": {"minItems": 1}}),
                )
            ]
        }
    )

    kind: AnnotationKind
    page: int = Field(ge=1, le=100000)
    version: Id | None = Field(default=None, description="Default: current")
    rects: list[Rect] = Field(default_factory=list, max_length=200, description="highlight")
    point: Point | None = Field(default=None, description="note: where its icon sits")
    strokes: list[Stroke] = Field(default_factory=list, max_length=200, description="ink")
    quote: str = Field(default="", max_length=5000, description="highlight: the selected text")
    body: str = Field(default="", max_length=10000)
    color: Color = "#ffd400"
    visibility: Visibility = Visibility.PRIVATE
    share_with: ParticipantIds = Field(
        default_factory=list, description="Participant ids, for visibility 'participants'"
    )

    @model_validator(mode="after")
    def _shape_matches_kind(self) -> AnnotationIn:
        if self.kind is AnnotationKind.HIGHLIGHT and not (self.rects and self.quote):
            raise ValueError("a highlight needs rects and the quoted text")
        if self.kind is AnnotationKind.NOTE and (self.point is None or not self.body):
            raise ValueError("a note needs a point and a body")
        if self.kind is AnnotationKind.INK:
            if not self.strokes:
                raise ValueError("ink needs strokes")
            if sum(len(s) for s in self.strokes) > MAX_INK_POINTS:
                raise ValueError(f"ink has at most {MAX_INK_POINTS} points")
        return self

    def geometry(self) -> dict[str, Any]:
        if self.kind is AnnotationKind.HIGHLIGHT:
            return {"rects": self.rects}
        if self.kind is AnnotationKind.NOTE:
            return {"point": self.point}
        return {"strokes": self.strokes}


class AnnotationPatch(Input):
    body: str | None = Field(default=None, max_length=10000)
    color: Color | None = None
    visibility: Visibility | None = None
    share_with: ParticipantIds | None = None


class AnnotationOut(Output):
    id: int
    document_id: int
    version: int
    made_on_version: int
    earlier_version: bool = Field(
        description="Made on an earlier version and not carried over to the current one"
    )
    kind: AnnotationKind
    page: int
    geometry: dict[str, Any]
    quote: str
    body: str
    color: str
    visibility: Visibility
    share_with: list[int]
    author_id: int
    author_name: str
    mine: bool
    created_at: datetime
    updated_at: datetime


class ReadingIn(Input):
    version: Id
    page: int = Field(ge=1, le=100000)


class ReadingOut(Output):
    version: int
    page: int


class OpinionIn(Input):
    """About exactly one of ``agenda_item_id`` and ``document_id``, unless it is a reply
    (``parent_id``: the subject is the parent's)."""

    body: str = Field(min_length=1, max_length=10000)
    agenda_item_id: Id | None = None
    document_id: Id | None = None
    parent_id: Id | None = Field(default=None, description="A reply to")

    @model_validator(mode="after")
    def _one_subject(self) -> OpinionIn:
        if self.parent_id is None and (self.agenda_item_id is None) == (self.document_id is None):
            raise ValueError("give exactly one of agenda_item_id and document_id")
        return self


class OpinionPatch(Input):
    body: str = Field(min_length=1, max_length=10000)


class OpinionOut(Output):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    document_id: int | None
    parent_id: int | None
    author_id: int
    author_name: str
    organization: str
    body: str
    deleted: bool
    mine: bool
    created_at: datetime
    edited_at: datetime | None
