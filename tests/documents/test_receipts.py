"""Distribution receipts: delivered on upload, opened only when a member opens; reminders."""

from __future__ import annotations

import aiohttp
import pytest

from ..scheduling import outbox
from .helpers import Setup, setup_meetings
from .pdfs import make_pdf


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def receipts(s: Setup, document: int) -> dict[str, dict]:
    resp = await s.client.get(f"/api/documents/{document}/receipts", headers=s.h("thuky"))
    assert resp.status == 200, await resp.text()
    return {r["full_name"]: r for r in (await resp.json())["receipts"]}


async def test_receipts_change_when_a_member_opens_a_document_and_only_then(s):
    document = await s.document(s.meeting_a)
    before = await receipts(s, document)
    assert set(before) == {"Botruong", "Daibieu"}
    assert all(r["delivered_at"] and r["first_opened_at"] is None for r in before.values())
    # Listing, reading metadata, a HEAD-like later Range piece, the secretary's own look,
    # the dashboard and a board-book status do not count as opening.
    h = s.h("daibieu")
    await s.client.get(f"/api/meetings/{s.meeting_a}/documents", headers=h)
    await s.client.get(f"/api/documents/{document}", headers=h)
    await s.client.get(f"/api/documents/{document}/content", headers={**h, "Range": "bytes=50-"})
    await s.client.get(f"/api/documents/{document}/content", headers=s.h("thuky"))
    await s.client.get(f"/api/meetings/{s.meeting_a}/distribution", headers=s.h("thuky"))
    await s.client.get(f"/api/meetings/{s.meeting_a}/board-book", headers=h)
    assert await receipts(s, document) == before
    s.world.svc.clock.advance(minutes=5)
    resp = await s.client.get(f"/api/documents/{document}/content", headers=h)
    assert resp.status == 200
    after = await receipts(s, document)
    assert after["Botruong"] == before["Botruong"]
    opened = after["Daibieu"]
    assert opened["first_opened_at"] == opened["last_opened_at"]
    assert opened["first_opened_at"].startswith("2026-11-23T02:05")
    assert opened["open_count"] == 1 and opened["state"] == "read"
    s.world.svc.clock.advance(minutes=5)
    await s.client.get(f"/api/documents/{document}/content", headers=h)
    again = (await receipts(s, document))["Daibieu"]
    assert again["first_opened_at"] == opened["first_opened_at"]
    assert again["last_opened_at"].startswith("2026-11-23T02:10")
    assert again["open_count"] == 2


async def test_a_new_version_shows_who_has_only_read_the_old_one(s):
    document = await s.document(s.meeting_a)
    await s.client.get(f"/api/documents/{document}/content", headers=s.h("daibieu"))
    form = aiohttp.FormData()
    form.add_field("file", make_pdf("v2"), filename="v2.pdf")
    await s.client.post(f"/api/documents/{document}/versions", data=form, headers=s.h("thuky"))
    states = {name: r["state"] for name, r in (await receipts(s, document)).items()}
    assert states == {"Daibieu": "read_old_version", "Botruong": "unread"}


async def test_dashboard_shows_who_has_not_read_what_and_reminders_reach_them(s):
    first = await s.document(s.meeting_a, title="Một")
    second = await s.document(s.meeting_a, title="Hai")
    await s.client.get(f"/api/documents/{first}/content", headers=s.h("daibieu"))
    resp = await s.client.get(f"/api/meetings/{s.meeting_a}/distribution", headers=s.h("thuky"))
    board = await resp.json()
    rows = {r["full_name"]: r for r in board["recipients"]}
    assert rows["Daibieu"]["states"] == {str(first): "read", str(second): "unread"}
    assert rows["Daibieu"]["unread"] == 1
    assert rows["Botruong"]["unread"] == 2
    mails_before = len(await outbox(s.world))
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/distribution/remind", headers=s.h("thuky")
    )
    assert (await resp.json()) == {"reminded": 2}
    reminders = [m for m in await outbox(s.world) if m.purpose == "document_reminder"]
    assert len(await outbox(s.world)) == mails_before + 2
    by_user = {m.to_address: m.text_body for m in reminders}
    assert (
        "- Hai" in by_user["daibieu@chinhphu.vn"] and "- Một" not in by_user["daibieu@chinhphu.vn"]
    )
    assert "- Một" in by_user["botruong@chinhphu.vn"]
    assert (await receipts(s, second))["Daibieu"]["reminded_at"] is not None
    assert (await receipts(s, first))["Daibieu"]["reminded_at"] is None


async def test_participant_cannot_see_the_dashboard(s):
    resp = await s.client.get(f"/api/meetings/{s.meeting_a}/distribution", headers=s.h("daibieu"))
    assert resp.status == 403
