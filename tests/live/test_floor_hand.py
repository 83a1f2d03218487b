"""The hand is the request to speak, over real sockets (signaling/floor_hand.py,
services/hands.py): raising enters the queue and lowering withdraws; the roster's hand follows
the queue (down when the chair gives the floor, or lowers it); the chair's "Lower hand"
withdraws the request; an admitted guest (not on the participant list) has a hand but no place
in the queue."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from ..conftest import api_login, bearer
from .conftest import Meeting, enter
from .test_room import _entry_where, _user_id, pid


async def test_the_hand_enters_and_leaves_the_queue_and_follows_it(
    client: TestClient, meeting: Meeting
) -> None:
    secretary = bearer(await api_login(client, "thuky"))
    floor_url = f"/api/meetings/{meeting.id}/floor"

    async def queue() -> list[int]:
        resp = await client.get(floor_url, headers=secretary)
        return [r["participant_id"] for r in (await resp.json())["queue"]]

    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    daibieu = meeting.participants["daibieu"]

    await member.send("hand", raised=True)  # before the session: allowed, kept
    await _entry_where(chair, pid(meeting, "daibieu"), hand=True)
    assert await queue() == [daibieu]
    await member.send("hand", raised=True)  # twice: still one request
    await member.send("hand", raised=False)
    await _entry_where(chair, pid(meeting, "daibieu"), hand=False)
    assert await queue() == []

    # The chair gives the floor: the hand goes down by itself.
    await member.send("hand", raised=True)
    await _entry_where(chair, pid(meeting, "daibieu"), hand=True)
    (request,) = (await (await client.get(floor_url, headers=secretary)).json())["queue"]
    resp = await client.post(
        f"{floor_url}/requests/{request['id']}/grant", json={}, headers=secretary
    )
    assert resp.status == 200, await resp.text()
    await _entry_where(chair, pid(meeting, "daibieu"), hand=False)
    resp = await client.post(f"{floor_url}/requests/{request['id']}/finish", headers=secretary)
    assert resp.status == 200

    # The chair's "Lower hand" withdraws the request.
    await member.send("hand", raised=True)
    await _entry_where(chair, pid(meeting, "daibieu"), hand=True)
    await chair.send("lower_hand", participant=pid(meeting, "daibieu"))
    await member.expect("hand_lowered")
    await _entry_where(chair, pid(meeting, "daibieu"), hand=False)
    assert await queue() == []

    # A guest's hand is only a hand.
    guest = await enter(client, "thuky2", meeting.id)
    guest_id = "u" + str(await _user_id(client, "thuky2"))
    await _entry_where(chair, guest_id, lobby=True)
    await chair.send("admit", participant=guest_id)
    await guest.expect("admitted")
    await guest.send("hand", raised=True)
    await _entry_where(chair, guest_id, hand=True)
    assert await queue() == []
