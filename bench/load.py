"""Load benchmark: simulated users log in, then read meetings, agendas and documents at a fixed
request rate (open loop: a request is sent on schedule whether or not earlier ones are done, and
its latency counts from its scheduled time, so a slow server cannot hide its queueing).

    .venv/bin/python bench/load.py --db sqlite
    .venv/bin/python bench/load.py --db postgresql --database-url postgresql+asyncpg://postgres@127.0.0.1/ecab_bench
    options: --users 500 --accounts 100 --rate 200 --seconds 30 --workers 2 [--append]

It builds a fresh data dir (and empties the PostgreSQL database given), creates the accounts
(production Argon2 cost), 20 meetings with agendas and documents through the HTTP API of a real
``run.py serve`` child process, logs every simulated user in (each its own session), then runs the
read mix. Prints p50/p90/p99/max latency and errors (any status >= 400 or connection error) and,
with ``--append``, adds the result to bench/RESULTS.md with the machine and the date.

Meanwhile ``--endpoints`` (86) endpoints of a live meeting hold their signaling WebSockets open
(bench/endpoints.py: join tokens, pings answered, every room message read); a socket that closes
before the end counts as an error. The load average before and after is printed with the result.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import endpoints as live  # noqa: E402
from ecabinet.app import build_services  # noqa: E402
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.models import OrganizationLevel, Role  # noqa: E402
from ecabinet.schemas.directory import OrganizationIn, UserIn  # noqa: E402
from ecabinet.services import directory  # noqa: E402

SECRET = "bench-secret-kX3vQ9pL2mZ7rT4wY8bN6cF1hJ5dS0gA"  # noqa: S105 (a throwaway server)
PASSWORD = "mật khẩu đo tải 2026"  # noqa: S105 (throwaway accounts)
MEETINGS = 20
MIX = (  # (weight, kind)
    (25, "meetings"),
    (25, "meeting"),
    (20, "agenda"),
    (20, "documents"),
    (10, "content"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pdf_bytes(marker: str, pages: int = 4) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.drawString(72, 720, f"{marker} - page {n + 1}")
        c.drawString(72, 700, "x" * 80)
        c.showPage()
    c.save()
    return buf.getvalue()


async def reset_postgres(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        await conn.exec_driver_sql("CREATE SCHEMA public")
    await engine.dispose()


async def create_accounts(settings: Settings, accounts: int) -> list[str]:
    """The secretary ``thuky`` and ``accounts`` members (production Argon2 cost)."""
    svc = build_services(settings)
    try:
        gov = await directory.create_organization(
            svc,
            None,
            OrganizationIn(slug="vpcp", name="VPCP", level=OrganizationLevel.GOVERNMENT),
        )

        async def user(name: str, role: Role) -> None:
            await directory.create_user(
                svc,
                None,
                UserIn(
                    username=name,
                    full_name=name,
                    role=role,
                    organization_id=gov.id,
                    password=PASSWORD,
                ),
            )

        await user("thuky", Role.SECRETARY)
        names = [f"thanhvien{n:03d}" for n in range(accounts)]
        for name in names:
            await user(name, Role.MEMBER)
        return names
    finally:
        await svc.db.close()


async def login(http: aiohttp.ClientSession, base: str, username: str) -> str:
    async with http.post(
        f"{base}/api/auth/login", json={"username": username, "password": PASSWORD}
    ) as resp:
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"login {username}: {resp.status} {body}")
        return str(body["access_token"])


async def build_meetings(
    http: aiohttp.ClientSession, base: str, names: list[str]
) -> tuple[list[int], list[int]]:
    headers = {"Authorization": f"Bearer {await login(http, base, 'thuky')}"}
    meetings, documents = [], []
    for n in range(MEETINGS):
        day = 1 + n % 28
        body = {
            "title": f"Phiên họp thường kỳ số {n + 1}",
            "starts_at": f"2027-01-{day:02d}T{8 + n % 8:02d}:00:00+07:00",
            "ends_at": f"2027-01-{day:02d}T{8 + n % 8:02d}:45:00+07:00",
            "mode": "online",
            "room": f"Phòng {n}",
            "participants": [{"username": names[0], "role": "chair"}]
            + [{"username": u, "role": "member"} for u in names[1:]],
        }
        async with http.post(f"{base}/api/meetings", json=body, headers=headers) as resp:
            if resp.status != 201:
                raise RuntimeError(f"meeting: {resp.status} {await resp.text()}")
            meeting_id = (await resp.json())["id"]
        meetings.append(meeting_id)
        for item in range(5):
            async with http.post(
                f"{base}/api/meetings/{meeting_id}/agenda",
                json={"title": f"Nội dung {item + 1}", "planned_minutes": 15},
                headers=headers,
            ) as resp:
                if resp.status != 201:
                    raise RuntimeError(f"agenda item: {resp.status} {await resp.text()}")
        for d in range(3):
            form = aiohttp.FormData()
            form.add_field("title", f"Tài liệu {d + 1}")
            form.add_field(
                "file",
                pdf_bytes(f"Meeting {n} document {d}"),
                filename=f"tai-lieu-{d}.pdf",
                content_type="application/pdf",
            )
            url = f"{base}/api/meetings/{meeting_id}/documents"
            async with http.post(url, data=form, headers=headers) as resp:
                if resp.status != 201:
                    raise RuntimeError(f"document: {resp.status} {await resp.text()}")
                documents.append((await resp.json())["id"])
    return meetings, documents


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def read_load(
    base: str,
    tokens: list[str],
    meetings: list[int],
    documents: list[int],
    rate: float,
    seconds: float,
) -> Result:
    result = Result()
    kinds = [kind for weight, kind in MIX for _ in range(weight)]
    rng = random.Random(7)  # noqa: S311 (a reproducible mix, not security)
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(scheduled: float, token: str, kind: str) -> None:
            meeting = rng.choice(meetings)
            path = {
                "meetings": "/api/meetings",
                "meeting": f"/api/meetings/{meeting}",
                "agenda": f"/api/meetings/{meeting}/agenda",
                "documents": f"/api/meetings/{meeting}/documents",
                "content": f"/api/documents/{rng.choice(documents)}/content",
            }[kind]
            try:
                async with http.get(
                    base + path, headers={"Authorization": f"Bearer {token}"}
                ) as resp:
                    await resp.read()
                    if resp.status >= 400:
                        result.error(f"{kind} {resp.status}")
            except aiohttp.ClientError as exc:
                result.error(f"{kind} {type(exc).__name__}")
            result.latencies.append(time.perf_counter() - scheduled)

        tasks = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for n in range(total):
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            token = tokens[n % len(tokens)]
            tasks.append(asyncio.create_task(one(scheduled, token, rng.choice(kinds))))
        await asyncio.gather(*tasks)
    return result


def server_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment of a ``run.py serve`` child on ``port`` for this data dir and database
    (none of the caller's ECABINET_ settings leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")}
    env.update(
        ECABINET_DATA_DIR=str(settings.data_dir),
        ECABINET_DATABASE_URL=settings.database_url,
        ECABINET_SECRET_KEY=SECRET,
        ECABINET_PORT=str(port),
        ECABINET_LOG_FORMAT="json",
    )
    return env


def start_server(env: dict[str, str], workers: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("w") as log_file:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "run.py", "serve", "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def wait_ready(http: aiohttp.ClientSession, base: str, seconds: float = 60.0) -> None:
    """Until the server answers ``/readyz`` with 200 (database and bus reachable)."""
    for _ in range(int(seconds * 10)):
        try:
            async with http.get(f"{base}/readyz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} was not ready within {seconds:.0f} s")


def machine() -> str:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python {platform.python_version()}"  # noqa: E501


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--database-url", default="", help="PostgreSQL URL (emptied first)")
    p.add_argument("--users", type=int, default=500, help="simulated users (sessions)")
    p.add_argument("--accounts", type=int, default=100, help="accounts they log in as")
    p.add_argument("--rate", default="200", help="requests per second; several: 200,100")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--workers", type=int, default=1, help="run.py serve --workers")
    p.add_argument("--append", action="store_true", help="append the result to RESULTS.md")
    p.add_argument("--keep", action="store_true", help="keep the data dir and server log")
    p.add_argument("--endpoints", type=int, default=86, help="signaling sockets held open")
    p.add_argument("--redis-url", default="", help="ECABINET_REDIS_URL (needed with --workers > 1)")
    args = p.parse_args()
    rates = [float(r) for r in args.rate.split(",")]
    if args.db == "postgresql" and not args.database_url:
        p.error("--db postgresql needs --database-url")

    work = Path(tempfile.mkdtemp(prefix="ecabinet-bench-"))
    settings = Settings(
        data_dir=work / "var",
        database_url=args.database_url if args.db == "postgresql" else "",
        secret_key=SECRET,
    )
    settings.data_dir.mkdir(parents=True)
    if args.db == "postgresql":
        await reset_postgres(args.database_url)
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    t0 = time.perf_counter()
    names = await create_accounts(settings, args.accounts)
    endpoint_ids = await live.create_endpoints(settings, args.endpoints, PASSWORD)
    print(f"{len(names) + 1} accounts in {time.perf_counter() - t0:.1f} s", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(settings, port)
    if args.redis_url:
        env.update(ECABINET_REDIS_URL=args.redis_url, ECABINET_BUS_NAMESPACE=f"bench{port}:")
    log_path = work / "server.log"
    server = start_server(env, args.workers, log_path)
    held: live.Held | None = None
    sockets_http = aiohttp.ClientSession()
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base)
            meetings, documents = await build_meetings(http, base, names)
            print(f"{len(meetings)} meetings, {len(documents)} documents", flush=True)
            if endpoint_ids:
                secretary = {"Authorization": f"Bearer {await login(http, base, 'thuky')}"}
                live_id = await live.live_meeting(http, base, secretary, names[0], endpoint_ids)
                operator = await login(http, base, live.OPERATOR)
                held = await live.hold(sockets_http, base, operator, live_id, endpoint_ids)
                print(f"{len(held.sockets)} endpoints hold signaling sockets", flush=True)
            t0 = time.perf_counter()
            sem = asyncio.Semaphore(8)

            async def user_login(n: int) -> str:
                async with sem:
                    return await login(http, base, names[n % len(names)])

            tokens = await asyncio.gather(*(user_login(n) for n in range(args.users)))
            login_seconds = time.perf_counter() - t0
            print(f"{args.users} logins in {login_seconds:.1f} s", flush=True)
        results = []
        load_before = os.getloadavg()
        for rate in rates:
            result = await read_load(base, tokens, meetings, documents, rate, args.seconds)
            results.append((rate, result))
            await asyncio.sleep(2)  # let the queue drain between rates
        load_after = os.getloadavg()
        still_open = sum(1 for ws in held.sockets if not ws.closed) if held else 0
        dropped = list(held.dropped) if held else []
        if held:
            await live.release(held)
    finally:
        await sockets_http.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    errors = len(dropped)
    sockets = (
        f"{still_open}/{args.endpoints} signaling sockets open to the end"
        + (f" ({len(dropped)} dropped: {dropped[:3]})" if dropped else "")
        + f", {held.messages if held else 0} room messages read"
    )
    load = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    print(f"{sockets}; {load}", flush=True)
    for rate, result in results:
        lat = [x * 1000 for x in result.latencies]
        errors += sum(result.errors.values())
        summary = (
            f"{args.db}, {args.workers} worker(s): {len(lat)} requests at {rate:g}/s for "
            f"{args.seconds:g} s by {args.users} users: p50 {percentile(lat, 50):.1f} ms, "
            f"p90 {percentile(lat, 90):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
            f"max {max(lat):.1f} ms, mean {statistics.fmean(lat):.1f} ms; "
            f"errors {sum(result.errors.values())}" + (f" {result.errors}" if result.errors else "")
        )
        print(summary, flush=True)
        if args.append:
            when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            line = (
                f"- {when}, {machine()}: {summary}. Logins ({args.users}, production Argon2) "
                f"{login_seconds:.1f} s. Mix: list 25%, meeting 25%, agenda 20%, documents 20%, "
                f"PDF download 10%; {MEETINGS} meetings x 5 items x 3 documents, "
                f"{args.accounts} members in every meeting. {sockets}; {load}. "
                "Load generator on the same machine.\n"
            )
            path = ROOT / "bench" / "RESULTS.md"
            text = path.read_text(encoding="utf-8")
            heading = "\n## Load (bench/load.py)\n\n"
            if heading not in text:
                text = text.rstrip("\n") + "\n" + heading
            path.write_text(text + line, encoding="utf-8")
    print(f"({args.users} logins took {login_seconds:.1f} s; server log {log_path})")
    if errors == 0 and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
