"""Opinions (ý kiến): threaded, per agenda item or document, for the meeting's participants;
the secretary's summary PDF."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from ..documents.helpers import Setup, participants, setup_meetings


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def add_item(s: Setup, title: str, *, publish: bool = True) -> int:
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/agenda", json={"title": title}, headers=s.h("thuky")
    )
    assert resp.status == 201, await resp.text()
    item = (await resp.json())["id"]
    if publish:
        resp = await s.client.post(
            f"/api/meetings/{s.meeting_a}/agenda/publish", headers=s.h("thuky")
        )
        assert resp.status in (200, 201), await resp.text()
    return item


async def opine(s: Setup, user: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/opinions", json=body, headers=s.h(user)
    )
    assert resp.status == status, await resp.text()
    return await resp.json()


async def opinions(s: Setup, user: str, query: str = "") -> list[dict[str, Any]]:
    resp = await s.client.get(f"/api/meetings/{s.meeting_a}/opinions{query}", headers=s.h(user))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_participants_discuss_an_agenda_item_in_a_thread(s):
    item = await add_item(s, "Đề án chuyển đổi số")
    first = await opine(s, "daibieu", {"agenda_item_id": item, "body": "Đề nghị bổ sung kinh phí"})
    reply = await opine(s, "botruong", {"parent_id": first["id"], "body": "Đồng ý"})
    assert reply["agenda_item_id"] == item and reply["parent_id"] == first["id"]
    for user in ("daibieu", "botruong", "thuky"):
        seen = await opinions(s, user)
        assert [(o["id"], o["parent_id"]) for o in seen] == [
            (first["id"], None),
            (reply["id"], first["id"]),
        ]
    assert (await opinions(s, "botruong"))[0]["author_name"]
    assert [o["id"] for o in await opinions(s, "daibieu", f"?agenda_item_id={item}")] == [
        first["id"],
        reply["id"],
    ]


async def test_outsiders_neither_read_nor_write_opinions(s):
    item = await add_item(s, "Nội dung 1")
    await opine(s, "daibieu", {"agenda_item_id": item, "body": "Ý kiến"})
    url = f"/api/meetings/{s.meeting_a}/opinions"
    for user in ("khach", "thuky2", "admin", "thutruong"):
        assert (await s.client.get(url, headers=s.h(user))).status == 404
        resp = await s.client.post(
            url, json={"agenda_item_id": item, "body": "x"}, headers=s.h(user)
        )
        assert resp.status == 404
    assert (await s.client.get(url)).status == 401


async def test_an_unpublished_item_takes_no_opinions_from_participants(s):
    await add_item(s, "Đã công bố")
    hidden = await add_item(s, "Chưa công bố", publish=False)
    resp = await opine(s, "daibieu", {"agenda_item_id": hidden, "body": "x"}, status=422)
    assert resp["error"]["code"] == "invalid_agenda_item"
    await opine(s, "thuky", {"agenda_item_id": hidden, "body": "Ghi chú thư ký"})
    assert await opinions(s, "daibieu") == []


async def test_opinions_on_a_restricted_document_stay_with_those_who_may_read_it(s):
    people = await participants(s, s.meeting_a)
    doc = await s.document(s.meeting_a)
    said = await opine(s, "botruong", {"document_id": doc, "body": "Về tài liệu"})
    assert [o["id"] for o in await opinions(s, "daibieu", f"?document_id={doc}")] == [said["id"]]
    await s.client.patch(
        f"/api/documents/{doc}",
        json={"restricted_to": [people["botruong"]["id"]]},
        headers=s.h("thuky"),
    )
    assert await opinions(s, "daibieu") == []
    resp = await opine(s, "daibieu", {"document_id": doc, "body": "x"}, status=422)
    assert resp["error"]["code"] == "invalid_document"
    resp = await opine(s, "daibieu", {"parent_id": said["id"], "body": "x"}, status=422)
    assert resp["error"]["code"] == "invalid_parent"


async def test_authors_edit_and_delete_their_own_opinions_and_replies_stay(s):
    item = await add_item(s, "Nội dung")
    first = await opine(s, "daibieu", {"agenda_item_id": item, "body": "Bản đầu"})
    await opine(s, "botruong", {"parent_id": first["id"], "body": "Trả lời"})
    url = f"/api/opinions/{first['id']}"
    resp = await s.client.patch(url, json={"body": "x"}, headers=s.h("botruong"))
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "not_author"
    resp = await s.client.patch(url, json={"body": "Bản sửa"}, headers=s.h("daibieu"))
    assert resp.status == 200 and (await resp.json())["edited_at"]
    assert (await s.client.delete(url, headers=s.h("daibieu"))).status == 204
    seen = await opinions(s, "botruong")
    assert seen[0]["deleted"] is True and seen[0]["body"] == ""
    assert seen[1]["body"] == "Trả lời"
    assert (await s.client.patch(url, json={"body": "x"}, headers=s.h("khach"))).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"body": "x"},
        {"agenda_item_id": 1, "document_id": 1, "body": "x"},
        {"agenda_item_id": 1, "body": ""},
        {"agenda_item_id": "1", "body": "x"},
    ],
)
async def test_malformed_opinions_are_refused(s, body):
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/opinions", json=body, headers=s.h("daibieu")
    )
    assert resp.status == 422


async def test_the_secretary_compiles_opinions_per_item_into_a_pdf(s):
    item = await add_item(s, "Đề án phát triển hạ tầng số")
    doc = await s.document(s.meeting_a, agenda_item_id=str(item))
    first = await opine(s, "daibieu", {"agenda_item_id": item, "body": "Cần thêm lộ trình"})
    await opine(s, "botruong", {"parent_id": first["id"], "body": "Giao Bộ KH&ĐT"})
    await opine(s, "daibieu", {"document_id": doc, "body": "Phụ lục 2 thiếu số liệu"})
    url = f"/api/meetings/{s.meeting_a}/opinions/summary.pdf"
    assert (await s.client.get(url, headers=s.h("daibieu"))).status == 403
    assert (await s.client.get(url, headers=s.h("thuky2"))).status == 404
    resp = await s.client.get(url, headers=s.h("thuky"))
    assert resp.status == 200 and resp.headers["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(await resp.read())).pages)
    for expected in (
        "Tổng hợp ý kiến",
        "1. Đề án phát triển hạ tầng số",
        "Cần thêm lộ trình",
        "Giao Bộ KH&ĐT",
        "Phụ lục 2 thiếu số liệu",
    ):
        assert expected in text


async def test_the_opinions_page_shows_published_items_and_the_summary_link_to_secretaries(s):
    await add_item(s, "Nội dung công bố")
    url = f"/meetings/{s.meeting_a}/opinions"
    resp = await s.client.get(url, headers=s.h("daibieu"))
    page = await resp.text()
    assert resp.status == 200 and "Nội dung công bố" in page
    assert "summary-pdf" not in page
    resp = await s.client.get(url, headers=s.h("thuky"))
    assert "summary-pdf" in await resp.text()
    for outsider in ("khach", "admin", "thuky2"):
        assert (await s.client.get(url, headers=s.h(outsider))).status == 404
