"""Votes: one counted vote per member under concurrency, deputies, quorum at opening, and a secret
vote that leaves no link between a person and a choice in any table or log line."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import inspect, select, text

from ecabinet.app import quiet_database_drivers
from ecabinet.errors import Conflict, ValidationFailed
from ecabinet.models import AttendanceStatus, MeetingKind
from ecabinet.schemas.governance import AttendanceCorrectionIn, MotionIn, VoteIn
from ecabinet.schemas.meetings import RsvpIn
from ecabinet.services import attendance, rsvp, session, votes

from .conftest import World
from .governance import Session, make_session

DELEGATE = {"answer": "delegated", "delegate_username": "thutruong", "reason": "Đi công tác"}


async def _all_present(s: Session, names: list[str]) -> None:
    secretary = s.actor("thuky")
    for name in names:
        await attendance.correct(
            s.world.svc,
            secretary,
            s.meeting_id,
            AttendanceCorrectionIn(
                participant_id=s.people[name], status=AttendanceStatus.PRESENT_IN_PERSON
            ),
        )


async def _running(
    world: World, extra: int = 0, kind: MeetingKind = MeetingKind.REGULAR
) -> Session:
    s = await make_session(world, ["daibieu"], extra_members=extra, kind=kind, items=1)
    await session.start(world.svc, s.actor("botruong"), s.meeting_id)
    return s


async def test_two_hundred_concurrent_votes_count_once_per_member(world: World) -> None:
    s = await _running(world, extra=100)
    names = [n for n in s.people if n.startswith("tv")]
    await _all_present(s, [*names, "botruong"])
    motion = await votes.open_motion(
        world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="Thông qua tờ trình 1")
    )

    async def vote(name: str, choice: str) -> None:
        await votes.cast(world.svc, s.actor(name), motion.id, VoteIn(choice=choice))

    attempts = [vote(n, c) for n in names for c in ("agree", "disagree")]
    await asyncio.gather(*attempts)
    closed = await votes.close(world.svc, s.actor("botruong"), motion.id)
    assert closed.votes_cast == 100
    assert sum(closed.result["tally"].values()) == 100  # type: ignore[index]


async def test_two_hundred_concurrent_secret_votes_count_once_per_member(world: World) -> None:
    s = await _running(world, extra=100)
    names = [n for n in s.people if n.startswith("tv")]
    await _all_present(s, [*names, "botruong"])
    motion = await votes.open_motion(
        world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="Bầu", secret=True)
    )
    outcomes: list[str] = []

    async def vote(name: str, choice: str) -> None:
        try:
            await votes.cast(world.svc, s.actor(name), motion.id, VoteIn(choice=choice))
            outcomes.append("counted")
        except Conflict:
            outcomes.append("refused")

    await asyncio.gather(*[vote(n, c) for n in names for c in ("agree", "disagree")])
    assert outcomes.count("counted") == 100
    closed = await votes.close(world.svc, s.actor("botruong"), motion.id)
    assert sum(closed.result["tally"].values()) == 100  # type: ignore[index]


async def test_changing_a_named_vote_keeps_one(world: World) -> None:
    s = await _running(world)
    await _all_present(s, ["botruong", "daibieu"])
    motion = await votes.open_motion(
        world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="X")
    )
    await votes.cast(world.svc, s.actor("daibieu"), motion.id, VoteIn(choice="disagree"))
    await votes.cast(world.svc, s.actor("daibieu"), motion.id, VoteIn(choice="agree"))
    await votes.cast(world.svc, s.actor("botruong"), motion.id, VoteIn(choice="agree"))
    closed = await votes.close(world.svc, s.actor("botruong"), motion.id)
    assert closed.result["tally"] == {"agree": 2, "disagree": 0, "abstain": 0}  # type: ignore[index]
    assert closed.result["decision"]["outcome"] == "adopted"  # type: ignore[index]
    with pytest.raises(Conflict):
        await votes.cast(world.svc, s.actor("daibieu"), motion.id, VoteIn(choice="abstain"))


async def test_opening_a_vote_needs_quorum(world: World) -> None:
    s = await _running(world)
    with pytest.raises(Conflict) as refused:
        await votes.open_motion(world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="X"))
    assert refused.value.code == "no_quorum"


async def test_members_cannot_open_or_close_votes_and_others_have_no_vote(world: World) -> None:
    s = await _running(world)
    await _all_present(s, ["botruong", "daibieu"])
    with pytest.raises(Exception) as refused:
        await votes.open_motion(world.svc, s.actor("daibieu"), s.meeting_id, MotionIn(title="X"))
    assert refused.value.code == "not_chair"  # type: ignore[attr-defined]
    motion = await votes.open_motion(
        world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="X")
    )
    with pytest.raises(ValidationFailed) as no_vote:
        await votes.cast(world.svc, s.actor("vanhanh"), motion.id, VoteIn(choice="agree"))
    assert no_vote.value.code == "no_vote_right"
    with pytest.raises(ValidationFailed):
        await votes.cast(world.svc, s.actor("daibieu"), motion.id, VoteIn(choice="maybe"))


async def test_a_deputy_votes_for_the_delegating_member_where_the_kind_allows(world: World) -> None:
    s = await make_session(world, ["daibieu"], kind=MeetingKind.INTERNAL, items=1)
    await world.add_user("thutruong", world["daibieu"].role, world.ministry)
    await rsvp.answer(
        world.svc,
        s.actor("daibieu"),
        s.meeting_id,
        RsvpIn.model_validate(DELEGATE, strict=False),
    )
    await session.start(world.svc, s.actor("botruong"), s.meeting_id)
    await _all_present(s, ["botruong"])
    await attendance.joined(world.svc, s.meeting_id, user_id=world["thutruong"].id)
    motion = await votes.open_motion(
        world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="X")
    )
    cast = await votes.cast(world.svc, s.actor("thutruong"), motion.id, VoteIn(choice="disagree"))
    assert cast.member_id == s.people["daibieu"]
    # the member himself, joining late, changes the same seat's vote: still one
    await votes.cast(world.svc, s.actor("daibieu"), motion.id, VoteIn(choice="agree"))
    closed = await votes.close(world.svc, s.actor("botruong"), motion.id)
    assert closed.result["tally"] == {"agree": 1, "disagree": 0, "abstain": 0}  # type: ignore[index]


async def test_a_deputy_has_no_vote_in_a_regular_government_session(world: World) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    await world.add_user("thutruong", world["daibieu"].role, world.ministry)
    await rsvp.answer(
        world.svc,
        s.actor("daibieu"),
        s.meeting_id,
        RsvpIn.model_validate(DELEGATE, strict=False),
    )
    await session.start(world.svc, s.actor("botruong"), s.meeting_id)
    await _all_present(s, ["botruong"])
    await attendance.joined(world.svc, s.meeting_id, user_id=world["thutruong"].id)
    motion = await votes.open_motion(
        world.svc, s.actor("botruong"), s.meeting_id, MotionIn(title="X")
    )
    with pytest.raises(ValidationFailed):
        await votes.cast(world.svc, s.actor("thutruong"), motion.id, VoteIn(choice="agree"))


async def _dump_every_table(world: World) -> list[tuple[str, dict[str, object]]]:
    rows: list[tuple[str, dict[str, object]]] = []
    async with world.svc.db.reading() as db:
        conn = await db.connection()
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        for name in names:
            result = await db.execute(text(f'SELECT * FROM "{name}"'))  # noqa: S608 (our own table names)
            rows += [(name, dict(r._mapping)) for r in result]
    return rows


async def test_a_secret_vote_leaves_no_link_between_person_and_choice(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger of ours at its most talkative
    quiet_database_drivers()  # as the app configures them (they log statement parameters)
    s = await _running(world, extra=3)
    voters = ["tv000", "tv001", "tv002"]
    await _all_present(s, [*voters, "botruong", "daibieu"])
    motion = await votes.open_motion(
        world.svc,
        s.actor("botruong"),
        s.meeting_id,
        MotionIn(title="Phiếu kín", secret=True, options=["Nguyễn A", "Trần B"]),
    )
    choices = {"tv000": "Nguyễn A", "tv001": "Trần B", "tv002": "Nguyễn A"}
    receipts = {}
    for name, choice in choices.items():
        receipts[name] = (
            await votes.cast(world.svc, s.actor(name), motion.id, VoteIn(choice=choice))
        ).receipt
    # tv001 changes their mind with the receipt; without it, a second vote is refused
    await votes.cast(
        world.svc, s.actor("tv001"), motion.id, VoteIn(choice="Nguyễn A", receipt=receipts["tv001"])
    )
    with pytest.raises(Conflict):
        await votes.cast(world.svc, s.actor("tv001"), motion.id, VoteIn(choice="Trần B"))
    choices["tv001"] = "Nguyễn A"
    # while open: no ballot row names a person or carries a time
    async with world.svc.db.reading() as db:
        ballot_columns = (await db.execute(text("SELECT * FROM secret_ballot"))).keys()
    assert set(ballot_columns) == {"motion_id", "receipt_hash", "choice"}
    closed = await votes.close(world.svc, s.actor("botruong"), motion.id)
    assert closed.result["tally"] == {"Nguyễn A": 3, "Trần B": 0}  # type: ignore[index]

    member_ids = {s.people[n] for n in voters}
    user_ids = {world[n].id for n in voters}
    for table, row in await _dump_every_table(world):
        flat = " ".join(str(v) for v in row.values())
        names_a_choice = any(c in flat for c in ("Nguyễn A", "Trần B"))
        if not names_a_choice:
            continue
        # the only rows naming a choice are the motion itself (options, aggregate tally) and its
        # audit entries for opening and closing, which carry no voter
        assert table in {"motion", "audit_event"}, (table, row)
        if table == "audit_event":
            assert row["action"] in {"motion.opened", "motion.closed"}, row
        assert row.get("actor_id", row.get("opened_by")) not in user_ids, row
    for table, row in await _dump_every_table(world):
        flat = " ".join(str(v) for v in row.values())
        assert not any(r and r in flat for r in receipts.values()), (table, row)
    for record in caplog.records:
        line = record.getMessage()
        assert "Nguyễn A" not in line and "Trần B" not in line, line
        assert not any(r and r in line for r in receipts.values()), line
    async with world.svc.db.reading() as db:
        left = await db.scalar(text("SELECT count(*) FROM secret_ballot"))
        cast = list(await db.scalars(select(text("member_id")).select_from(text("vote_cast"))))
    assert left == 0
    assert sorted(cast) == sorted(member_ids)
