"""The audit log read meeting by meeting: every entry about the meeting, its agenda, documents,
attendance, votes, conclusions and tasks — and nothing about another meeting — with the chain
still verifiable; for the meeting's secretaries only."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from ecabinet.clock import FrozenClock
from ecabinet.models import AttendanceStatus, AuditEvent
from ecabinet.schemas.agenda import AgendaItemIn
from ecabinet.schemas.governance import AttendanceCorrectionIn, MotionIn, VoteIn
from ecabinet.schemas.meetings import MeetingIn
from ecabinet.schemas.tasks import ProgressIn
from ecabinet.services import agenda, attendance, audit, meetings, tasks, votes

from ..conftest import World, api_login, bearer
from ..documents.pdfs import make_pdf
from ..governance import actor
from ..test_audit import without_append_only_guard
from .helpers import ended_meeting, grow, plan, publish_with_tasks


async def other_meeting(world: World) -> int:
    """A second meeting with an agenda item, touched by the same people."""
    data = MeetingIn.model_validate(
        {
            "title": "Họp chuyên đề",
            "starts_at": "2026-12-10T09:00:00+07:00",
            "ends_at": "2026-12-10T11:00:00+07:00",
            "mode": "online",
            "participants": [{"username": "botruong", "role": "chair"}, {"username": "daibieu"}],
        },
        strict=False,
    )
    detail = await meetings.create_meeting(world.svc, actor(world, "thuky"), data)
    await agenda.add_item(
        world.svc, actor(world, "thuky"), detail.meeting.id, AgendaItemIn(title="Nội dung khác")
    )
    return detail.meeting.id


async def test_filter_by_meeting_returns_exactly_that_meetings_events(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    svc, secretary, chair = world.svc, actor(world, "thuky"), actor(world, "botruong")
    other = await other_meeting(world)
    # a document, attendance and a vote in meeting A (its session has ended: vote in B instead)
    headers = bearer(await api_login(client, "thuky"))
    body = FormData()
    body.add_field("file", make_pdf("Tờ trình", pages=1), filename="to-trinh.pdf")
    resp = await client.post(f"/api/meetings/{s.meeting_id}/documents", data=body, headers=headers)
    assert resp.status == 201, await resp.text()
    notice = await publish_with_tasks(
        world, s, [[plan("Nhiệm vụ", orgs.ministry, clock.now() + timedelta(days=5))]]
    )
    task_id = notice.conclusions[0].tasks[0].id
    await tasks.report_progress(svc, chair, task_id, ProgressIn(percent=20))
    # meeting B: a session with attendance and a vote
    from ecabinet.services import session

    await session.start(svc, chair, other)
    async with svc.db.reading() as db:
        from ecabinet.services import seats

        rows = await seats.participants_of(db, other)
    for row in rows:
        await attendance.correct(
            svc,
            secretary,
            other,
            AttendanceCorrectionIn(
                participant_id=row.id, status=AttendanceStatus.PRESENT_IN_PERSON
            ),
        )
    motion = await votes.open_motion(svc, chair, other, MotionIn(title="Biểu quyết"))
    await votes.cast(svc, chair, motion.id, VoteIn(choice="agree"))
    await votes.close(svc, chair, motion.id)

    resp = await client.get(f"/api/meetings/{s.meeting_id}/audit?limit=500", headers=headers)
    assert resp.status == 200, await resp.text()
    mine = list(reversed(await resp.json()))
    assert [(e["action"], e["subject_type"]) for e in mine] == [
        ("meeting.create", "meeting"),
        ("agenda.item_add", "agenda_item"),
        ("session.started", "meeting"),
        ("session.item_concluded", "agenda_item"),
        ("session.ended", "meeting"),
        ("document.upload", "document"),
        ("conclusions.draft", "conclusion_notice"),
        ("conclusions.publish", "conclusion_notice"),
        ("task.progress", "task"),
    ]
    assert {e["meeting_id"] for e in mine} == {s.meeting_id}
    theirs = list(
        reversed(
            await (
                await client.get(f"/api/meetings/{other}/audit?limit=500", headers=headers)
            ).json()
        )
    )
    assert [e["action"] for e in theirs] == [
        "meeting.create",
        "agenda.item_add",
        "session.started",
        "attendance.corrected",
        "attendance.corrected",
        "motion.opened",
        "motion.voted",
        "motion.closed",
    ]
    assert not {e["seq"] for e in mine} & {e["seq"] for e in theirs}
    check = await (
        await client.get(f"/api/meetings/{s.meeting_id}/audit/verify", headers=headers)
    ).json()
    assert check["intact"] is True
    # filter by action prefix within the meeting
    only = await (
        await client.get(f"/api/meetings/{s.meeting_id}/audit?action=conclusions.", headers=headers)
    ).json()
    assert [e["action"] for e in only] == ["conclusions.publish", "conclusions.draft"]


async def test_only_the_meetings_secretaries_read_its_log(client: TestClient, world: World) -> None:
    s = await ended_meeting(world, items=1)
    member = bearer(await api_login(client, "daibieu"))
    resp = await client.get(f"/api/meetings/{s.meeting_id}/audit", headers=member)
    assert (resp.status, (await resp.json())["error"]["code"]) == (403, "secretary_only")
    await world.add_user("khac", world["botruong"].role, world.province)
    outsider = bearer(await api_login(client, "khac"))
    resp = await client.get(f"/api/meetings/{s.meeting_id}/audit", headers=outsider)
    assert (resp.status, (await resp.json())["error"]["code"]) == (404, "meeting_not_found")
    resp = await client.get(f"/api/meetings/{s.meeting_id}/audit/verify", headers=outsider)
    assert resp.status == 404
    admin = bearer(await api_login(client, "admin"))  # auditors read every log
    assert (await client.get(f"/api/meetings/{s.meeting_id}/audit", headers=admin)).status == 200
    resp = await client.get(f"/api/admin/audit?meeting_id={s.meeting_id}", headers=admin)
    assert {e["meeting_id"] for e in await resp.json()} == {s.meeting_id}


async def test_entries_without_a_meeting_hash_as_before_and_the_meeting_is_covered(
    world: World,
) -> None:
    """Entries written before the column existed keep their hashes (no ``meeting_id`` key in the
    canonical JSON); a meeting id, once set, is covered by the hash."""
    s = await ended_meeting(world, items=1)
    svc = world.svc
    async with svc.db.reading() as db:
        first = await db.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
        meeting_entry = await db.scalar(
            select(AuditEvent).where(AuditEvent.meeting_id == s.meeting_id).limit(1)
        )
    assert first is not None and first.meeting_id is None and meeting_entry is not None
    canonical = json.dumps(
        {
            "seq": first.seq,
            "at": first.at.isoformat(timespec="microseconds"),
            "action": first.action,
            "actor_id": first.actor_id,
            "address": first.address,
            "subject_type": first.subject_type,
            "subject_id": first.subject_id,
            "data": first.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    assert first.entry_hash == hashlib.sha256((canonical + first.prev_hash).encode()).hexdigest()
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as db:
            await db.execute(
                update(AuditEvent)
                .where(AuditEvent.seq == meeting_entry.seq)
                .values(meeting_id=s.meeting_id + 1)
            )
    async with svc.db.reading() as db:
        report = await audit.verify_chain(db)
    assert report.first_bad_seq == meeting_entry.seq


async def test_the_database_still_refuses_to_edit_an_entrys_meeting(world: World) -> None:
    s = await ended_meeting(world, items=1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with world.svc.db.transaction() as db:
            await db.execute(
                update(AuditEvent)
                .where(AuditEvent.meeting_id == s.meeting_id)
                .values(meeting_id=None)
            )
