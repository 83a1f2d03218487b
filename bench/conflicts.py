"""Benchmark: the double-booking check with 100,000 meetings and 5,000 users in the database.

Usage:
    .venv/bin/python bench/conflicts.py [--postgres URL] [--meetings N] [--users N] [--checks N]

SQLite runs in a temporary file; PostgreSQL (optional) runs in the database at URL, whose public
schema is DROPPED and recreated. Both are migrated with the real Alembic migrations, filled with
random meetings (8 people, often an endpoint, often a room, over two years), analysed, and then
timed on random bookings through the same ``find_conflicts`` the API uses. Prints one summary
line per backend and appends the result to bench/RESULTS.md. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecabinet.db import Database  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.models import Endpoint, Meeting, Organization, Participant, User  # noqa: E402
from ecabinet.services.conflicts import Booking, find_conflicts  # noqa: E402

EPOCH = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
SPAN_DAYS = 730
ROOMS = [f"Phòng họp {i}" for i in range(60)]
ENDPOINTS = 200
PEOPLE_PER_MEETING = 8
CHUNK = 5_000


def _slot(rng: random.Random) -> tuple[datetime, datetime]:
    day = rng.randrange(SPAN_DAYS)
    start = EPOCH + timedelta(days=day, minutes=30 * rng.randrange(20))
    return start, start + timedelta(minutes=rng.choice((60, 90, 120, 180)))


async def fill(url: str, meetings: int, users: int, seed: int = 7) -> None:
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    engine = create_async_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Organization), [{"id": 1, "slug": "vpcp", "name": "VPCP", "level": "government"}]
        )
        await conn.execute(
            insert(User),
            [
                {
                    "id": i,
                    "username": f"user{i}",
                    "full_name": f"User {i}",
                    "title": "",
                    "email": "",
                    "password_hash": "x",
                    "role": "member",
                    "organization_id": 1,
                    "language": "vi",
                    "is_active": True,
                    "must_change_password": False,
                    "created_at": now,
                    "password_changed_at": now,
                }
                for i in range(1, users + 1)
            ],
        )
        await conn.execute(
            insert(Endpoint),
            [
                {
                    "id": i,
                    "slug": f"ep{i}",
                    "name": f"Endpoint {i}",
                    "location": "",
                    "capacity": 0,
                    "organization_id": 1,
                    "operator_id": None,
                    "is_active": True,
                }
                for i in range(1, ENDPOINTS + 1)
            ],
        )
    participant_id = 0
    for base in range(0, meetings, CHUNK):
        meeting_rows, participant_rows = [], []
        for mid in range(base + 1, min(base + CHUNK, meetings) + 1):
            start, end = _slot(rng)
            meeting_rows.append(
                {
                    "id": mid,
                    "title": f"Meeting {mid}",
                    "kind": "regular",
                    "starts_at": start,
                    "ends_at": end,
                    "time_zone": "Asia/Ho_Chi_Minh",
                    "mode": rng.choice(("in_person", "online", "hybrid")),
                    "room": rng.choice(ROOMS) if rng.random() < 0.6 else "",
                    "chair_id": None,
                    "secretary_id": None,
                    "organization_id": 1,
                    "confidentiality": "normal",
                    "description": "",
                    "status": "scheduled" if rng.random() < 0.95 else "cancelled",
                    "ical_uid": f"bench-{mid}@ecabinet",
                    "sequence": 0,
                    "series_id": None,
                    "created_by": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for user_id in rng.sample(range(1, users + 1), PEOPLE_PER_MEETING):
                participant_id += 1
                participant_rows.append(
                    {
                        "id": participant_id,
                        "meeting_id": mid,
                        "user_id": user_id,
                        "endpoint_id": None,
                        "role": "member",
                        "rsvp": "accepted",
                        "delegation_reason": "",
                        "added_at": now,
                    }
                )
            if rng.random() < 0.5:
                participant_id += 1
                participant_rows.append(
                    {
                        "id": participant_id,
                        "meeting_id": mid,
                        "user_id": None,
                        "endpoint_id": rng.randrange(1, ENDPOINTS + 1),
                        "role": "member",
                        "rsvp": "accepted",
                        "delegation_reason": "",
                        "added_at": now,
                    }
                )
        async with engine.begin() as conn:
            await conn.execute(insert(Meeting), meeting_rows)
            await conn.execute(insert(Participant), participant_rows)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def measure(url: str, users: int, checks: int, seed: int = 11) -> tuple[float, float, int]:
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    db = Database(url)
    timings: list[float] = []
    found = 0
    for _ in range(checks):
        start, end = _slot(rng)
        booking = Booking(
            start,
            end,
            frozenset(rng.sample(range(1, users + 1), PEOPLE_PER_MEETING)),
            frozenset({rng.randrange(1, ENDPOINTS + 1)}),
            rng.choice(ROOMS),
        )
        async with db.reading() as session:
            began = time.perf_counter()
            result = await find_conflicts(session, booking)
            timings.append((time.perf_counter() - began) * 1000)
        found += bool(result)
    await db.close()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], found


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        await conn.exec_driver_sql("CREATE SCHEMA public")
    await engine.dispose()


def run(name: str, url: str, args: argparse.Namespace) -> str:
    began = time.perf_counter()
    upgrade(url)
    asyncio.run(fill(url, args.meetings, args.users))
    loaded = time.perf_counter() - began
    median, p95, hits = asyncio.run(measure(url, args.users, args.checks))
    return (
        f"{name}: {args.meetings:,} meetings, {args.users:,} users — median conflict check "
        f"{median:.2f} ms, p95 {p95:.2f} ms over {args.checks} checks "
        f"({hits} with conflicts; load {loaded:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (its schema is dropped!)")
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        lines.append(run("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args))
        print(lines[-1], flush=True)
    if args.postgres:
        asyncio.run(_reset_postgres(args.postgres))
        lines.append(run("PostgreSQL", args.postgres, args))
        print(lines[-1], flush=True)
    if not args.no_record:
        machine = (
            f"{platform.node()} · {platform.machine()} · {os.cpu_count()} CPU cores · "
            f"Python {platform.python_version()} · {platform.platform()}"
        )
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## conflicts.py — {stamp}\n\nMachine: {machine}\n\n")
            fh.writelines(f"- {line}\n" for line in lines)


if __name__ == "__main__":
    main()
