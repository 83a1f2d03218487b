"""A session really run through the governance services, for the minutes to be written from:
attendance (corrected, online, a deputy, a room's head count), the floor with a timed speech,
a named vote and a secret vote, and the chair's conclusion on each item."""

from __future__ import annotations

from dataclasses import dataclass

from ecabinet.clock import FrozenClock
from ecabinet.models import AttendanceStatus, Language, Role
from ecabinet.schemas.governance import (
    AttendanceCorrectionIn,
    ConclusionIn,
    CurrentItemIn,
    GrantIn,
    MotionIn,
    RoomDeclarationIn,
    SpeechRequestIn,
    VoteIn,
)
from ecabinet.schemas.meetings import RsvpIn
from ecabinet.services import attendance, floor, pki, rsvp, session, votes
from ecabinet.services.actor import Actor

from ..conftest import Account, World
from ..governance import Session, make_session

CONCLUSION_1 = "Thống nhất thông qua Tờ trình số 1; giao Bộ Y tế hoàn thiện hồ sơ."
CONCLUSION_2 = "Đồng ý về chủ trương, giao Văn phòng Chính phủ theo dõi."
DELEGATE = {"answer": "delegated", "delegate_username": "thutruong", "reason": "Đi công tác"}


@dataclass
class Held:
    s: Session

    def actor(self, name: str) -> Actor:
        return self.s.actor(name)

    @property
    def meeting_id(self) -> int:
        return self.s.meeting_id


async def held_session(world: World, clock: FrozenClock) -> Held:
    """Members botruong (chair), daibieu and tv000 (who sends thutruong as deputy); the
    province's endpoint; two items, each concluded, one named and one secret vote."""
    svc = world.svc
    await world.add_user("thutruong", Role.MEMBER, world.ministry)
    s = await make_session(world, ["daibieu"], extra_members=1, items=2)
    one, two = s.items
    chair, secretary = s.actor("botruong"), s.actor("thuky")
    await rsvp.answer(
        svc, s.actor("tv000"), s.meeting_id, RsvpIn.model_validate(DELEGATE, strict=False)
    )
    await session.start(svc, chair, s.meeting_id)
    for name, status in (
        ("botruong", AttendanceStatus.PRESENT_IN_PERSON),
        ("daibieu", AttendanceStatus.PRESENT_ONLINE),
    ):
        await attendance.correct(
            svc,
            secretary,
            s.meeting_id,
            AttendanceCorrectionIn(participant_id=s.people[name], status=status),
        )
    await attendance.joined(svc, s.meeting_id, user_id=world["thutruong"].id)
    await attendance.declare_room(
        svc,
        s.actor("vanhanh"),
        s.meeting_id,
        RoomDeclarationIn(endpoint_participant_id=s.people["endpoint"], headcount=12),
    )
    await session.set_current(svc, chair, s.meeting_id, CurrentItemIn(agenda_item_id=one))
    asked = await floor.request(
        svc, s.actor("daibieu"), s.meeting_id, SpeechRequestIn(agenda_item_id=one)
    )
    request_id = asked.queue[0].id
    await floor.grant(svc, chair, s.meeting_id, request_id, GrantIn(planned_seconds=300))
    clock.advance(minutes=4)
    await floor.finish(svc, chair, s.meeting_id, request_id)
    named = await votes.open_motion(
        svc, chair, s.meeting_id, MotionIn(title="Thông qua Tờ trình số 1", agenda_item_id=one)
    )
    await votes.cast(svc, chair, named.id, VoteIn(choice="agree"))
    await votes.cast(svc, s.actor("daibieu"), named.id, VoteIn(choice="disagree"))
    await votes.close(svc, chair, named.id)
    await session.conclude(svc, chair, s.meeting_id, one, ConclusionIn(text=CONCLUSION_1))
    await session.set_current(svc, chair, s.meeting_id, CurrentItemIn(agenda_item_id=two))
    secret = await votes.open_motion(
        svc,
        chair,
        s.meeting_id,
        MotionIn(title="Nhân sự Tổ công tác", agenda_item_id=two, secret=True),
    )
    await votes.cast(svc, chair, secret.id, VoteIn(choice="agree"))
    await votes.cast(svc, s.actor("daibieu"), secret.id, VoteIn(choice="abstain"))
    await votes.close(svc, chair, secret.id)
    await session.conclude(svc, chair, s.meeting_id, two, ConclusionIn(text=CONCLUSION_2))
    return Held(s)


async def give_certificates(world: World, names: list[str]) -> None:
    for name in names:
        await pki.issue_certificate(world.svc, None, world[name].id)


def actor_of(account: Account) -> Actor:
    return Actor(
        account.id,
        account.username,
        account.username.title(),
        account.role,
        account.organization_id,
        Language.EN,
        "t",
    )
