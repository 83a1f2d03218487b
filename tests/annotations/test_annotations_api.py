"""Annotations through the API: private by default, shared on purpose, edited by the author."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from ecabinet.models import AuditEvent, DocumentVersion

from ..documents.helpers import Setup, participants, setup_meetings
from .helpers import annotate, highlight, ink, listed, note, patch


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def test_a_new_annotation_is_private_and_listed_only_for_its_author(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", highlight(body="Xem lại"))
    assert made["visibility"] == "private"
    assert made["mine"] is True and made["quote"] == "Tài liệu mẫu"
    assert made["version"] == 1 and made["earlier_version"] is False
    assert [a["id"] for a in await listed(s, doc, "daibieu")] == [made["id"]]
    for other in ("botruong", "thuky"):
        assert await listed(s, doc, other) == []
        resp = await s.client.get(f"/api/documents/{doc}/annotations", headers=s.h(other))
        assert made["quote"] not in await resp.text()


async def test_highlight_note_and_ink_keep_their_geometry(s):
    doc = await s.document(s.meeting_a)
    h = await annotate(s, doc, "daibieu", highlight())
    n = await annotate(s, doc, "daibieu", note())
    i = await annotate(s, doc, "daibieu", ink())
    assert h["geometry"] == {"rects": [[0.1, 0.1, 0.3, 0.02]]}
    assert n["geometry"] == {"point": [0.5, 0.5]} and n["body"] == "Cần làm rõ số liệu"
    assert i["geometry"]["strokes"][1] == [[0.5, 0.5], [0.6, 0.6]] and i["page"] == 2


async def test_sharing_with_the_meeting_shows_it_to_every_reader_of_the_document(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", note())
    resp = await patch(s, made["id"], "daibieu", {"visibility": "meeting"})
    assert resp.status == 200, await resp.text()
    for reader in ("botruong", "thuky"):
        seen = await listed(s, doc, reader)
        assert [a["id"] for a in seen] == [made["id"]]
        assert seen[0]["mine"] is False and seen[0]["author_name"]
    # Back to private: gone again for the others.
    assert (await patch(s, made["id"], "daibieu", {"visibility": "private"})).status == 200
    assert await listed(s, doc, "botruong") == []


async def test_sharing_with_chosen_participants_reaches_only_them(s):
    doc = await s.document(s.meeting_a)
    people = await participants(s, s.meeting_a)
    made = await annotate(
        s,
        doc,
        "daibieu",
        note(visibility="participants", share_with=[people["botruong"]["id"]]),
    )
    assert made["share_with"] == [people["botruong"]["id"]]
    assert [a["id"] for a in await listed(s, doc, "botruong")] == [made["id"]]
    # The secretary is not among the chosen: nothing.
    assert await listed(s, doc, "thuky") == []
    # Whom it is shared with is the author's business.
    assert (await listed(s, doc, "botruong"))[0]["share_with"] == []


async def test_a_deputy_sees_what_was_shared_with_the_participant_they_stand_in_for(s):
    doc = await s.document(s.meeting_a)
    people = await participants(s, s.meeting_a)
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/rsvp",
        json={"answer": "delegated", "delegate_username": "thutruong", "reason": "Đi công tác"},
        headers=s.h("botruong"),
    )
    assert resp.status == 200, await resp.text()
    made = await annotate(
        s, doc, "daibieu", note(visibility="participants", share_with=[people["botruong"]["id"]])
    )
    assert [a["id"] for a in await listed(s, doc, "thutruong")] == [made["id"]]


async def test_only_the_author_changes_or_deletes_an_annotation(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", note(visibility="meeting"))
    # A reader who sees it: 403; one who does not: 404.
    resp = await patch(s, made["id"], "botruong", {"body": "sửa"})
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "not_author"
    resp = await s.client.delete(f"/api/annotations/{made['id']}", headers=s.h("botruong"))
    assert resp.status == 403
    resp = await patch(s, made["id"], "daibieu", {"body": "Đã sửa", "color": "#FF0000"})
    assert (await resp.json())["body"] == "Đã sửa" and (await resp.json())["color"] == "#ff0000"
    resp = await s.client.delete(f"/api/annotations/{made['id']}", headers=s.h("daibieu"))
    assert resp.status == 204
    assert await listed(s, doc, "daibieu") == []
    resp = await s.client.delete(f"/api/annotations/{made['id']}", headers=s.h("daibieu"))
    assert resp.status == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (highlight(quote=""), "validation_failed"),
        ({**highlight(), "rects": [[0.1, 0.1, 1.5, 0.1]]}, "validation_failed"),
        ({**note(), "point": None}, "validation_failed"),
        ({**ink(), "strokes": []}, "validation_failed"),
        ({**note(), "page": 3}, "invalid_page"),
        ({**note(), "version": 2}, "invalid_version"),
        ({**note(), "color": "red"}, "validation_failed"),
        (note(visibility="participants"), "invalid_share"),
        (note(visibility="meeting", share_with=[1]), "invalid_share"),
        (note(visibility="participants", share_with=[999999]), "invalid_share"),
        ({**note(), "author_id": 1}, "validation_failed"),
    ],
)
async def test_bad_annotations_are_refused_with_a_stable_code(s, body, code):
    doc = await s.document(s.meeting_a)
    resp = await s.client.post(
        f"/api/documents/{doc}/annotations", json=body, headers=s.h("daibieu")
    )
    assert resp.status == 422, await resp.text()
    assert (await resp.json())["error"]["code"] == code
    assert await listed(s, doc, "daibieu") == []


async def test_sharing_with_a_participant_of_another_meeting_is_refused(s):
    doc = await s.document(s.meeting_a)
    other = await participants(s, s.meeting_b)
    made = await annotate(s, doc, "daibieu", note())
    resp = await patch(
        s,
        made["id"],
        "daibieu",
        {"visibility": "participants", "share_with": [other["khach"]["id"]]},
    )
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "invalid_share"


async def test_annotating_never_changes_the_document_file_and_the_audit_holds_no_text(s):
    doc = await s.document(s.meeting_a)
    svc = s.world.svc
    async with svc.db.reading() as session:
        version = await session.scalar(
            select(DocumentVersion).where(DocumentVersion.document_id == doc)
        )
    path = svc.files.blobs.path_of(version.sha256)
    before = path.read_bytes()  # as stored (sealed, docs/documents.md §9)
    made = await annotate(s, doc, "daibieu", highlight(quote="Tài liệu", body="BÍ-MẬT-RIÊNG"))
    await patch(s, made["id"], "daibieu", {"visibility": "meeting", "body": "BÍ-MẬT-RIÊNG 2"})
    assert path.read_bytes() == before
    plain = svc.files.blobs.read_bytes(version.sha256)
    assert hashlib.sha256(plain).hexdigest() == version.sha256
    async with svc.db.reading() as session:
        events = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action.like("annotation.%")))
        )
    assert [e.action for e in events] == ["annotation.create", "annotation.update"]
    assert all("BÍ-MẬT" not in repr(e.data) and "Tài liệu" not in repr(e.data) for e in events)
    assert events[1].data["visibility"] == "meeting"


async def test_the_viewer_reopens_at_the_last_page_read_per_version(s):
    doc = await s.document(s.meeting_a)
    url = f"/api/documents/{doc}/reading"
    assert await (await s.client.get(url, headers=s.h("daibieu"))).json() == {
        "version": 1,
        "page": 1,
    }
    resp = await s.client.put(url, json={"version": 1, "page": 2}, headers=s.h("daibieu"))
    assert resp.status == 204
    assert (await (await s.client.get(url, headers=s.h("daibieu"))).json())["page"] == 2
    # Someone else's position is their own.
    assert (await (await s.client.get(url, headers=s.h("botruong"))).json())["page"] == 1
    resp = await s.client.put(url, json={"version": 1, "page": 9}, headers=s.h("daibieu"))
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "invalid_page"
    resp = await s.client.put(url, json={"version": 1, "page": 1}, headers=s.h("khach"))
    assert resp.status == 404
