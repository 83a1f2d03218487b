"""Helpers for the governance tests: actors, a meeting with members, an endpoint, agenda items."""

from __future__ import annotations

from dataclasses import dataclass

from ecabinet.models import Language, MeetingKind, Participant, Role
from ecabinet.schemas.agenda import AgendaItemIn
from ecabinet.schemas.meetings import MeetingIn
from ecabinet.services import agenda, meetings, seats
from ecabinet.services.actor import Actor

from .conftest import World
from .scheduling import prepare


def actor(world: World, name: str) -> Actor:
    a = world[name]
    return Actor(a.id, a.username, a.username.title(), a.role, a.organization_id, Language.EN, "t")


@dataclass
class Session:
    world: World
    meeting_id: int
    items: list[int]
    endpoint_id: int
    people: dict[str, int]  # username (or "endpoint") → participant id

    def actor(self, name: str) -> Actor:
        return actor(self.world, name)


async def make_session(
    world: World,
    members: list[str] | None = None,
    *,
    kind: MeetingKind = MeetingKind.REGULAR,
    items: int = 3,
    extra_members: int = 0,
) -> Session:
    """A scheduled meeting chaired by ``botruong`` with members, the province's endpoint (operated
    by ``vanhanh``) and ``items`` agenda items; ``thuky`` is its secretary."""
    prepared = await prepare(world)
    members = list(members if members is not None else ["daibieu"])
    for n in range(extra_members):
        name = f"tv{n:03d}"
        await world.add_user(name, Role.MEMBER, world.ministry)
        members.append(name)
    refs = [{"username": "botruong", "role": "chair"}]
    refs += [{"username": m} for m in members]
    refs.append({"endpoint": prepared.endpoint_id})
    data = MeetingIn.model_validate(
        {
            "title": "Phiên họp Chính phủ thường kỳ",
            "starts_at": "2026-12-03T09:00:00+07:00",
            "ends_at": "2026-12-03T11:30:00+07:00",
            "mode": "hybrid",
            "kind": kind.value,
            "participants": refs,
        },
        strict=False,
    )
    svc = world.svc
    secretary = actor(world, "thuky")
    detail = await meetings.create_meeting(svc, secretary, data)
    meeting_id = detail.meeting.id
    item_ids = []
    for n in range(items):
        item = await agenda.add_item(
            svc, secretary, meeting_id, AgendaItemIn(title=f"Tờ trình số {n + 1}")
        )
        item_ids.append(item.id)
    people: dict[str, int] = {}
    async with svc.db.reading() as session:
        rows: list[Participant] = await seats.participants_of(session, meeting_id)
    by_user = {a.id: name for name, a in world.accounts.items()}
    for row in rows:
        people[by_user[row.user_id] if row.user_id else "endpoint"] = row.id
    return Session(world, meeting_id, item_ids, prepared.endpoint_id, people)
