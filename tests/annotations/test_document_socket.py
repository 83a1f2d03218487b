"""The live socket of an open document: shared annotations arrive, private ones never do."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import WSServerHandshakeError

from ..documents.helpers import Setup, participants, setup_meetings
from ..documents.pdfs import make_pdf
from .helpers import annotate, note, patch


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def socket(s: Setup, doc: int, user: str, **headers: str) -> aiohttp.ClientWebSocketResponse:
    ws = await s.client.ws_connect(f"/ws/documents/{doc}", headers={**s.h(user), **headers})
    hello = await ws.receive_json(timeout=5)
    assert hello == {"type": "hello", "version": 1}
    return ws


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    return await ws.receive_json(timeout=5)


async def test_a_reader_sees_shared_annotations_arrive_and_never_private_ones(s):
    doc = await s.document(s.meeting_a)
    ws = await socket(s, doc, "botruong")
    await annotate(s, doc, "daibieu", note(body="Riêng"))
    shared = await annotate(s, doc, "daibieu", note(body="Chung", visibility="meeting"))
    # Events arrive in order: the first thing the reader hears of is the shared note.
    event = await receive(ws)
    assert event["type"] == "annotation"
    assert event["annotation"]["id"] == shared["id"] and event["annotation"]["body"] == "Chung"
    assert event["annotation"]["mine"] is False
    await patch(s, shared["id"], "daibieu", {"visibility": "private"})
    assert await receive(ws) == {"type": "annotation_removed", "id": shared["id"]}
    await ws.close()


async def test_a_participant_not_chosen_hears_nothing_of_the_share(s):
    people = await participants(s, s.meeting_a)
    doc = await s.document(s.meeting_a)
    chosen = await socket(s, doc, "botruong")
    other = await socket(s, doc, "thuky")
    made = await annotate(
        s, doc, "daibieu", note(visibility="participants", share_with=[people["botruong"]["id"]])
    )
    assert (await receive(chosen))["annotation"]["id"] == made["id"]
    # The next thing the secretary hears is a meeting-wide share, not the chosen one.
    later = await annotate(s, doc, "daibieu", note(visibility="meeting"))
    assert (await receive(other))["annotation"]["id"] == later["id"]
    for ws in (chosen, other):
        await ws.close()


async def test_deleting_a_shared_annotation_removes_it_live(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", note(visibility="meeting"))
    ws = await socket(s, doc, "botruong")
    resp = await s.client.delete(f"/api/annotations/{made['id']}", headers=s.h("daibieu"))
    assert resp.status == 204
    assert await receive(ws) == {"type": "annotation_removed", "id": made["id"]}
    await ws.close()


async def test_a_new_version_tells_open_viewers_to_reload(s):
    doc = await s.document(s.meeting_a)
    ws = await socket(s, doc, "daibieu")
    form = aiohttp.FormData()
    form.add_field("file", make_pdf("v2"), filename="v2.pdf", content_type="application/pdf")
    resp = await s.client.post(f"/api/documents/{doc}/versions", data=form, headers=s.h("thuky"))
    assert resp.status == 201
    assert await receive(ws) == {"type": "document_changed"}
    await ws.close()


@pytest.mark.parametrize(
    ("user", "headers", "status"),
    [
        ("khach", {}, 404),
        ("admin", {}, 404),
        ("thuky2", {}, 404),
        ("daibieu", {"Origin": "http://evil.example"}, 403),
        (None, {}, 401),
    ],
)
async def test_the_handshake_is_refused_to_outsiders_and_foreign_origins(s, user, headers, status):
    doc = await s.document(s.meeting_a)
    with pytest.raises(WSServerHandshakeError) as refused:
        await s.client.ws_connect(
            f"/ws/documents/{doc}", headers={**(s.h(user) if user else {}), **headers}
        )
    assert refused.value.status == status


async def test_the_same_origin_may_connect(s):
    doc = await s.document(s.meeting_a)
    origin = str(s.client.make_url("/")).rstrip("/")
    ws = await socket(s, doc, "daibieu", Origin=origin)
    await ws.close()


async def test_a_socket_whose_session_ended_gets_nothing_more_and_is_closed(s):
    doc = await s.document(s.meeting_a)
    ws = await socket(s, doc, "botruong")
    resp = await s.client.post("/api/auth/logout", headers=s.h("botruong"))
    assert resp.status == 204
    await annotate(s, doc, "daibieu", note(body="Sau khi đăng xuất", visibility="meeting"))
    closing = await ws.receive(timeout=5)
    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert closing.data == 4401
