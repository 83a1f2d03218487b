"""A GET's session check and its use case's read share one read transaction (db.request_scope);
the session is still checked on every request, and a write or a later read gets its own."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event, func, select, update

from ecabinet.models import AuthSession, User
from ecabinet.services.context import Services

from .conftest import World, api_login, bearer


def count_begins(svc: Services) -> list[str]:
    """Every transaction begun on the engine (SQLite's BEGIN statements, PostgreSQL's begins)."""
    seen: list[str] = []

    @event.listens_for(svc.db.engine.sync_engine, "begin")
    def record(conn: Any) -> None:
        seen.append("begin")

    return seen


async def test_a_get_begins_one_transaction_for_the_session_check_and_its_read(
    client: TestClient, svc: Services, world: World
) -> None:
    headers = bearer(await api_login(client, "thuky"))
    begins = count_begins(svc)
    resp = await client.get("/api/meetings", headers=headers)
    assert resp.status == 200
    assert begins == ["begin"]


async def test_a_revoked_session_ends_at_the_next_request(
    client: TestClient, svc: Services, world: World
) -> None:
    headers = bearer(await api_login(client, "thuky"))
    assert (await client.get("/api/meetings", headers=headers)).status == 200
    async with svc.db.transaction() as session:
        await session.execute(update(AuthSession).values(revoked_at=svc.clock.now()))
    resp = await client.get("/api/meetings", headers=headers)
    assert resp.status == 401


async def test_reads_in_a_scope_share_a_session_then_later_reads_have_their_own(
    svc: Services, world: World
) -> None:
    async with svc.db.request_scope():
        async with svc.db.reading() as first:
            await first.scalar(select(func.count()).select_from(User))
        async with svc.db.reading() as second:
            await second.scalar(select(func.count()).select_from(User))
        async with svc.db.reading() as third:
            await third.scalar(select(func.count()).select_from(User))
    assert first is second
    assert third is not second


async def test_a_read_after_a_write_in_the_scope_sees_the_write(
    svc: Services, world: World
) -> None:
    user_id = world["botruong"].id
    async with svc.db.request_scope():
        async with svc.db.reading() as session:
            before = await session.scalar(select(User.full_name).where(User.id == user_id))
        async with svc.db.transaction() as session:
            await session.execute(
                update(User).where(User.id == user_id).values(full_name="Renamed")
            )
        async with svc.db.reading() as session:
            after = await session.scalar(select(User.full_name).where(User.id == user_id))
    assert (before, after) == ("Botruong", "Renamed")


async def test_a_failed_read_does_not_leave_the_shared_session_behind(
    svc: Services, world: World
) -> None:
    async with svc.db.request_scope():
        try:
            async with svc.db.reading() as failed:
                raise LookupError("the use case refused")
        except LookupError:
            pass
        async with svc.db.reading() as session:
            count = await session.scalar(select(func.count()).select_from(User))
    assert session is not failed
    assert count == len(world.accounts)


async def test_a_task_started_in_the_scope_reads_in_its_own_session(
    svc: Services, world: World
) -> None:
    async def read_in_task() -> object:
        async with svc.db.reading() as session:
            await session.scalar(select(func.count()).select_from(User))
            return session

    async with svc.db.request_scope():
        async with svc.db.reading() as session:
            other = await asyncio.create_task(read_in_task())
    assert other is not session
