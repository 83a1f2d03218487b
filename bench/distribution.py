"""Benchmark: 100 concurrent clients download a 100 MB document through the app.

Usage:
    .venv/bin/python bench/distribution.py [--clients 100] [--size-mb 100] [--rounds 2]

Starts the real app (SQLite in a temporary data dir) in a child process on a loopback port,
with one extra route, ``/bench/plain``, that serves the same stored file with a bare
``web.FileResponse`` — the baseline, measured in the same run and the same process. It then
uploads a generated 100 MB PDF through the multipart API (streamed), and alternates rounds of
``--clients`` concurrent downloads of the whole file through the baseline and through
``/api/documents/{id}/content`` (authenticated, access-checked, receipt written, audited).
The server's RSS is sampled from /proc every 20 ms; its peak (VmHWM) is read at the end.

Prints a summary and appends it to bench/RESULTS.md. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 123"  # noqa: S105
SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105


# ------------------------------------------------------------------ server (child process)


def serve(data_dir: Path, port: int) -> None:
    from aiohttp import web

    from ecabinet.app import create_app
    from ecabinet.config import Settings
    from ecabinet.web.appkeys import services_key

    url = f"sqlite+aiosqlite:///{data_dir / 'ecabinet.db'}"
    # Migrate in a separate process, as `run.py migrate` does in production, so the server's
    # peak memory is the server's.
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"from ecabinet.migrate import upgrade; upgrade({url!r})"],
        cwd=ROOT,
        check=True,
    )
    settings = Settings(
        data_dir=data_dir, database_url=url, secret_key=SECRET, max_upload_bytes=300 << 20
    )
    app = create_app(settings)

    async def plain(request: web.Request) -> web.StreamResponse:
        sha = request.match_info["sha"]
        return web.FileResponse(app[services_key].files.blobs.path_of(sha))

    app.router.add_get("/bench/plain/{sha}", plain)
    app.on_startup.append(_seed)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def _seed(app: object) -> None:
    from ecabinet.models import Language, OrganizationLevel, Role
    from ecabinet.schemas.directory import OrganizationIn, UserIn
    from ecabinet.services import directory
    from ecabinet.web.appkeys import services_key

    svc = app[services_key]  # type: ignore[index]
    org = await directory.create_organization(
        svc, None, OrganizationIn(slug="vpcp", name="VPCP", level=OrganizationLevel.GOVERNMENT)
    )
    for username, role in (("thuky", Role.SECRETARY), ("daibieu", Role.DELEGATE)):
        await directory.create_user(
            svc,
            None,
            UserIn(
                username=username,
                full_name=username.title(),
                role=role,
                organization_id=org.id,
                password=PASSWORD,
                language=Language.VI,
            ),
        )


# ------------------------------------------------------------------ client (this process)


def big_pdf(path: Path, size: int) -> None:
    """A valid PDF of about ``size`` bytes: one page plus an incompressible embedded stream."""
    import pikepdf

    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        blob = pdf.make_stream(os.urandom(size))
        pdf.Root.BenchPayload = blob
        pdf.save(path, compress_streams=False)


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def sample_rss(pid: int, stop: asyncio.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_kb(pid))
        await asyncio.sleep(0.02)


async def download_all(base: str, url: str, headers: dict[str, str], clients: int) -> float:
    import aiohttp

    async def one(session: aiohttp.ClientSession) -> int:
        got = 0
        async with session.get(url, headers=headers) as resp:
            assert resp.status == 200, resp.status
            async for chunk in resp.content.iter_chunked(1 << 20):
                got += len(chunk)
        return got

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, connector=connector) as session:
        started = time.perf_counter()
        sizes = await asyncio.gather(*(one(session) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return sum(sizes) / elapsed / 1e6


async def run_client(base: str, pid: int, args: argparse.Namespace, pdf: Path) -> list[str]:
    import aiohttp

    async with aiohttp.ClientSession(base) as http:
        for _ in range(100):
            try:
                async with http.get("/healthz") as resp:
                    if resp.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)

        async def token(username: str) -> dict[str, str]:
            resp = await http.post(
                "/api/auth/login", json={"username": username, "password": PASSWORD}
            )
            return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}

        secretary, member = await token("thuky"), await token("daibieu")
        resp = await http.post(
            "/api/meetings",
            headers=secretary,
            json={
                "title": "Benchmark",
                "starts_at": "2030-12-03T09:00:00+07:00",
                "ends_at": "2030-12-03T11:00:00+07:00",
                "mode": "online",
                "participants": [{"username": "daibieu", "role": "member"}],
            },
        )
        meeting = (await resp.json())["id"]
        idle_rss = rss_kb(pid)
        peak = [0]
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pid, stop, peak))
        form = aiohttp.FormData()
        with pdf.open("rb") as fh:
            form.add_field("file", fh, filename="bench.pdf", content_type="application/pdf")
            form.add_field("classification", "internal")
            started = time.perf_counter()
            resp = await http.post(
                f"/api/meetings/{meeting}/documents", data=form, headers=secretary
            )
            upload_s = time.perf_counter() - started
        created = await resp.json()
        assert resp.status == 201, created
        upload_peak = peak[0]
        app_url = f"/api/documents/{created['id']}/content"
        plain_url = f"/bench/plain/{created['sha256']}"
        results: dict[str, list[float]] = {"plain": [], "app": []}
        await download_all(base, plain_url, {}, 4)  # warm the page cache
        for _ in range(args.rounds):
            results["plain"].append(await download_all(base, plain_url, {}, args.clients))
            results["app"].append(await download_all(base, app_url, member, args.clients))
        # A confidential copy: the member's watermarked copy is made once (in a child process),
        # then served like any file.
        form = aiohttp.FormData()
        with pdf.open("rb") as fh:
            form.add_field("file", fh, filename="mat.pdf", content_type="application/pdf")
            form.add_field("classification", "confidential")
            resp = await http.post(
                f"/api/meetings/{meeting}/documents", data=form, headers=secretary
            )
        secret = await resp.json()
        secret_url = f"/api/documents/{secret['id']}/content"
        started = time.perf_counter()
        async with http.get(secret_url, headers=member) as resp:
            assert resp.status == 200
            await resp.read()
        first_open_s = time.perf_counter() - started
        marked = await download_all(base, secret_url, member, args.clients)
        stop.set()
        await sampler
        hwm = rss_kb(pid, "VmHWM")

    plain, app = max(results["plain"]), max(results["app"])
    size_mb = created["size"] / 1e6
    return [
        f"confidential {size_mb:.0f} MB document: first open (watermark stamped on every page in "
        f"a child process) {first_open_s:.1f} s; then {args.clients} clients read the cached "
        f"copy at {marked:,.0f} MB/s",
        f"{args.clients} clients × {size_mb:.0f} MB document (internal, served by sendfile): "
        f"app {app:,.0f} MB/s vs plain FileResponse {plain:,.0f} MB/s → ratio {app / plain:.2f} "
        f"(goal ≥ 0.8; best of {args.rounds} alternating rounds; all rounds app "
        f"{', '.join(f'{v:,.0f}' for v in results['app'])}, plain "
        f"{', '.join(f'{v:,.0f}' for v in results['plain'])})",
        f"server RSS: idle {idle_rss / 1024:.0f} MB, peak while uploading {size_mb:.0f} MB "
        f"{upload_peak / 1024:.0f} MB (upload {upload_s:.1f} s), peak during downloads and "
        "watermarking "
        f"{peak[0] / 1024:.0f} MB (goal: flat, < 200 MB); VmHWM {hwm / 1024:.0f} MB, reached "
        "at start-up/login by argon2 password hashing (64 MiB per hash), not by documents",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--serve", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.port)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "bench.pdf"
        big_pdf(pdf, args.size_mb * 1_000_000)
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--serve", str(Path(tmp) / "var"), "--port", str(args.port)],
            cwd=ROOT,
        )
        try:
            lines = asyncio.run(run_client(f"http://127.0.0.1:{args.port}", server.pid, args, pdf))
        finally:
            server.terminate()
            server.wait(timeout=30)
    for line in lines:
        print(line)
    if not args.no_record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        machine = (
            f"{platform.node()} · {platform.machine()} · {os.cpu_count()} CPU cores · "
            f"Python {platform.python_version()} · {platform.platform()}"
        )
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## distribution.py — {stamp}\n\nMachine: {machine}\n\n")
            fh.writelines(f"- {line}\n" for line in lines)


if __name__ == "__main__":
    main()
