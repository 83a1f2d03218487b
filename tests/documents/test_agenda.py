"""The agenda: items, reorder, publish with what changed, participants see the published one."""

from __future__ import annotations

import pytest

from ..scheduling import outbox
from .helpers import Setup, setup_meetings


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def add(s: Setup, title: str, **fields) -> dict:
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/agenda",
        json={"title": title, **fields},
        headers=s.h("thuky"),
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def agenda(s: Setup, user: str) -> dict:
    resp = await s.client.get(f"/api/meetings/{s.meeting_a}/agenda", headers=s.h(user))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def publish(s: Setup) -> tuple[int, dict]:
    resp = await s.client.post(f"/api/meetings/{s.meeting_a}/agenda/publish", headers=s.h("thuky"))
    return resp.status, await resp.json()


async def test_secretary_builds_the_agenda_and_participants_see_only_what_was_published(s):
    one = await add(
        s,
        "Tình hình kinh tế - xã hội",
        presenter_organization_id=s.world.ministry,
        presenter_user_id=s.world["botruong"].id,
        planned_minutes=30,
    )
    assert one["presenter"] == "Botruong — Bộ Y tế"
    assert one["number"] == 1 and one["status"] == "pending"
    await add(s, "Dự án Luật", planned_minutes=45)
    assert (await agenda(s, "daibieu"))["items"] == []
    status, published = await publish(s)
    assert status == 201
    assert published["version"] == 1
    assert [c["kind"] for c in published["changes"]] == ["added", "added"]
    seen = await agenda(s, "daibieu")
    assert [i["title"] for i in seen["items"]] == ["Tình hình kinh tế - xã hội", "Dự án Luật"]
    assert seen["total_minutes"] == 75
    assert seen["can_edit"] is False and seen["unpublished_changes"] == []
    mails = [m for m in await outbox(s.world) if m.purpose == "agenda"]
    assert sorted(m.to_address for m in mails) == ["botruong@chinhphu.vn", "daibieu@chinhphu.vn"]


async def test_republishing_tells_participants_exactly_what_changed(s):
    a = await add(s, "A", planned_minutes=10)
    b = await add(s, "B")
    c = await add(s, "C")
    await publish(s)
    h = s.h("thuky")
    base = f"/api/meetings/{s.meeting_a}/agenda"
    resp = await s.client.put(
        f"{base}/order", json={"item_ids": [c["id"], a["id"], b["id"]]}, headers=h
    )
    assert resp.status == 200, await resp.text()
    await s.client.patch(f"{base}/items/{a['id']}", json={"planned_minutes": 20}, headers=h)
    await s.client.delete(f"{base}/items/{b['id']}", headers=h)
    await add(s, "D")
    pending = (await agenda(s, "thuky"))["unpublished_changes"]
    status, published = await publish(s)
    assert status == 201 and published["version"] == 2
    assert published["changes"] == pending
    kinds = {(ch["kind"], ch["title"]) for ch in published["changes"]}
    assert kinds == {
        ("added", "D"),
        ("removed", "B"),
        ("moved", "C"),
        ("moved", "A"),
        ("changed", "A"),
    }
    mail = next(
        m
        for m in await outbox(s.world)
        if m.purpose == "agenda" and m.to_address.startswith("daibieu") and "(bản 2)" in m.text_body
    )
    assert "Thêm nội dung / Added: D" in mail.text_body
    assert "Bỏ nội dung / Removed: B" in mail.text_body
    status, body = await publish(s)
    assert status == 409 and body["error"]["code"] == "nothing_to_publish"


async def test_status_changes_show_live_but_do_not_need_publishing(s):
    item = await add(s, "A")
    await publish(s)
    resp = await s.client.patch(
        f"/api/meetings/{s.meeting_a}/agenda/items/{item['id']}",
        json={"status": "under_discussion"},
        headers=s.h("thuky"),
    )
    assert resp.status == 200
    assert (await agenda(s, "daibieu"))["items"][0]["status"] == "under_discussion"
    assert (await agenda(s, "thuky"))["unpublished_changes"] == []


async def test_reorder_must_list_every_item_once(s):
    a = await add(s, "A")
    await add(s, "B")
    resp = await s.client.put(
        f"/api/meetings/{s.meeting_a}/agenda/order",
        json={"item_ids": [a["id"]]},
        headers=s.h("thuky"),
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "incomplete_order"


async def test_participants_cannot_edit_and_items_of_other_meetings_are_not_found(s):
    item = await add(s, "A")
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/agenda", json={"title": "x"}, headers=s.h("daibieu")
    )
    assert resp.status == 403
    resp = await s.client.patch(
        f"/api/meetings/{s.meeting_b}/agenda/items/{item['id']}",
        json={"title": "x"},
        headers=s.h("thuky"),
    )
    assert resp.status == 404


async def test_documents_attach_to_agenda_items(s):
    item = await add(s, "A")
    document = await s.document(s.meeting_a, title="Tờ trình A", agenda_item_id=str(item["id"]))
    await publish(s)
    items = (await agenda(s, "daibieu"))["items"]
    assert items[0]["documents"] == [
        {"id": document, "title": "Tờ trình A", "classification": "internal"}
    ]
    resp = await s.upload(s.meeting_b, agenda_item_id=str(item["id"]))
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_agenda_item"
