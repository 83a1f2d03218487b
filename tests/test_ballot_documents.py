"""A ballot's attachments are documents of the document store: uploaded through the streaming
path with its checks, read by the ballot's recipients and the sending secretaries under the one
access rule (services/document_access.py) — and by nobody else."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.models import Role
from ecabinet.services import opinion_ballots

from .conftest import World, api_login, bearer
from .documents.pdfs import make_pdf
from .scheduling import prepare

DEADLINE = "2026-11-25T17:00:00+07:00"  # 56 hours after the frozen clock


async def attach(
    client: TestClient, ballot_id: int, headers: dict[str, str], data: bytes | None = None
) -> aiohttp.ClientResponse:
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("title", "Dự thảo Nghị định")
    form.add_field(
        "file",
        make_pdf("Dự thảo", pages=3) if data is None else data,
        filename="du-thao.pdf",
        content_type="application/pdf",
    )
    return await client.post(f"/api/ballots/{ballot_id}/documents", data=form, headers=headers)


async def send_ballot(client: TestClient, world: World) -> tuple[int, int, dict[str, str]]:
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post(
        "/api/ballots",
        json={
            "title": "Dự thảo Nghị định về phòng họp không giấy",
            "question": "Đồng chí có đồng ý thông qua dự thảo?",
            "explanation": "Tờ trình giải trình các điểm mới.",
            "deadline": DEADLINE,
            "recipients": ["daibieu"],
        },
        headers=secretary,
    )
    assert resp.status == 201, await resp.text()
    ballot_id = (await resp.json())["id"]
    resp = await attach(client, ballot_id, secretary)
    assert resp.status == 201, await resp.text()
    return ballot_id, (await resp.json())["id"], secretary


async def get(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    resp = await client.get(path, headers=headers)
    if resp.content_type == "application/json":
        return resp.status, await resp.json()
    return resp.status, await resp.read()


async def test_recipients_read_the_attachment_and_nobody_else_does(
    client: TestClient, world: World
) -> None:
    ballot_id, document_id, secretary = await send_ballot(client, world)
    member = bearer(await api_login(client, "daibieu"))

    status, ballot = await get(client, f"/api/ballots/{ballot_id}", member)
    assert status == 200
    assert ballot["explanation"] == "Tờ trình giải trình các điểm mới."
    assert ballot["attachments"] == [{"id": document_id, "title": "Dự thảo Nghị định", "pages": 3}]
    _, inbox = await get(client, "/api/ballots", member)
    assert inbox[0]["attachments"][0]["id"] == document_id
    status, body = await get(client, f"/api/documents/{document_id}/content", member)
    assert status == 200 and body.startswith(b"%PDF")
    status, document = await get(client, f"/api/documents/{document_id}", member)
    assert status == 200 and document["meeting_id"] is None
    page = await client.get(f"/documents/{document_id}/read", headers=member)
    assert page.status == 200
    assert f'href="/ballots/{ballot_id}"' in await page.text()
    # The secretary who sent it reads it too.
    status, _ = await get(client, f"/api/documents/{document_id}/content", secretary)
    assert status == 200

    # A member who did not receive the ballot, another ministry's secretary, an admin: 404.
    await world.add_user("thuky_bo", Role.SECRETARY, world.ministry)
    for outsider in ("botruong", "thuky_bo", "admin"):
        headers = bearer(await api_login(client, outsider))
        for path in (
            f"/api/documents/{document_id}/content",
            f"/api/documents/{document_id}",
            f"/api/documents/{document_id}/annotations",
            f"/documents/{document_id}/read",
        ):
            resp = await client.get(path, headers=headers)
            assert resp.status == 404, (outsider, path, resp.status)
        assert (await attach(client, ballot_id, headers)).status == 404


async def test_only_the_sending_secretaries_attach_and_only_real_pdfs_while_open(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    ballot_id, _, secretary = await send_ballot(client, world)
    member = bearer(await api_login(client, "daibieu"))
    resp = await attach(client, ballot_id, member)
    assert resp.status == 404
    resp = await attach(client, ballot_id, secretary, data=b"not a pdf at all")
    assert resp.status == 415
    assert (await resp.json())["error"]["code"] == "not_a_pdf"
    _, ballot = await get(client, f"/api/ballots/{ballot_id}", secretary)
    assert len(ballot["attachments"]) == 1  # the refused upload left nothing behind

    clock.advance(hours=57)
    assert await opinion_ballots.close_due(world.svc) == 1
    secretary = bearer(await api_login(client, "thuky"))
    resp = await attach(client, ballot_id, secretary)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "ballot_closed"


async def test_annotations_on_an_attachment_stay_private(client: TestClient, world: World) -> None:
    _, document_id, _ = await send_ballot(client, world)
    member = bearer(await api_login(client, "daibieu"))
    note: dict[str, Any] = {
        "kind": "note",
        "page": 1,
        "point": [0.2, 0.3],
        "body": "Cần làm rõ Điều 3",
    }
    resp = await client.post(f"/api/documents/{document_id}/annotations", json=note, headers=member)
    assert resp.status == 201, await resp.text()
    resp = await client.post(
        f"/api/documents/{document_id}/annotations",
        json={**note, "visibility": "meeting"},
        headers=member,
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_share"
    status, found = await get(client, f"/api/documents/{document_id}/annotations", member)
    assert status == 200 and [a["body"] for a in found] == ["Cần làm rõ Điều 3"]


async def test_a_ballot_document_has_no_meeting_receipts(client: TestClient, world: World) -> None:
    _, document_id, secretary = await send_ballot(client, world)
    resp = await client.get(f"/api/documents/{document_id}/receipts", headers=secretary)
    assert resp.status == 404
