"""Profile the read paths of bench/load.py in one process (pyinstrument): the server's own cost
per request kind, without the network or the load generator.

    .venv/bin/python bench/profile_reads.py [--requests 200] [--db-url URL] [--profile] [--html DIR]

Builds a throwaway data dir (cheap Argon2: the logins are not what is measured), 20 meetings with
5 agenda items and 3 documents each, 50 members in every meeting, then for each kind (meeting
list, meeting, agenda, document list, PDF download) times ``--requests`` requests through an
in-process aiohttp client and prints the CPU time (of the whole process: server, database
threads and the in-process client) and the SQL statements per request. ``--profile`` adds the
pyinstrument profile's top frames (it costs CPU itself, so compare CPU numbers without it).
The last line is the summary: CPU per request weighted by bench/load.py's mix.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.load import MEETINGS, MIX, PASSWORD, SECRET, build_meetings, create_accounts  # noqa: E402
from ecabinet.app import create_app  # noqa: E402
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.services import passwords  # noqa: E402
from ecabinet.web.appkeys import services_key  # noqa: E402


class GcPauses:
    """Collections per generation and their longest pause, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.longest = [0.0, 0.0, 0.0]
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        gen = info["generation"]
        took = (time.perf_counter() - self._started) * 1000
        self.count[gen] += 1
        self.total += took
        self.longest[gen] = max(self.longest[gen], took)

    def summary(self) -> str:
        return (
            ", ".join(
                f"gen{g} {self.count[g]}x (longest {self.longest[g]:.1f} ms)" for g in range(3)
            )
            + f"; {self.total:.0f} ms in all"
        )


def count_statements(engine: Any) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    return seen


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--accounts", type=int, default=50)
    p.add_argument("--db-url", default="")
    p.add_argument("--profile", action="store_true", help="print pyinstrument's top frames")
    p.add_argument("--cprofile", default="", help="print cProfile's top functions of this kind")
    p.add_argument(
        "--freeze", action="store_true", help="gc.freeze() after start-up, as run.py serve does"
    )
    p.add_argument("--html", type=Path, help="write one pyinstrument HTML report per kind here")
    args = p.parse_args()
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    work = Path(tempfile.mkdtemp(prefix="ecabinet-profile-"))
    settings = Settings(data_dir=work / "var", database_url=args.db_url, secret_key=SECRET)
    settings.data_dir.mkdir(parents=True)
    if args.db_url:
        from bench.load import reset_postgres

        await reset_postgres(args.db_url)
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    names = await create_accounts(settings, args.accounts)
    app = create_app(settings)
    client = TestClient(TestServer(app))
    await client.start_server()
    statements = count_statements(app[services_key].db.engine.sync_engine)
    try:
        base = str(client.make_url("")).rstrip("/")
        meetings, documents = await build_meetings(client.session, base, names)
        resp = await client.post(
            "/api/auth/login", json={"username": names[1], "password": PASSWORD}
        )
        token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        m, d = meetings[0], documents[0]
        kinds = {
            "meetings": "/api/meetings",
            "meeting": f"/api/meetings/{m}",
            "agenda": f"/api/meetings/{m}/agenda",
            "documents": f"/api/meetings/{m}/documents",
            "content": f"/api/documents/{d}/content",
        }
        print(f"{MEETINGS} meetings, {len(documents)} documents, {len(names)} members each")
        if args.freeze:
            gc.collect()
            gc.freeze()
        pauses = GcPauses()
        cpu_of: dict[str, float] = {}
        calls_of: dict[str, float] = {}
        for kind, path in kinds.items():
            for _ in range(10):  # warm up
                await (await client.get(path, headers=headers)).read()
            statements.clear()
            profiler = Profiler(async_mode="disabled") if args.profile or args.html else None
            cpu0, t0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.start()
            for _ in range(args.requests):
                resp = await client.get(path, headers=headers)
                await resp.read()
                assert resp.status == 200, (path, resp.status)
            if profiler:
                profiler.stop()
            cpu = cpu_of[kind] = (time.process_time() - cpu0) / args.requests * 1000
            wall = (time.perf_counter() - t0) / args.requests * 1000
            per = len(statements) / args.requests
            # Function calls on the event loop's thread: deterministic, unlike CPU time on a
            # shared machine (the database driver's own thread is not counted).
            counting = cProfile.Profile()
            counting.enable()
            for _ in range(20):
                await (await client.get(path, headers=headers)).read()
            counting.disable()
            stats = pstats.Stats(counting)
            calls = calls_of[kind] = stats.total_calls / 20  # type: ignore[attr-defined]
            if kind == args.cprofile:
                stats.sort_stats("cumulative").print_stats(60)
            print(
                f"== {kind} {path}: {wall:.2f} ms wall, {cpu:.2f} ms CPU, "
                f"{per:.1f} SQL statements, {calls:.0f} Python calls per request"
            )
            for sql, n in Counter(statements).most_common(12 if args.profile else 0):
                print(f"   {n / args.requests:4.1f}x {sql[:150]}")
            if profiler and args.profile:
                print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])
            if profiler and args.html:
                args.html.mkdir(parents=True, exist_ok=True)
                (args.html / f"{kind}.html").write_text(profiler.output_html())
        weighted = sum(w * cpu_of[k] for w, k in MIX) / sum(w for w, _ in MIX)
        print(f"garbage collections: {pauses.summary()}; {gc.get_freeze_count()} frozen objects")
        backend = "postgresql" if args.db_url else "sqlite"
        calls = sum(w * calls_of[k] for w, k in MIX) / sum(w for w, _ in MIX)
        print(
            f"profile_reads {backend}: {weighted:.2f} ms CPU, {calls:.0f} Python calls per "
            f"request in the load mix (CPU {', '.join(f'{k} {v:.2f}' for k, v in cpu_of.items())}"
            f"; calls {', '.join(f'{k} {v:.0f}' for k, v in calls_of.items())}), "
            f"{args.requests} requests per kind, client in-process"
        )
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
