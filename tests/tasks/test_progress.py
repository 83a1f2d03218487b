"""Progress on a task: reported by the assignee organization with text, percentage and an
attachment (checked by size and by content), overdue derived from the clock, done late recorded,
every change audited."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from PIL import Image
from sqlalchemy import select

from ecabinet.app import create_app
from ecabinet.clock import FrozenClock
from ecabinet.models import AuditEvent
from ecabinet.services import audit

from ..conftest import World, api_login, bearer
from ..documents.pdfs import encrypted_pdf, make_pdf, zip_renamed
from .helpers import ended_meeting, grow, plan, publish_with_tasks

LIMIT = 64 * 1024


@pytest.fixture
def app(settings, clock) -> web.Application:
    return create_app(replace(settings, max_attachment_bytes=LIMIT), clock=clock)


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def form(data: bytes, filename: str, percent: str = "40", **fields: str) -> FormData:
    body = FormData()
    body.add_field("note", fields.get("note", "Đã hoàn thành dự thảo lần 1"))
    body.add_field("percent", percent)
    for name, value in fields.items():
        if name != "note":
            body.add_field(name, value)
    body.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return body


async def one_task(world: World, clock: FrozenClock, days: float = 10) -> int:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    notice = await publish_with_tasks(
        world, s, [[plan("Hoàn thiện dự thảo", orgs.ministry, clock.now() + timedelta(days=days))]]
    )
    return notice.conclusions[0].tasks[0].id


async def test_assignee_reports_progress_with_a_picture_and_a_pdf(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    task_id = await one_task(world, clock)
    member = bearer(await api_login(client, "botruong"))  # Bộ Y tế, the assignee
    resp = await client.post(
        f"/api/tasks/{task_id}/progress", data=form(png(), "anh-chup.png"), headers=member
    )
    assert resp.status == 201, await resp.text()
    task = await resp.json()
    assert (task["status"], task["state"], task["percent"]) == ("in_progress", "in_progress", 40)
    [report] = task["progress"]
    assert report["note"] == "Đã hoàn thành dự thảo lần 1"
    [picture] = report["attachments"]
    assert (picture["filename"], picture["content_type"]) == ("anh-chup.png", "image/png")
    pdf = make_pdf("Báo cáo tiến độ", pages=1)
    resp = await client.post(
        f"/api/tasks/{task_id}/progress",
        data=form(pdf, "bao-cao.docx", percent="70"),  # the name lies; the bytes decide
        headers=member,
    )
    task = await resp.json()
    document = task["progress"][1]["attachments"][0]
    assert (document["filename"], document["content_type"]) == ("bao-cao.pdf", "application/pdf")
    resp = await client.get(f"/api/tasks/{task_id}/attachments/{document['id']}", headers=member)
    assert resp.status == 200 and await resp.read() == pdf
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    resp = await client.post(
        f"/api/tasks/{task_id}/progress", json={"note": "Bổ sung", "percent": 80}, headers=member
    )
    assert resp.status == 201 and (await resp.json())["percent"] == 80


@pytest.mark.parametrize(
    ("data", "filename", "status", "code"),
    [
        (b"Just some text, not a document.\n" * 10, "notes.pdf", 415, "attachment_type"),
        (zip_renamed(), "archive.pdf", 415, "attachment_type"),
        (encrypted_pdf(), "secret.pdf", 422, "pdf_encrypted"),
        (b"%PDF-1.7\n" + b"x" * (LIMIT + 10), "huge.pdf", 413, "file_too_large"),
    ],
)
async def test_attachments_are_refused_by_content_and_size_and_leave_nothing(
    client: TestClient,
    world: World,
    clock: FrozenClock,
    data: bytes,
    filename: str,
    status: int,
    code: str,
) -> None:
    task_id = await one_task(world, clock)
    member = bearer(await api_login(client, "botruong"))
    resp = await client.post(
        f"/api/tasks/{task_id}/progress", data=form(data, filename), headers=member
    )
    assert resp.status == status, await resp.text()
    assert (await resp.json())["error"]["code"] == code
    task = await (await client.get(f"/api/tasks/{task_id}", headers=member)).json()
    assert task["progress"] == [] and task["status"] == "assigned"
    blobs = world.svc.files.blobs
    assert not list(blobs.staging_dir.glob("*.part"))
    stored = [p for p in blobs.blobs.rglob("*") if p.is_file()]
    assert len(stored) == 1  # only the notice's PDF


async def test_overdue_is_derived_from_the_clock_and_done_late_is_recorded(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    task_id = await one_task(world, clock, days=3)
    member = bearer(await api_login(client, "botruong"))
    state = (await (await client.get(f"/api/tasks/{task_id}", headers=member)).json())["state"]
    assert state == "assigned"
    clock.advance(days=3)  # exactly the deadline: not overdue yet
    member = bearer(await api_login(client, "botruong"))
    task = await (await client.get(f"/api/tasks/{task_id}", headers=member)).json()
    assert (task["state"], task["overdue"]) == ("assigned", False)
    clock.advance(seconds=1)
    task = await (await client.get(f"/api/tasks/{task_id}", headers=member)).json()
    assert (task["status"], task["state"], task["overdue"]) == ("assigned", "overdue", True)
    listed = await (await client.get("/api/tasks?status=overdue", headers=member)).json()
    assert [t["id"] for t in listed["items"]] == [task_id]
    resp = await client.post(
        f"/api/tasks/{task_id}/progress",
        json={"note": "Đã xong", "percent": 90, "done": True},
        headers=member,
    )
    done = await resp.json()
    assert (done["status"], done["state"], done["done_late"], done["percent"]) == (
        "done",
        "done_late",
        True,
        100,
    )
    resp = await client.post(
        f"/api/tasks/{task_id}/progress", json={"percent": 100}, headers=member
    )
    assert (await resp.json())["error"]["code"] == "task_done"


async def test_done_by_the_deadline_is_on_time_and_every_change_is_audited(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    task_id = await one_task(world, clock, days=3)
    member = bearer(await api_login(client, "botruong"))
    await client.post(f"/api/tasks/{task_id}/progress", json={"percent": 50}, headers=member)
    resp = await client.post(
        f"/api/tasks/{task_id}/progress", json={"percent": 50, "done": True}, headers=member
    )
    done = await resp.json()
    assert (done["state"], done["done_late"]) == ("done", False)
    async with world.svc.db.reading() as db:
        entries = list(
            await db.scalars(
                select(AuditEvent).where(AuditEvent.subject_type == "task").order_by(AuditEvent.seq)
            )
        )
        report = await audit.verify_chain(db)
    assert [(e.action, e.data.get("status"), e.data.get("done_late")) for e in entries] == [
        ("task.progress", "in_progress", None),
        ("task.progress", "done", False),
    ]
    assert {e.meeting_id for e in entries} == {done["meeting_id"]}
    assert report.intact
