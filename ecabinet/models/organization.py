"""Organizations (cơ quan) form a tree: the Government Office, ministries, provinces and below."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .search_text import fold


class OrganizationLevel(enum.StrEnum):
    """Government → ministry / province → commune (ward). ``district`` is a legacy level: Vietnam
    abolished districts on 1 July 2025; it stays for data from before."""

    GOVERNMENT = "government"
    MINISTRY = "ministry"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[OrganizationLevel] = mapped_column(
        Enum(
            OrganizationLevel,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )

    # fold(name + slug), kept by the mapper events below; what the directory search matches.
    search_text: Mapped[str] = mapped_column(String(300), default="", server_default="")

    parent: Mapped[Organization | None] = relationship(remote_side=[id], lazy="raise")


@event.listens_for(Organization, "before_insert")
@event.listens_for(Organization, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, target: Organization) -> None:
    target.search_text = fold(f"{target.name} {target.slug}")[:300]
