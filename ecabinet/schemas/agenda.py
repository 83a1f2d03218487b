"""The agenda API: items, reordering, publishing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from ..models import AgendaItemStatus
from .common import Id, Input, Output


class AgendaItemIn(Input):
    """Presenter: a person (``presenter_user_id``) or an organization, or both (a minister
    presenting for a ministry)."""

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=5000)
    presenter_user_id: Id | None = None
    presenter_organization_id: Id | None = None
    planned_minutes: int = Field(default=0, ge=0, le=24 * 60)


class AgendaItemPatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    presenter_user_id: Id | None = None
    presenter_organization_id: Id | None = None
    planned_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    status: AgendaItemStatus | None = None


class AgendaOrder(Input):
    """Every item id of the meeting's agenda, in the new order."""

    item_ids: list[Id] = Field(
        min_length=1, max_length=500, json_schema_extra={"uniqueItems": True}
    )

    @model_validator(mode="after")
    def _unique(self) -> AgendaOrder:
        if len(set(self.item_ids)) != len(self.item_ids):
            raise ValueError("an item appears twice")
        return self


class AgendaDocumentOut(Output):
    id: int
    title: str
    classification: str


class AgendaItemOut(Output):
    id: int
    number: int
    title: str
    description: str
    presenter_user_id: int | None
    presenter_organization_id: int | None
    presenter: str
    planned_minutes: int
    status: AgendaItemStatus
    documents: list[AgendaDocumentOut] = Field(default_factory=list)


class AgendaOut(Output):
    meeting_id: int
    items: list[AgendaItemOut]
    total_minutes: int
    published_version: int | None
    published_at: datetime | None
    unpublished_changes: list[dict[str, Any]]
    can_edit: bool


class AgendaPublished(Output):
    version: int
    published_at: datetime
    changes: list[dict[str, Any]]
    notified: int
