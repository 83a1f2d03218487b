"""The audit log (SEC-J1): every action through the service layer leaves a hash-chained entry;
the database refuses to edit or delete entries; an attacker who gets past that (by dropping the
trigger) is still caught by ``verify_chain``, which names the first bad entry."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from ecabinet.errors import Conflict
from ecabinet.models import AuditEvent, OrganizationLevel, Role
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import audit, directory
from ecabinet.services.context import Services

from .conftest import PASSWORD

ENTRIES = 12


async def create_org(svc: Services, n: int) -> int:
    org = await directory.create_organization(
        svc,
        None,
        OrganizationIn(slug=f"org-{n:03d}", name=f"Tổ chức {n}", level=OrganizationLevel.PROVINCE),
    )
    return org.id


async def chain(svc: Services) -> audit.ChainReport:
    async with svc.db.reading() as session:
        return await audit.verify_chain(session)


async def entries(svc: Services) -> list[AuditEvent]:
    async with svc.db.reading() as session:
        return list((await session.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all())


@pytest.fixture
async def logged(svc: Services) -> list[AuditEvent]:
    """A log of ``ENTRIES`` entries written by real actions."""
    for n in range(ENTRIES):
        await create_org(svc, n)
    return await entries(svc)


@asynccontextmanager
async def without_append_only_guard(svc: Services) -> AsyncIterator[None]:
    """Play an attacker with database superpowers: switch the append-only trigger off.

    SQLite tests run on a private copy of the database, so dropping is enough; the PostgreSQL
    database is shared by the session (emptied per test), so the trigger is switched back on.
    """
    if svc.db.is_sqlite:
        async with svc.db.transaction() as session:
            await session.execute(text("DROP TRIGGER audit_event_no_update"))
            await session.execute(text("DROP TRIGGER audit_event_no_delete"))
        yield
        return
    async with svc.db.transaction() as session:
        await session.execute(
            text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        )
    try:
        yield
    finally:
        async with svc.db.transaction() as session:
            await session.execute(
                text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
            )


# ---------------------------------------------------------------- entries are written


async def test_service_actions_leave_a_verifiable_chain(svc):
    assert await chain(svc) == audit.ChainReport(0, audit.GENESIS_HASH, None)
    org_id = await create_org(svc, 1)
    user, _ = await directory.create_user(
        svc,
        None,
        UserIn(
            username="thuky",
            full_name="Nguyễn Thị Thư",
            role=Role.SECRETARY,
            organization_id=org_id,
            password=PASSWORD,
        ),
    )
    log = await entries(svc)
    assert [(e.seq, e.action, e.subject_type, e.subject_id) for e in log] == [
        (1, "organization.create", "organization", str(org_id)),
        (2, "user.create", "user", str(user.id)),
    ]
    assert log[0].actor_id is None
    assert log[0].data == {"slug": "org-001", "name": "Tổ chức 1", "level": "province"}
    assert log[1].data == {"username": "thuky", "role": "secretary"}
    assert PASSWORD not in repr([e.data for e in log])
    assert log[0].prev_hash == audit.GENESIS_HASH
    assert log[1].prev_hash == log[0].entry_hash
    report = await chain(svc)
    assert report.intact
    assert report.length == 2
    assert report.head_hash == log[1].entry_hash


async def test_a_failed_action_leaves_no_entry(svc, logged):
    with pytest.raises(Conflict):
        await create_org(svc, 0)  # the slug is taken
    report = await chain(svc)
    assert report.intact
    assert report.length == ENTRIES


async def test_entries_record_the_clock_time(svc, clock):
    await create_org(svc, 1)
    clock.advance(minutes=5)
    await create_org(svc, 2)
    first, second = await entries(svc)
    assert first.at == clock.now() - timedelta(minutes=5)
    assert second.at == clock.now()
    assert (await chain(svc)).intact


# ---------------------------------------------------------------- the database refuses edits


async def test_database_refuses_to_update_an_entry(svc, logged):
    with pytest.raises(DBAPIError, match="append-only"):
        async with svc.db.transaction() as session:
            await session.execute(
                update(AuditEvent).where(AuditEvent.seq == 3).values(action="nothing.happened")
            )
    assert (await entries(svc))[2].action == "organization.create"


async def test_database_refuses_to_delete_an_entry(svc, logged):
    with pytest.raises(DBAPIError, match="append-only"):
        async with svc.db.transaction() as session:
            await session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    with pytest.raises(DBAPIError, match="append-only"):
        async with svc.db.transaction() as session:
            await session.execute(delete(AuditEvent))
    assert len(await entries(svc)) == ENTRIES
    assert (await chain(svc)).intact


# ---------------------------------------------------------------- tampering is detected


async def test_an_edited_entry_is_reported_as_the_first_bad_one(svc, logged):
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            await session.execute(
                update(AuditEvent)
                .where(AuditEvent.seq == 7)
                .values(data={**logged[6].data, "name": "Tổ chức khác"})
            )
    report = await chain(svc)
    assert not report.intact
    assert report.first_bad_seq == 7
    assert report.head_hash == logged[5].entry_hash  # the last good entry


async def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(svc, logged):
    victim = logged[6]
    forged = audit.entry_hash(
        seq=victim.seq,
        at=victim.at,
        action=victim.action,
        actor_id=victim.actor_id,
        address="203.0.113.9",
        subject_type=victim.subject_type,
        subject_id=victim.subject_id,
        data=victim.data,
        prev_hash=victim.prev_hash,
    )
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            await session.execute(
                update(AuditEvent)
                .where(AuditEvent.seq == 7)
                .values(address="203.0.113.9", entry_hash=forged)
            )
    assert (await chain(svc)).first_bad_seq == 8


async def test_a_deleted_entry_is_detected_where_it_was(svc, logged):
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            await session.execute(delete(AuditEvent).where(AuditEvent.seq == 6))
    report = await chain(svc)
    assert report.first_bad_seq == 6
    assert report.length == 6  # it stopped at the first entry after the gap


async def test_a_deleted_tail_is_not_a_break_but_shortens_the_chain(svc, logged):
    """Truncating the end keeps the chain consistent; only the length and head betray it (the
    external checkpoint of SEC-J2 is what catches this)."""
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            await session.execute(delete(AuditEvent).where(AuditEvent.seq == ENTRIES))
    report = await chain(svc)
    assert report.intact
    assert report.length == ENTRIES - 1
    assert report.head_hash == logged[-2].entry_hash != logged[-1].entry_hash


async def test_swapped_payloads_are_detected_at_the_first_of_the_pair(svc, logged):
    a, b = logged[3], logged[4]
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            for target, source in ((a, b), (b, a)):
                await session.execute(
                    update(AuditEvent)
                    .where(AuditEvent.seq == target.seq)
                    .values(
                        data=source.data,
                        subject_id=source.subject_id,
                        prev_hash=source.prev_hash,
                        entry_hash=f"{source.entry_hash[:-1]}x",  # unique until both are moved
                    )
                )
            for target, source in ((a, b), (b, a)):
                await session.execute(
                    update(AuditEvent)
                    .where(AuditEvent.seq == target.seq)
                    .values(entry_hash=source.entry_hash)
                )
    report = await chain(svc)
    assert report.first_bad_seq == a.seq


async def test_swapped_data_alone_is_detected(svc, logged):
    a, b = logged[9], logged[10]
    async with without_append_only_guard(svc):
        async with svc.db.transaction() as session:
            await session.execute(
                update(AuditEvent).where(AuditEvent.seq == a.seq).values(data=b.data)
            )
            await session.execute(
                update(AuditEvent).where(AuditEvent.seq == b.seq).values(data=a.data)
            )
    assert (await chain(svc)).first_bad_seq == a.seq


async def test_the_guard_is_back_after_tampering(svc, logged):
    """The tamper helper itself must not leave the shared PostgreSQL database unguarded."""
    async with without_append_only_guard(svc):
        pass
    if svc.db.is_sqlite:
        pytest.skip("SQLite tests run on a private copy; the trigger is simply dropped")
    with pytest.raises(DBAPIError, match="append-only"):
        async with svc.db.transaction() as session:
            await session.execute(delete(AuditEvent).where(AuditEvent.seq == 1))


# ---------------------------------------------------------------- concurrency


async def test_concurrent_actions_form_one_linear_chain(svc, logged):
    await asyncio.gather(*(create_org(svc, 100 + n) for n in range(20)))
    log = await entries(svc)
    total = ENTRIES + 20
    assert [e.seq for e in log] == list(range(1, total + 1))
    assert len({e.prev_hash for e in log}) == total  # no two entries share a parent: no fork
    assert all(e.prev_hash == p.entry_hash for p, e in itertools.pairwise(log))
    report = await chain(svc)
    assert report.intact
    assert report.length == total
    assert report.head_hash == log[-1].entry_hash
    assert sorted(e.data["slug"] for e in log[ENTRIES:]) == [
        f"org-{100 + n:03d}" for n in range(20)
    ]
