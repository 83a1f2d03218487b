"""The session page (console for the chair, panel for a member), positions by form, the attendance
report as page, CSV and PDF (with Vietnamese letters), and the ballot inbox and ballot page."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from aiohttp.test_utils import TestClient

from ecabinet.services import attendance

from .conftest import World, api_login, bearer
from .governance import make_session
from .test_meeting_pages import _csrf, browser_login


async def test_the_chair_sees_the_console_and_a_member_the_panel(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=2)
    await browser_login(client, "botruong")
    page = await client.get(f"/meetings/{s.meeting_id}/session")
    html = await page.text()
    assert page.status == 200
    assert "Bảng điều hành của chủ trì" in html and "Bắt đầu phiên họp" in html
    await client.post("/logout", data={"csrf_token": _csrf(html)})
    await browser_login(client, "daibieu")
    html = await (await client.get(f"/meetings/{s.meeting_id}/session")).text()
    assert "Bảng điều khiển của đại biểu" in html and "Bắt đầu phiên họp" not in html
    resp = await client.post(
        f"/meetings/{s.meeting_id}/positions/{s.items[0]}",
        data={"csrf_token": _csrf(html), "position": "wish_to_speak", "note": "Xin phát biểu"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"].endswith("notice=position_taken")
    html = await (await client.get(f"/meetings/{s.meeting_id}/session")).text()
    assert '<option value="wish_to_speak" selected>' in html


async def test_the_attendance_report_as_page_csv_and_pdf(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    await attendance.joined(world.svc, s.meeting_id, user_id=world["botruong"].id)
    await browser_login(client, "thuky")
    page = await client.get(f"/meetings/{s.meeting_id}/attendance")
    assert page.status == 200
    assert "Dự trực tuyến" in await page.text()
    csv = await client.get(f"/meetings/{s.meeting_id}/attendance.csv")
    text = (await csv.read()).decode("utf-8-sig")
    assert "Điểm cầu UBND tỉnh Nghệ An" in text and "Dự trực tuyến" in text
    pdf = await client.get(f"/meetings/{s.meeting_id}/attendance.pdf")
    body = await pdf.read()
    assert pdf.headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    (tmp_path / "a.pdf").write_bytes(body)
    run = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", str(tmp_path / "a.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    extracted = " ".join(run.stdout.split())  # table cells wrap
    assert "UBND tỉnh Nghệ An" in extracted and "Dự trực tuyến" in extracted
    assert "Phiên họp Chính phủ thường kỳ" in extracted


async def test_a_stranger_gets_no_attendance_report(client: TestClient, world: World) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    await world.add_user("nguoila", world["botruong"].role, world.province)
    await browser_login(client, "nguoila")
    for suffix in ("attendance", "attendance.csv", "attendance.pdf", "session"):
        assert (await client.get(f"/meetings/{s.meeting_id}/{suffix}")).status == 404


async def test_the_ballot_inbox_and_answering_from_the_page(
    client: TestClient, world: World
) -> None:
    await make_session(world, ["daibieu"], items=0)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post(
        "/api/ballots",
        json={
            "title": "Dự thảo Nghị quyết",
            "question": "Đồng chí có đồng ý?",
            "deadline": "2026-11-25T17:00:00+07:00",
            "recipients": ["daibieu"],
        },
        headers=secretary,
    )
    ballot_id = (await resp.json())["id"]
    await browser_login(client, "daibieu")
    html = await (await client.get("/ballots")).text()
    assert "Dự thảo Nghị quyết" in html and "Đang chờ đồng chí trả lời" in html
    html = await (await client.get(f"/ballots/{ballot_id}")).text()
    resp = await client.post(
        f"/ballots/{ballot_id}/answer",
        data={"csrf_token": _csrf(html), "answer": "other", "text": ""},
        allow_redirects=False,
    )
    assert resp.headers["Location"].endswith("notice=opinion_text_required")
    resp = await client.post(
        f"/ballots/{ballot_id}/answer",
        data={"csrf_token": _csrf(html), "answer": "disagree"},
        allow_redirects=False,
    )
    assert resp.headers["Location"].endswith("notice=answered")
    html = await (await client.get(f"/ballots/{ballot_id}")).text()
    assert 'value="disagree" required checked' in html
