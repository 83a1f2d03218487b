"""Server CPU per request of bench/load.py's read mix, measured on a real ``run.py serve``.

    .venv/bin/python bench/server_cpu.py [--requests 400] [--workers 1] [--db-url URL]

Same data as bench/load.py (20 meetings x 5 items x 3 PDFs, ``--accounts`` members in every
meeting) but cheap Argon2 hashes (the logins are not measured) and no signaling sockets. For each
request kind it sends ``--requests`` requests over HTTP from this process (``--concurrency`` at a
time, keep-alive) and reads the CPU time (user + system, /proc/PID/stat) of the server processes
(with PostgreSQL also of its backends serving the database) before and after: the server's own
cost per request, with HTTP parsing, middlewares, logging (JSON access lines to a file) and the
database, but without the load generator, whose CPU per request is printed too. The last line
is the summary, weighted by bench/load.py's mix.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.load import (  # noqa: E402
    MIX,
    SECRET,
    build_meetings,
    create_accounts,
    free_port,
    login,
    reset_postgres,
    server_env,
    start_server,
    wait_ready,
)
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.services import passwords  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def backends(database: str) -> list[int]:
    """PostgreSQL's backend processes serving ``database`` (their title names it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    title = fh.read().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry))
    return found


def tree(root: int) -> list[int]:
    """The server process and its workers (children, spawned)."""
    out = subprocess.run(  # noqa: S603
        ["/usr/bin/pgrep", "-P", str(root)], capture_output=True, text=True, check=False
    ).stdout
    return [root] + [int(p) for p in out.split()]


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db-url", default="", help="PostgreSQL URL (emptied first); SQLite if empty")
    p.add_argument("--requests", type=int, default=400, help="per kind")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--accounts", type=int, default=100)
    args = p.parse_args()
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    work = Path(tempfile.mkdtemp(prefix="ecabinet-servecpu-"))
    settings = Settings(data_dir=work / "var", database_url=args.db_url, secret_key=SECRET)
    settings.data_dir.mkdir(parents=True)
    if args.db_url:
        await reset_postgres(args.db_url)
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    names = await create_accounts(settings, args.accounts)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(server_env(settings, port), args.workers, work / "server.log")
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            await wait_ready(http, base)
            meetings, documents = await build_meetings(http, base, names)
            tokens = [await login(http, base, name) for name in names[1:9]]
            await asyncio.sleep(1)
            pids = tree(server.pid)
            database = make_url(args.db_url).database if args.db_url else None
            paths = {
                "meetings": lambda n: "/api/meetings",
                "meeting": lambda n: f"/api/meetings/{meetings[n % len(meetings)]}",
                "agenda": lambda n: f"/api/meetings/{meetings[n % len(meetings)]}/agenda",
                "documents": lambda n: f"/api/meetings/{meetings[n % len(meetings)]}/documents",
                "content": lambda n: f"/api/documents/{documents[n % len(documents)]}/content",
            }
            server_ms: dict[str, float] = {}
            client_ms: dict[str, float] = {}
            for kind, path in paths.items():

                async def run(first: int, count: int, path=path, kind=kind) -> None:
                    for n in range(first, first + count):
                        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
                        async with http.get(base + path(n), headers=headers) as resp:
                            await resp.read()
                            if resp.status != 200:
                                raise RuntimeError(f"{kind}: {resp.status}")

                await run(0, 20)  # warm up
                per = args.requests // args.concurrency
                db_pids = backends(database) if database else []
                s0, c0 = cpu_seconds(pids + db_pids), time.process_time()
                await asyncio.gather(*(run(i * per, per) for i in range(args.concurrency)))
                done = per * args.concurrency
                server_ms[kind] = (cpu_seconds(pids + db_pids) - s0) / done * 1000
                client_ms[kind] = (time.process_time() - c0) / done * 1000
                print(
                    f"== {kind}: server {server_ms[kind]:.2f} ms CPU, "
                    f"client {client_ms[kind]:.2f} ms CPU per request",
                    flush=True,
                )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    def weighted(values: dict[str, float]) -> float:
        return sum(w * values[k] for w, k in MIX) / sum(w for w, _ in MIX)

    backend = "postgresql" if args.db_url else "sqlite"
    print(
        f"server_cpu {backend}, {args.workers} worker(s): {weighted(server_ms):.2f} ms server CPU "
        f"per request in the load mix ("
        + ", ".join(f"{k} {v:.2f}" for k, v in server_ms.items())
        + f"); load generator {weighted(client_ms):.2f} ms; {args.requests} requests per kind"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
