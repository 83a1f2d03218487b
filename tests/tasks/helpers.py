"""Helpers for the conclusions and tasks tests: a directory with several levels, an ended meeting
with recorded conclusions, and a published notice with tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecabinet.models import OrganizationLevel, Role
from ecabinet.schemas.directory import OrganizationIn
from ecabinet.schemas.governance import ConclusionIn
from ecabinet.schemas.tasks import NoticeConclusionIn, NoticeIn, PlannedTaskIn
from ecabinet.services import conclusions, directory, pki, session

from ..conftest import World
from ..governance import Session, actor, make_session


@dataclass
class Orgs:
    """The world's Government Office, ministry and province, plus a second ministry, a district
    of the province and a second province, with one member each."""

    gov: int
    ministry: int
    province: int
    ministry2: int = 0
    district: int = 0
    province2: int = 0
    names: dict[str, int] = field(default_factory=dict)


async def grow(world: World) -> Orgs:
    svc = world.svc

    async def org(slug: str, name: str, level: OrganizationLevel, parent: int) -> int:
        made = await directory.create_organization(
            svc, None, OrganizationIn(slug=slug, name=name, level=level, parent_id=parent)
        )
        return made.id

    o = Orgs(world.government, world.ministry, world.province)
    o.ministry2 = await org("bo-tai-chinh", "Bộ Tài chính", OrganizationLevel.MINISTRY, o.gov)
    o.district = await org("huyen-nam-dan", "Huyện Nam Đàn", OrganizationLevel.DISTRICT, o.province)
    o.province2 = await org("ha-tinh", "Tỉnh Hà Tĩnh", OrganizationLevel.PROVINCE, o.gov)
    await world.add_user("chuyenvien", Role.MEMBER, o.province)
    await world.add_user("huyen", Role.MEMBER, o.district)
    await world.add_user("taichinh", Role.MEMBER, o.ministry2)
    await world.add_user("hatinh", Role.MEMBER, o.province2)
    return o


async def ended_meeting(world: World, items: int = 2) -> Session:
    """A meeting whose session ran: each item concluded by the chair, then ended; its secretary
    ``thuky`` holds a signing certificate (a conclusions notice is signed as it is published)."""
    s = await make_session(world, ["daibieu"], items=items)
    svc, chair = world.svc, actor(world, "botruong")
    await pki.issue_certificate(svc, None, world["thuky"].id)
    await session.start(svc, chair, s.meeting_id)
    for n, item in enumerate(s.items, start=1):
        text = f"Kết luận nội dung {n}: thống nhất thông qua, giao hoàn thiện hồ sơ."
        await session.conclude(svc, chair, s.meeting_id, item, ConclusionIn(text=text))
    await session.end(svc, chair, s.meeting_id)
    return s


def plan(title: str, assignee: int, deadline: datetime, *cooperating: int) -> dict[str, Any]:
    return {
        "title": title,
        "assignee_id": assignee,
        "cooperating_ids": list(cooperating),
        "deadline": deadline.isoformat(),
    }


async def publish_with_tasks(
    world: World, s: Session, plans: list[list[dict[str, Any]]]
) -> conclusions.NoticeView:
    """Through the services: a draft with one conclusion per item and the given tasks."""
    svc, secretary = world.svc, actor(world, "thuky")
    items = [
        NoticeConclusionIn(
            text=f"Kết luận {n}",
            agenda_item_id=s.items[n - 1] if n <= len(s.items) else None,
            tasks=[PlannedTaskIn.model_validate(p, strict=False) for p in tasks],
        )
        for n, tasks in enumerate(plans, start=1)
    ]
    draft = await conclusions.create_draft(
        svc, secretary, s.meeting_id, NoticeIn(conclusions=items)
    )
    return await conclusions.publish(svc, secretary, draft.id)


def days(clock_now: datetime, n: float) -> datetime:
    return clock_now + timedelta(days=n)
