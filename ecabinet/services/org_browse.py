"""Browsing a directory of thousands of organizations: search, one level of the tree, paging.

Since 1 July 2025 Vietnam has 34 provinces and 3,321 communes and wards under them (no
districts), so a full directory has a few thousand organizations. A page shows one slice:
the children of one organization (the tree, with the path to it), or the matches of a search
by name or slug anywhere in the tree, optionally of one level, a page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Organization, OrganizationLevel
from ..models.search_text import fold
from .actor import Actor
from .context import Services
from .permissions import Permission

PAGE_SIZE = 50
MAX_QUERY = 100
# Levels that have organizations under them (a commune has none): the choices for a parent.
PARENT_LEVELS = (
    OrganizationLevel.GOVERNMENT,
    OrganizationLevel.MINISTRY,
    OrganizationLevel.PROVINCE,
    OrganizationLevel.DISTRICT,
)


@dataclass(frozen=True, slots=True)
class OrganizationQuery:
    text: str = ""  # part of the name or the slug, any case, with or without diacritics
    level: OrganizationLevel | None = None
    parent_id: int | None = None  # browse the children of this one (ignored while searching)
    page: int = 1


@dataclass(frozen=True, slots=True)
class OrganizationRow:
    organization: Organization
    parent_name: str
    children: int


@dataclass
class OrganizationPage:
    query: OrganizationQuery
    rows: list[OrganizationRow]
    total: int
    page: int
    pages: int
    path: list[Organization] = field(default_factory=list)  # the browsed parent and its ancestors

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _path(session: AsyncSession, organization_id: int | None) -> list[Organization]:
    path: list[Organization] = []
    seen: set[int] = set()
    while organization_id is not None and organization_id not in seen:
        seen.add(organization_id)
        org = await session.get(Organization, organization_id)
        if org is None:
            break
        path.insert(0, org)
        organization_id = org.parent_id
    return path


async def browse(svc: Services, actor: Actor, query: OrganizationQuery) -> OrganizationPage:
    """One page of organizations: search results when ``text`` or ``level`` is given, else the
    children of ``parent_id`` (the top of the tree when ``None``)."""
    actor.require(Permission.DIRECTORY_VIEW)
    text = query.text.strip()[:MAX_QUERY]
    clauses = []
    searching = bool(text) or query.level is not None
    if text:
        clauses.append(Organization.search_text.like(_like(fold(text)), escape="\\"))
    if query.level is not None:
        clauses.append(Organization.level == query.level)
    if not searching:
        clauses.append(
            Organization.parent_id.is_(None)
            if query.parent_id is None
            else Organization.parent_id == query.parent_id
        )
    async with svc.db.reading() as session:
        total = int(
            await session.scalar(select(func.count()).select_from(Organization).where(*clauses))
            or 0
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, query.page), pages)
        orgs = list(
            await session.scalars(
                select(Organization)
                .where(*clauses)
                .order_by(Organization.name, Organization.id)
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        )
        ids = [o.id for o in orgs]
        parent_ids = {o.parent_id for o in orgs if o.parent_id is not None}
        children = dict(
            (
                await session.execute(
                    select(Organization.parent_id, func.count())
                    .where(Organization.parent_id.in_(ids))
                    .group_by(Organization.parent_id)
                )
            ).all()
        )
        parents = dict(
            (
                await session.execute(
                    select(Organization.id, Organization.name).where(
                        Organization.id.in_(parent_ids)
                    )
                )
            ).all()
        )
        path = [] if searching else await _path(session, query.parent_id)
    rows = [
        OrganizationRow(
            o, parents.get(o.parent_id, "") if o.parent_id else "", children.get(o.id, 0)
        )
        for o in orgs
    ]
    return OrganizationPage(query, rows, total, page, pages, path)


async def parent_choices(
    svc: Services, actor: Actor
) -> list[tuple[OrganizationLevel, Sequence[Organization]]]:
    """Organizations that can have organizations under them (not communes), by level: the parent
    picker's options, a hundred or so in a national directory rather than thousands."""
    actor.require(Permission.DIRECTORY_VIEW)
    async with svc.db.reading() as session:
        found = (
            await session.scalars(
                select(Organization)
                .where(Organization.level.in_(PARENT_LEVELS))
                .order_by(Organization.name, Organization.id)
            )
        ).all()
    return [(level, [o for o in found if o.level is level]) for level in PARENT_LEVELS]
