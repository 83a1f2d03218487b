"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured), the real app.

Every test that uses ``db_url`` (directly or through ``app``/``client``/``svc``) runs once on
SQLite and once on PostgreSQL; the PostgreSQL leg is skipped with a reason when
``ECABINET_TEST_POSTGRES_URL`` is not set and no PostgreSQL answers on the default local port
(``tests/local_services.py``: an unset variable is filled in when the server answers; a set one
always wins; the suite prints one line about what it found or skipped).

The suite runs in parallel with pytest-xdist (``make test``: two workers). Each worker has its own
SQLite files and its own PostgreSQL database (``<name>_gw0``, ``<name>_gw1``, created on first use
on the same server); tests that use the shared Redis carry ``@pytest.mark.redis`` and run one after
another on one worker, so their channels never cross.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ecabinet.app import create_app
from ecabinet.clock import FrozenClock
from ecabinet.config import Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Base, Language, OrganizationLevel, Role, User
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory, passwords
from ecabinet.services.context import Services
from ecabinet.web.appkeys import services_key

from . import local_services

# Before any test module reads the variables (and before xdist starts its workers).
LOCAL_PROBES = local_services.detect(os.environ)
POSTGRES_URL = os.environ.get("ECABINET_TEST_POSTGRES_URL", "")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 with production cost makes a suite of hundreds of logins slow; the code path is the
    same with a cheap parameter set."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


def _worker_database(url: str) -> str:
    """This xdist worker's own database beside the configured one (the URL itself when serial)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return url
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")

    async def create() -> None:
        engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            )
            if not exists:
                await conn.exec_driver_sql(f'CREATE DATABASE "{own.database}"')
        await engine.dispose()

    asyncio.run(create())
    return own.render_as_string(hide_password=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Redis tests share one server's channels: keep them on one xdist worker, one at a time."""
    for item in items:
        if item.get_closest_marker("redis"):
            item.add_marker(pytest.mark.xdist_group("redis"))


def _reset_postgres(url: str) -> None:
    async def reset() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
        await engine.dispose()

    asyncio.run(reset())


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A database migrated once per session with Alembic (the real migrations, not create_all)."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL leg: set ECABINET_TEST_POSTGRES_URL (.ci/run does)")
        url = _worker_database(POSTGRES_URL)
        _reset_postgres(url)
        upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return str(path)


@pytest.fixture
async def db_url(migrated_database: str, tmp_path: Path) -> str:
    """A clean database for one test: a copy of the SQLite template, or emptied PostgreSQL."""
    if migrated_database.startswith("postgresql"):
        engine = create_async_engine(migrated_database)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        return migrated_database
    target = tmp_path / "ecabinet.db"
    shutil.copyfile(migrated_database, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=db_url, secret_key=TEST_SECRET)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> web.Application:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(
    app: web.Application, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> TestClient:
    return await aiohttp_client(app)


@pytest.fixture
def svc(client: TestClient) -> Services:
    """The running app's services (the app has started, so the database is open)."""
    return client.app[services_key]


@dataclass
class Account:
    id: int
    username: str
    password: str
    role: Role
    organization_id: int


@dataclass
class World:
    """A small directory: the Government Office, a ministry, a province, one user per role."""

    svc: Services
    government: int
    ministry: int
    province: int
    accounts: dict[str, Account]

    def __getitem__(self, name: str) -> Account:
        return self.accounts[name]

    async def add_user(self, username: str, role: Role, organization_id: int) -> Account:
        user, _ = await directory.create_user(
            self.svc,
            None,
            UserIn(
                username=username,
                full_name=username.title(),
                role=role,
                organization_id=organization_id,
                password=PASSWORD,
                language=Language.EN,
            ),
        )
        account = Account(user.id, username, PASSWORD, role, organization_id)
        self.accounts[username] = account
        return account


@pytest.fixture
async def world(svc: Services) -> World:
    return await build_world(svc)


async def build_world(svc: Services) -> World:
    """The directory of the ``world`` fixture, in any app's database."""

    async def org(slug: str, name: str, level: OrganizationLevel, parent: int | None) -> int:
        created = await directory.create_organization(
            svc, None, OrganizationIn(slug=slug, name=name, level=level, parent_id=parent)
        )
        return created.id

    gov = await org("vpcp", "Văn phòng Chính phủ", OrganizationLevel.GOVERNMENT, None)
    ministry = await org("bo-y-te", "Bộ Y tế", OrganizationLevel.MINISTRY, gov)
    province = await org("nghe-an", "Tỉnh Nghệ An", OrganizationLevel.PROVINCE, gov)
    w = World(svc, gov, ministry, province, {})
    await w.add_user("admin", Role.ADMIN, gov)
    await w.add_user("thuky", Role.SECRETARY, gov)
    await w.add_user("botruong", Role.MEMBER, ministry)
    await w.add_user("daibieu", Role.DELEGATE, ministry)
    await w.add_user("vanhanh", Role.OPERATOR, province)
    return w


async def api_login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    resp = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def user_count(svc: Services) -> int:
    from sqlalchemy import func, select

    async with svc.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many tests ran on each database, so CI logs show the PostgreSQL leg ran."""
    for leg in ("sqlite", "postgresql"):
        passed = sum(1 for r in terminalreporter.stats.get("passed", []) if f"[{leg}" in r.nodeid)
        skipped = sum(1 for r in terminalreporter.stats.get("skipped", []) if f"[{leg}" in r.nodeid)
        terminalreporter.write_line(f"database leg {leg}: {passed} passed, {skipped} skipped")
    line = local_services.summary(LOCAL_PROBES)
    if line and not os.environ.get("PYTEST_XDIST_WORKER"):
        terminalreporter.write_line(line)
