"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000


READ_ONLY_OPTION = "ecabinet_read_only"
# Set while this task (and tasks it starts) holds the process's SQLite writer turn.
_WRITING: ContextVar[bool] = ContextVar("ecabinet_sqlite_writing", default=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE), so that two
    # read-then-write transactions queue on the busy timeout instead of one failing with
    # SQLITE_BUSY_SNAPSHOT. Read-only sessions (Database.reading) begin deferred.
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine; for SQLite, WAL, foreign keys and a busy timeout are switched on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


class Database:
    """The engine and a session factory; one per application."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )
        self._writer = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed whole on success, rolled back on error.

        SQLite has one writer at a time. Within this process, writers take turns on an asyncio
        lock (first come, first served) instead of all polling the busy timeout, which starves
        some of them when hundreds write at once (e.g. 200 votes in a second); other processes
        still queue on the busy timeout."""
        if not self.is_sqlite or _WRITING.get():
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._writer:
            token = _WRITING.set(True)
            try:
                async with self.sessions() as session, session.begin():
                    yield session
            finally:
                _WRITING.reset(token)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: on SQLite it does not take the write lock."""
        async with self._read_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        await self.engine.dispose()
