"""Answering invitations: accept, decline, tentative, delegate to a deputy; endpoints answered
by their operator."""

from __future__ import annotations

from urllib.parse import urlsplit

from ecabinet.models import Role

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare


async def _meeting(client, **overrides):
    headers = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(**overrides), headers=headers)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_a_member_accepts(client, world):
    await prepare(world)
    meeting = await _meeting(client)
    member = bearer(await api_login(client, "botruong"))
    resp = await client.post(
        f"/api/meetings/{meeting['id']}/rsvp", json={"answer": "accepted"}, headers=member
    )
    assert resp.status == 200
    rows = {p["username"]: p["rsvp"] for p in (await resp.json())["participants"]}
    assert rows == {"botruong": "accepted", "daibieu": "needs_action"}


async def test_delegating_makes_the_deputy_a_participant_who_gets_the_invitation(client, world):
    await prepare(world)
    await world.add_user("thutruong", Role.MEMBER, world.ministry)
    from .scheduling import set_email

    await set_email(world, "thutruong")
    meeting = await _meeting(client)
    member = bearer(await api_login(client, "botruong"))
    resp = await client.post(
        f"/api/meetings/{meeting['id']}/rsvp",
        json={"answer": "delegated", "delegate_username": "thutruong", "reason": "Đi công tác"},
        headers=member,
    )
    assert resp.status == 200, await resp.text()
    people = {p["username"]: p for p in (await resp.json())["participants"]}
    assert people["botruong"]["rsvp"] == "delegated"
    assert people["botruong"]["delegation_reason"] == "Đi công tác"
    assert people["botruong"]["delegated_to_id"] == people["thutruong"]["id"]
    assert people["thutruong"]["delegated_from_id"] == people["botruong"]["id"]
    assert people["thutruong"]["role"] == "chair"
    mail = (await outbox(world))[-1]
    assert mail.to_address == "thutruong@chinhphu.vn"
    assert 'DELEGATED-FROM="mailto:botruong@chinhphu.vn"' in mail.ics.replace("\r\n ", "")
    assert 'DELEGATED-TO="mailto:thutruong@chinhphu.vn"' in mail.ics.replace("\r\n ", "")
    deputy = bearer(await api_login(client, "thutruong"))
    assert (await client.get(f"/api/meetings/{meeting['id']}", headers=deputy)).status == 200
    again = await client.post(
        f"/api/meetings/{meeting['id']}/rsvp", json={"answer": "accepted"}, headers=member
    )
    assert again.status == 409


async def test_a_deputy_must_be_of_the_same_organization_and_a_reason_is_required(client, world):
    await prepare(world)
    meeting = await _meeting(client)
    member = bearer(await api_login(client, "botruong"))
    path = f"/api/meetings/{meeting['id']}/rsvp"
    resp = await client.post(
        path,
        json={"answer": "delegated", "delegate_username": "admin", "reason": "x"},
        headers=member,
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "deputy_other_organization"
    resp = await client.post(
        path, json={"answer": "delegated", "delegate_username": "daibieu"}, headers=member
    )
    assert resp.status == 422


async def test_the_room_operator_confirms_the_endpoint(client, world):
    sched = await prepare(world)
    meeting = await _meeting(
        client, participants=[{"endpoint": sched.endpoint_id, "role": "member"}]
    )
    operator = bearer(await api_login(client, "vanhanh"))
    assert (await client.get(f"/api/meetings/{meeting['id']}", headers=operator)).status == 200
    resp = await client.post(
        f"/api/meetings/{meeting['id']}/rsvp",
        json={"answer": "accepted", "endpoint": sched.endpoint_id},
        headers=operator,
    )
    assert resp.status == 200
    assert (await resp.json())["participants"][0]["rsvp"] == "accepted"
    invitation = (await outbox(world))[0]
    assert invitation.to_address == "vanhanh@chinhphu.vn"
    assert "CUTYPE=ROOM" in invitation.ics


async def test_answers_to_a_cancelled_meeting_are_refused(client, world):
    await prepare(world)
    meeting = await _meeting(client)
    await client.delete(
        f"/api/meetings/{meeting['id']}", headers=bearer(await api_login(client, "thuky"))
    )
    member = bearer(await api_login(client, "botruong"))
    resp = await client.post(
        f"/api/meetings/{meeting['id']}/rsvp", json={"answer": "accepted"}, headers=member
    )
    assert resp.status == 409


async def test_rsvp_link_from_the_mail_records_the_answer_after_a_confirmation(client, world):
    await prepare(world)
    meeting = await _meeting(client)
    secretary = bearer(await api_login(client, "thuky"))
    mail = next(m for m in await outbox(world) if m.to_address.startswith("daibieu@"))
    assert "Tham dự / Accept" in mail.html_body
    link = next(
        line.split(": ", 1)[1]
        for line in mail.text_body.splitlines()
        if line.startswith("Vắng mặt / Decline")
    )
    path = urlsplit(link).path
    page = await client.get(path)
    assert page.status == 200
    body = await page.text()
    assert meeting["title"] in body

    async def answer_of(username: str) -> str:
        resp = await client.get(f"/api/meetings/{meeting['id']}", headers=secretary)
        return {p["username"]: p["rsvp"] for p in (await resp.json())["participants"]}[username]

    assert await answer_of("daibieu") == "needs_action", "opening the link changes nothing"
    token = body.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = await client.post(path, data={"csrf_token": token})
    assert resp.status == 200
    assert await answer_of("daibieu") == "declined"
    assert await answer_of("botruong") == "needs_action"
    forged = await client.post(path[:-3] + "abc", data={"csrf_token": token})
    assert forged.status == 404
