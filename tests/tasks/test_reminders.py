"""Reminders before a task's deadline, queued by the app's mail loop on the frozen clock and
delivered to a real SMTP server (aiosmtpd): each once, none for a finished task, none that was
already due when the task was given."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from ecabinet.app import create_app
from ecabinet.clock import FrozenClock
from ecabinet.models import AuditEvent
from ecabinet.schemas.tasks import ProgressIn
from ecabinet.services import task_reminders, tasks

from ..conftest import World
from ..governance import actor
from ..scheduling import outbox
from ..test_meeting_mail import SmtpServer, settle
from .helpers import ended_meeting, grow, plan, publish_with_tasks


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(settings, clock, smtp) -> web.Application:
    return create_app(
        replace(
            settings,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            mail_from="nhiem-vu@chinhphu.vn",
            outbox_poll_seconds=0.02,
            task_reminder_days=(7, 1),
        ),
        clock=clock,
    )


async def reminders_queued(world: World, expected: int) -> list:
    """Wait (bounded) until the loop has queued ``expected`` task reminders in all."""
    for _ in range(400):
        rows = [m for m in await outbox(world) if m.purpose == "task_reminder"]
        if len(rows) >= expected:
            return rows
        await asyncio.sleep(0.025)
    return rows


def reminders(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    return Counter(
        (m["To"].addresses[0].username, m.get_content().split("Due: ")[1].split(" (")[0])
        for m in smtp.inbox.messages
        if str(m["Subject"]).startswith("Nhắc hạn nhiệm vụ")
    )


async def test_each_reminder_arrives_once(
    client: TestClient, world: World, smtp: SmtpServer, clock: FrozenClock
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    t0 = clock.now()
    notice = await publish_with_tasks(
        world,
        s,
        [
            [
                plan("Mười ngày", orgs.ministry, t0 + timedelta(days=10)),
                plan("Ba ngày", orgs.province2, t0 + timedelta(days=3)),
                plan("Xong sớm", orgs.ministry, t0 + timedelta(days=10)),
            ]
        ],
    )
    ten, three, early = (t.id for t in notice.conclusions[0].tasks)
    await tasks.report_progress(
        world.svc, actor(world, "botruong"), early, ProgressIn(percent=100, done=True)
    )
    await settle(world, smtp, clock)
    assert reminders(smtp) == Counter()

    clock.advance(days=2, hours=1)  # 1 day before "Ba ngày"; its 7-day point was before it began
    await reminders_queued(world, 1)
    await settle(world, smtp, clock)
    assert reminders(smtp) == Counter({("hatinh", "09:00 26/11/2026"): 1})

    clock.advance(days=1)  # 7 days before "Mười ngày"; "Ba ngày" has passed its deadline
    await reminders_queued(world, 3)
    clock.advance(days=2)  # still inside the 7-day window: nothing new
    await asyncio.sleep(0.3)
    await settle(world, smtp, clock)
    assert reminders(smtp) == Counter(
        {
            ("hatinh", "09:00 26/11/2026"): 1,
            ("botruong", "09:00 03/12/2026"): 1,
            ("daibieu", "09:00 03/12/2026"): 1,
        }
    )

    clock.advance(days=4)  # 1 day before "Mười ngày"
    await reminders_queued(world, 5)
    clock.advance(hours=6)
    await asyncio.sleep(0.3)
    await settle(world, smtp, clock)
    assert reminders(smtp) == Counter(
        {
            ("hatinh", "09:00 26/11/2026"): 1,
            ("botruong", "09:00 03/12/2026"): 2,  # 7 days and 1 day before
            ("daibieu", "09:00 03/12/2026"): 2,
        }
    )
    keys = sorted(
        m.dedupe_key.split(":")[3] for m in await outbox(world) if m.purpose == "task_reminder"
    )
    assert keys == ["1d", "1d", "1d", "7d", "7d"]
    assert await task_reminders.queue_due(world.svc) == 0
    async with world.svc.db.reading() as db:
        audited = (
            await db.execute(
                select(AuditEvent.subject_id, AuditEvent.data).where(
                    AuditEvent.action == "task.reminded"
                )
            )
        ).all()
    assert sorted((int(i), d["days"], len(d["users"])) for i, d in audited) == sorted(
        [(three, 1, 1), (ten, 7, 2), (ten, 1, 2)]
    )


def test_reminder_days_and_attachment_size_come_from_the_environment() -> None:
    from ecabinet.config import Settings, SettingsError

    defaults = Settings.from_env({})
    assert (defaults.task_reminder_days, defaults.max_attachment_bytes) == ((7, 1), 20 << 20)
    chosen = Settings.from_env(
        {"ECABINET_TASK_REMINDER_DAYS": "1, 14,3", "ECABINET_MAX_ATTACHMENT_MB": "5"}
    )
    assert (chosen.task_reminder_days, chosen.max_attachment_bytes) == ((14, 3, 1), 5 << 20)
    for bad in ("0", "seven", "1,-2", "400"):
        with pytest.raises(SettingsError, match="ECABINET_TASK_REMINDER_DAYS"):
            Settings.from_env({"ECABINET_TASK_REMINDER_DAYS": bad})
