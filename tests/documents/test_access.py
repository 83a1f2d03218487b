"""Who may see which document: id-guessing, withdrawal, restriction, deputies (SEC-C1)."""

from __future__ import annotations

import pytest

from .helpers import Setup, participants, setup_meetings


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


def document_urls(document_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/api/documents/{document_id}"),
        ("GET", f"/api/documents/{document_id}/content"),
        ("GET", f"/api/documents/{document_id}/content?version=1"),
        ("GET", f"/api/documents/{document_id}/receipts"),
        ("POST", f"/api/documents/{document_id}/receipts/remind"),
        ("POST", f"/api/documents/{document_id}/withdraw"),
        ("PATCH", f"/api/documents/{document_id}"),
    ]


def meeting_urls(meeting_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/api/meetings/{meeting_id}/documents"),
        ("GET", f"/api/meetings/{meeting_id}/agenda"),
        ("GET", f"/api/meetings/{meeting_id}/distribution"),
        ("POST", f"/api/meetings/{meeting_id}/distribution/remind"),
        ("GET", f"/api/meetings/{meeting_id}/board-book"),
        ("POST", f"/api/meetings/{meeting_id}/board-book"),
        ("GET", f"/api/meetings/{meeting_id}/board-book/content"),
        ("POST", f"/api/meetings/{meeting_id}/agenda/publish"),
    ]


async def call(s: Setup, method: str, url: str, user: str) -> tuple[int, bytes]:
    kwargs = {"json": {"title": "x"}} if method == "PATCH" else {}
    resp = await s.client.request(method, url, headers=s.h(user), **kwargs)
    return resp.status, await resp.read()


async def test_delegate_of_meeting_a_gets_the_same_404_for_everything_of_meeting_b(s):
    secret_b = await s.document(s.meeting_b, title="Mật B", classification="secret")
    plain_b = await s.document(s.meeting_b, title="Thường B")
    mine = await s.document(s.meeting_a, title="Của A")
    missing = max(secret_b, plain_b, mine) + 1000
    # The delegate of A can read A's document (so the routes work for them)...
    assert (await call(s, "GET", f"/api/documents/{mine}", "daibieu"))[0] == 200
    # ...and every id of B, and ids that do not exist, answer alike.
    for method, template in document_urls(0):
        _, nonexistent = await call(s, method, template.replace("/0", f"/{missing}"), "daibieu")
        for document_id in (secret_b, plain_b):
            status, body = await call(
                s, method, template.replace("/0", f"/{document_id}"), "daibieu"
            )
            assert status == 404, (method, template)
            assert body == nonexistent, (method, template)
    for method, template in meeting_urls(0):
        status, body = await call(s, method, template.replace("/0/", f"/{s.meeting_b}/"), "daibieu")
        _, nonexistent = await call(s, method, template.replace("/0/", "/999999/"), "daibieu")
        assert status == 404, (method, template)
        assert body == nonexistent


async def test_sequential_and_random_ids_reveal_nothing_to_an_outsider(s):
    created = [await s.document(s.meeting_b) for _ in range(3)]
    for outsider in ("daibieu", "thuky2", "admin", "thutruong"):
        seen = set()
        for document_id in [*range(1, max(created) + 3), 2**31 - 1, 7_777_777]:
            status, body = await call(s, "GET", f"/api/documents/{document_id}/content", outsider)
            assert status == 404
            seen.add(body)
        assert len(seen) == 1, outsider


async def test_version_numbers_do_not_leak_either(s):
    document = await s.document(s.meeting_a)
    status, body = await call(s, "GET", f"/api/documents/{document}/content?version=9", "daibieu")
    assert status == 404
    assert b"version_not_found" in body


async def test_participant_reads_but_cannot_manage(s):
    document = await s.document(s.meeting_a)
    for method, url in [
        ("POST", f"/api/documents/{document}/withdraw"),
        ("GET", f"/api/documents/{document}/receipts"),
        ("PATCH", f"/api/documents/{document}"),
    ]:
        status, body = await call(s, method, url, "daibieu")
        assert status == 403 and b"secretary_only" in body, (method, url)
    resp = await s.upload(s.meeting_a, as_user="daibieu")
    assert resp.status == 403


async def test_withdrawn_document_disappears_for_everyone_but_the_secretary(s):
    document = await s.document(s.meeting_a, title="Sẽ rút")
    other = await s.document(s.meeting_a, title="Ở lại")
    resp = await s.client.post(f"/api/documents/{document}/withdraw", headers=s.h("thuky"))
    assert resp.status == 204
    for user in ("daibieu", "botruong"):
        listed = await (
            await s.client.get(f"/api/meetings/{s.meeting_a}/documents", headers=s.h(user))
        ).json()
        assert [d["id"] for d in listed] == [other]
        for url in (f"/api/documents/{document}", f"/api/documents/{document}/content"):
            assert (await s.client.get(url, headers=s.h(user))).status == 404
    listed = await (
        await s.client.get(f"/api/meetings/{s.meeting_a}/documents", headers=s.h("thuky"))
    ).json()
    assert {d["id"]: d["withdrawn"] for d in listed} == {document: True, other: False}
    assert (
        await s.client.get(f"/api/documents/{document}/content", headers=s.h("thuky"))
    ).status == 200


async def test_restricted_document_is_seen_only_by_named_participants_and_their_deputy(s):
    people = await participants(s, s.meeting_a)
    document = await s.document(s.meeting_a, title="Chỉ chủ trì")
    resp = await s.client.patch(
        f"/api/documents/{document}",
        json={"restricted_to": [people["botruong"]["id"]]},
        headers=s.h("thuky"),
    )
    assert resp.status == 200, await resp.text()
    url = f"/api/documents/{document}"
    assert (await s.client.get(url, headers=s.h("botruong"))).status == 200
    assert (await s.client.get(url, headers=s.h("daibieu"))).status == 404
    # botruong delegates meeting A to thutruong: the deputy stands in and sees it too.
    resp = await s.client.post(
        f"/api/meetings/{s.meeting_a}/rsvp",
        json={"answer": "delegated", "delegate_username": "thutruong", "reason": "Đi công tác"},
        headers=s.h("botruong"),
    )
    assert resp.status == 200, await resp.text()
    assert (await s.client.get(url, headers=s.h("thutruong"))).status == 200
    # Lifting the restriction shows it to every participant.
    await s.client.patch(url, json={"restricted_to": []}, headers=s.h("thuky"))
    assert (await s.client.get(url, headers=s.h("daibieu"))).status == 200


async def test_restriction_to_a_participant_of_another_meeting_is_refused(s):
    other = await participants(s, s.meeting_b)
    document = await s.document(s.meeting_a)
    resp = await s.client.patch(
        f"/api/documents/{document}",
        json={"restricted_to": [other["khach"]["id"]]},
        headers=s.h("thuky"),
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_participant"


async def test_secretary_of_another_organization_sees_nothing(s):
    document = await s.document(s.meeting_a)
    assert (await s.client.get(f"/api/documents/{document}", headers=s.h("thuky2"))).status == 404
    resp = await s.upload(s.meeting_a, as_user="thuky2")
    assert resp.status == 404


async def test_anonymous_requests_are_401(s):
    document = await s.document(s.meeting_a)
    assert (await s.client.get(f"/api/documents/{document}/content")).status == 401
