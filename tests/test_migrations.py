"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and can be rolled all the way back and forward again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from ecabinet.migrate import alembic_config, upgrade
from ecabinet.models import Base

APP_TABLES = {t.name for t in Base.metadata.sorted_tables}
# Append-only / immutable tables: the database refuses UPDATE and DELETE.
SQLITE_TRIGGERS = {
    "audit_event_no_update",
    "audit_event_no_delete",
    "minutes_version_no_update",
    "minutes_version_no_delete",
}


def _inspect(conn: Connection) -> dict[str, Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    if conn.dialect.name == "sqlite":
        triggers = {
            row[0]
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    else:
        triggers = {
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgrelid IN ('audit_event'::regclass, 'minutes_version'::regclass)"
            )
        }
    return {
        "diff": compare_metadata(context, Base.metadata),
        "revision": context.get_current_revision(),
        "tables": set(inspect(conn).get_table_names()),
        "triggers": triggers,
    }


async def _schema_async(url: str) -> dict[str, Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_inspect)
    finally:
        await engine.dispose()


def schema(url: str) -> dict[str, Any]:
    return asyncio.run(_schema_async(url))


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_fresh_sqlite_database_matches_the_models_after_upgrade(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    found = schema(url)
    assert found["diff"] == []
    assert found["revision"] == head_revision()
    assert found["tables"] == APP_TABLES | {"alembic_version"}
    assert found["triggers"] == SQLITE_TRIGGERS


def test_upgrade_is_idempotent(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)
    assert schema(url)["diff"] == []


def test_sqlite_downgrade_to_base_and_upgrade_again(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    emptied = schema(url)
    assert emptied["tables"] == {"alembic_version"}
    assert emptied["revision"] is None
    assert emptied["triggers"] == set()
    upgrade(url)
    again = schema(url)
    assert again["diff"] == []
    assert again["revision"] == head_revision()
    assert again["triggers"] == SQLITE_TRIGGERS


async def test_migrated_test_database_matches_the_models(db_url: str):
    """Runs on both legs: the session's database was built by the real migrations."""
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            found = await conn.run_sync(_inspect)
    finally:
        await engine.dispose()
    assert found["diff"] == []
    assert found["revision"] == head_revision()
    assert APP_TABLES <= found["tables"]
    if db_url.startswith("postgresql"):
        assert found["triggers"] == {"audit_event_append_only", "minutes_version_immutable"}
    else:
        assert found["triggers"] == SQLITE_TRIGGERS
