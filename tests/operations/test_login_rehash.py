"""The password is checked outside the write transaction (so a burst of logins does not hold
SQLite's write lock); an old-cost hash is still upgraded on a successful login."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select, update

from ecabinet.models import LoginAttempt, User
from ecabinet.services import passwords
from tests.conftest import PASSWORD, api_login


async def stored_hash(svc, user_id: int) -> str:
    async with svc.db.reading() as session:
        return str(await session.scalar(select(User.password_hash).where(User.id == user_id)))


async def test_an_old_cost_hash_is_upgraded_on_login(client, svc, world):
    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    async with svc.db.transaction() as session:
        await session.execute(
            update(User).where(User.id == world["thuky"].id).values(password_hash=old)
        )
    assert passwords.needs_rehash(old)

    await api_login(client, "thuky")

    new = await stored_hash(svc, world["thuky"].id)
    assert new != old
    assert not passwords.needs_rehash(new)
    assert passwords.verify_password(new, PASSWORD)


async def test_a_failed_login_is_recorded_and_leaves_the_hash_alone(client, svc, world):
    before = await stored_hash(svc, world["thuky"].id)
    resp = await client.post("/api/auth/login", json={"username": "thuky", "password": "sai"})
    assert resp.status == 401
    assert await stored_hash(svc, world["thuky"].id) == before
    async with svc.db.reading() as session:
        attempts = list(await session.scalars(select(LoginAttempt.succeeded)))
    assert attempts == [False]
