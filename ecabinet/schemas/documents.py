"""The documents API: metadata, versions, receipts, distribution, board book."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ..models import BoardBookStatus, Classification
from .common import Id, IdOrZero, Input, Output


class DocumentPatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    classification: Classification | None = None
    agenda_item_id: IdOrZero | None = Field(default=None, description="0 = none")
    restricted_to: list[Id] | None = Field(
        default=None,
        max_length=500,
        description="Participant ids who alone may see the document; [] lifts the restriction.",
    )


class VersionOut(Output):
    number: int
    size: int
    pages: int
    sha256: str
    filename: str
    uploaded_at: datetime


class ReceiptMine(Output):
    delivered_at: datetime | None = None
    first_opened_at: datetime | None = None
    last_opened_at: datetime | None = None
    opened_version: int | None = None


class DocumentOut(Output):
    id: int
    meeting_id: int | None = Field(description="Null for a document attached to an opinion ballot")
    agenda_item_id: int | None
    title: str
    classification: Classification
    current_version: int
    pages: int
    size: int
    restricted: bool
    restricted_to: list[int] = Field(default_factory=list)
    withdrawn: bool
    withdrawn_at: datetime | None
    created_at: datetime
    content_url: str
    versions: list[VersionOut] = Field(default_factory=list)
    my_receipt: ReceiptMine | None = None


class DocumentCreated(Output):
    id: int
    version: int
    sha256: str
    size: int
    pages: int


class ReceiptOut(Output):
    user_id: int
    full_name: str
    organization: str
    delivered_at: datetime | None
    first_opened_at: datetime | None
    last_opened_at: datetime | None
    opened_version: int | None
    open_count: int
    reminded_at: datetime | None
    state: str = Field(description="unread, read_old_version or read")


class DocumentReceipts(Output):
    document_id: int
    current_version: int
    receipts: list[ReceiptOut]


class DistributionRow(Output):
    user_id: int
    full_name: str
    organization: str
    states: dict[str, str] = Field(description="document id → unread / read_old_version / read")
    unread: int


class DistributionOut(Output):
    meeting_id: int
    documents: list[DocumentOut]
    recipients: list[DistributionRow]


class ReminderSent(Output):
    reminded: int


class SignedLinkOut(Output):
    url: str = Field(description="The path with its signature; GET it before expires_at")
    expires_at: datetime


class BoardBookOut(Output):
    status: BoardBookStatus | None = Field(description="null: not built yet for these contents")
    progress: int
    content_key: str
    pages: int | None = None
    size: int | None = None
    error: str = ""
    download_url: str | None = None
