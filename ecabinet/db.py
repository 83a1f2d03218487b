"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def upsert(session: AsyncSession, model: Any) -> Any:
    """``INSERT`` for ``model`` with ``ON CONFLICT`` clauses (``on_conflict_do_nothing`` /
    ``on_conflict_do_update``), in the dialect of the session's database: both of ours have
    them, and one statement settles a race that "read, then add" loses."""
    dialect = session.bind.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


READ_ONLY_OPTION = "ecabinet_read_only"
# Set while this task (and tasks it starts) holds the process's SQLite writer turn.
_WRITING: ContextVar[bool] = ContextVar("ecabinet_sqlite_writing", default=False)


@dataclass
class _SharedRead:
    """The read transaction that the reads of one request share (see Database.request_scope)."""

    owner: asyncio.Task[Any] | None
    session: AsyncSession | None = None
    depth: int = 0  # reading() blocks open on it now
    blocks: int = 0  # outermost reading() blocks it has served


# The session check and the use case's first read; later reads have their own transaction, so
# the connection is never held across other work (rendering a PDF, stamping a watermark).
SHARED_READ_BLOCKS = 2
_SHARED_READ: ContextVar[_SharedRead | None] = ContextVar("ecabinet_shared_read", default=None)


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
    async def request_scope(self) -> AsyncIterator[None]:
        """Let the first reads of one request share one connection and one read transaction.

        Inside the block, the first two :meth:`reading` blocks of this task (the login-session
        check, then the use case's read) run in one session, opened at the first: a request pays
        for one connection checkout and one BEGIN instead of two. The session is closed after
        the second, when a read fails, before a write transaction starts outside a read (so a
        request does not hold two connections, and reads after a write see it), and when the
        block ends. Later reads, and tasks started inside the block, have their own.
        """
        shared = _SharedRead(asyncio.current_task())
        token = _SHARED_READ.set(shared)
        try:
            yield
        finally:
            _SHARED_READ.reset(token)
            await _end_shared(shared)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed whole on success, rolled back on error.

        SQLite has one writer at a time. Within this process, writers take turns on an asyncio
        lock (first come, first served) instead of all polling the busy timeout, which starves
        some of them when hundreds write at once (e.g. 200 votes in a second); other processes
        still queue on the busy timeout."""
        shared = _own_shared_read()
        if shared is not None and shared.depth == 0:
            await _end_shared(shared)
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
        """A session for reads only: on SQLite it does not take the write lock.

        Inside :meth:`request_scope` it is the request's shared read session."""
        shared = _own_shared_read()
        if shared is None:
            async with self._read_sessions() as session, session.begin():
                yield session
            return
        if shared.session is None:
            session = self._read_sessions()
            shared.session = session
            await session.begin()
        session = shared.session
        shared.depth += 1
        try:
            yield session
        except BaseException:
            if shared.depth == 1:
                await _end_shared(shared)
            raise
        finally:
            shared.depth -= 1
        if shared.depth == 0 and shared.session is session:
            shared.blocks += 1
            if shared.blocks >= SHARED_READ_BLOCKS:
                await _end_shared(shared)
            else:
                # As after a read of its own: what this read loaded is detached, and the next
                # read loads afresh (nothing read here is written back: a read never commits).
                session.expunge_all()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        await self.engine.dispose()


def _own_shared_read() -> _SharedRead | None:
    shared = _SHARED_READ.get()
    if shared is None or shared.owner is not asyncio.current_task():
        return None
    return shared


async def _end_shared(shared: _SharedRead) -> None:
    session, shared.session = shared.session, None
    if session is not None:
        await session.close()  # ends the read transaction (rollback: nothing was written)
