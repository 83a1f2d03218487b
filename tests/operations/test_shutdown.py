"""A real server process stopped with SIGTERM while a mail is being delivered and clients keep
asking: the mail is delivered exactly once (also across a restart), no request gets a 5xx, and
the process exits 0. ``serve --workers 2`` runs two processes on one port and restarts one that
dies. Plain SQLite file (the subprocess is the subject here, not the database)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ecabinet.app import build_services
from ecabinet.config import Settings
from ecabinet.migrate import upgrade
from ecabinet.models import OrganizationLevel, OutboxMail, OutboxStatus, Role
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory
from tests.conftest import PASSWORD, TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SlowInbox:
    """An SMTP server that holds each DATA until ``release`` is set."""

    received: list[bytes] = field(default_factory=list)
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        self.entered.set()
        await asyncio.to_thread(self.release.wait, 60)
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[SlowInbox, int]]:
    handler = SlowInbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.release.set()
    controller.stop()


async def prepare_data_dir(data_dir: Path) -> Settings:
    settings = Settings(data_dir=data_dir, secret_key=TEST_SECRET)
    await asyncio.to_thread(data_dir.mkdir, parents=True)
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    svc = build_services(settings)
    try:
        org = await directory.create_organization(
            svc,
            None,
            OrganizationIn(slug="vpcp", name="VPCP", level=OrganizationLevel.GOVERNMENT),
        )
        await directory.create_user(
            svc,
            None,
            UserIn(
                username="thuky",
                full_name="Thư ký",
                role=Role.SECRETARY,
                organization_id=org.id,
                password=PASSWORD,
            ),
        )
        now = datetime.now(UTC)
        async with svc.db.transaction() as session:
            session.add(
                OutboxMail(
                    to_address="botruong@example.gov.vn",
                    subject="Giấy mời họp",
                    text_body="Kính mời đồng chí dự phiên họp.",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    finally:
        await svc.db.close()
    return settings


async def outbox_rows(settings: Settings) -> list[tuple[OutboxStatus, int]]:
    svc = build_services(settings)
    try:
        async with svc.db.reading() as session:
            rows = await session.scalars(select(OutboxMail))
            return [(m.status, m.attempts) for m in rows]
    finally:
        await svc.db.close()


def start_server(data_dir: Path, port: int, smtp_port: int, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")}
    env.update(
        ECABINET_DATA_DIR=str(data_dir),
        ECABINET_PORT=str(port),
        ECABINET_SECRET_KEY=TEST_SECRET,
        ECABINET_SMTP_HOST="127.0.0.1",
        ECABINET_SMTP_PORT=str(smtp_port),
        ECABINET_LOG_FORMAT="json",
    )
    return subprocess.Popen(
        [sys.executable, "run.py", "serve", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so that a failed test can stop the workers too
    )


def stop_all(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


async def eventually(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` (about another process) until it holds or START_TIMEOUT passes."""
    deadline = time.monotonic() + START_TIMEOUT
    for _ in itertools.count():
        if condition():
            return True
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    return False


async def wait_ready(http: aiohttp.ClientSession, base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{base}/readyz") as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise AssertionError("the server did not become ready")


async def keep_asking(http: aiohttp.ClientSession, base: str, token: str, statuses: list[int]):
    """Clients that keep reading until the server is gone; connection errors are expected once
    it stops listening, a 5xx never is."""
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        try:
            async with http.get(f"{base}/api/me", headers=headers) as resp:
                await resp.read()
                statuses.append(resp.status)
        except aiohttp.ClientError:
            statuses.append(0)
        await asyncio.sleep(0.01)


async def test_sigterm_finishes_the_mail_in_flight_and_no_request_fails(tmp_path, inbox):
    handler, smtp_port = inbox
    settings = await prepare_data_dir(tmp_path / "var")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(settings.data_dir, port, smtp_port)
    statuses: list[int] = []
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base, process)
            async with http.post(
                f"{base}/api/auth/login", json={"username": "thuky", "password": PASSWORD}
            ) as resp:
                token = (await resp.json())["access_token"]
            clients = [
                asyncio.create_task(keep_asking(http, base, token, statuses)) for _ in range(4)
            ]
            # The mail is being sent right now, and clients are being served.
            assert await eventually(lambda: handler.entered.is_set() and len(statuses) >= 20)
            served_before = len(statuses)
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            assert process.poll() is None  # still finishing the mail
            handler.release.set()
            exit_code = await asyncio.to_thread(process.wait, 30)
            for client in clients:
                client.cancel()
        _, stderr = process.communicate()
    finally:
        stop_all(process)
    assert exit_code == 0, stderr
    assert served_before > 0
    assert 200 in statuses and not [s for s in statuses if s >= 500]
    assert len(handler.received) == 1
    assert await outbox_rows(settings) == [(OutboxStatus.SENT, 1)]
    assert "shutting down" in stderr

    # Started again, the server does not send the mail a second time.
    process = start_server(settings.data_dir, port, smtp_port)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base, process)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        stop_all(process)
    assert len(handler.received) == 1
    assert await outbox_rows(settings) == [(OutboxStatus.SENT, 1)]


def children_of(pid: int) -> set[int]:
    """The worker processes of the supervisor ``pid`` (not multiprocessing's resource tracker)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    found.add(int(child))
    return found


async def test_two_workers_share_one_port_and_a_dead_one_is_replaced(tmp_path, inbox):
    _, smtp_port = inbox
    settings = await prepare_data_dir(tmp_path / "var")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(settings.data_dir, port, smtp_port, "--workers", "2")
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base, process)
            assert await eventually(lambda: len(children_of(process.pid)) == 2)
            victim = min(children_of(process.pid))
            os.kill(victim, signal.SIGKILL)

            def replaced() -> bool:
                now = children_of(process.pid)
                return len(now) == 2 and victim not in now

            assert await eventually(replaced)
            await wait_ready(http, base, process)
            for _ in range(20):
                async with aiohttp.ClientSession() as fresh, fresh.get(f"{base}/healthz") as r:
                    assert r.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 40) == 0
    finally:
        stop_all(process)
