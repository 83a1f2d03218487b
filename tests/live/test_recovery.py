"""What a live room remembers when it is built again (after a restart or a crash: here, after
everyone left and the room was closed): the guests the chair admitted and the presentation; and
at start-up, the media pins of a dead process of the same name are taken over."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from ecabinet.models import LiveRoom, MeetingStatus
from ecabinet.models import Meeting as MeetingRow
from ecabinet.services import live, live_state
from ecabinet.services.context import Services
from signaling.ws import hub_key

from .conftest import Meeting, create_meeting, enter, upload_document


async def until_room_closed(client: TestClient, meeting_id: int) -> None:
    hub = client.app[hub_key]
    for _ in range(200):
        if meeting_id not in hub.rooms:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the room did not close")


async def test_admitted_guest_and_presentation_survive_the_room(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload_document(client, meeting.id)
    chair = await enter(client, "botruong", meeting.id)
    guest = await enter(client, "thuky2", meeting.id)
    await guest.expect("lobby")
    welcome = next(m for m in guest.seen if m["type"] == "welcome")
    await chair.send("admit", participant=welcome["you"]["participant"])
    await guest.expect("admitted")
    await chair.send("present", document=doc, page=3, zoom=150)
    await guest.expect("presenting", document=doc)
    await guest.ws.close()
    await chair.ws.close()
    await until_room_closed(client, meeting.id)

    # A new room for the meeting: it must remember the admission and the presentation.
    chair = await enter(client, "botruong", meeting.id)
    shown = await chair.expect("presenting")
    assert (shown["document"], shown["page"], shown["zoom"]) == (doc, 3, 150)
    guest = await enter(client, "thuky2", meeting.id)
    assert next(m for m in guest.seen if m["type"] == "welcome")["you"]["lobby"] is False
    await guest.expect("snapshot")
    await chair.send("stop_presenting")
    await chair.expect("presenting", document=None)
    assert (await live_state.load(client.app[hub_key].svc, meeting.id)).presentation is None


async def pins(svc: Services) -> dict[int, str]:
    async with svc.db.reading() as session:
        return dict((await session.execute(select(LiveRoom.meeting_id, LiveRoom.media_node))).all())


async def test_start_up_takes_over_the_pins_of_the_dead_process_of_its_name(
    client: TestClient, meeting: Meeting, endpoint_id: int
) -> None:
    svc = client.app[hub_key].svc
    other = await create_meeting(client, endpoint_id)
    closed = await create_meeting(client, endpoint_id)
    dead = live_state.node_id("host-a:8080/1", "aaaaaaaaaaaa")
    alive = live_state.node_id("host-b:8080/1", "bbbbbbbbbbbb")
    await live.pin_media(svc, meeting.id, dead)
    await live.pin_media(svc, other.id, alive)
    await live.pin_media(svc, closed.id, alive)
    async with svc.db.transaction() as session:
        row = await session.get(MeetingRow, closed.id)
        assert row is not None
        row.status = MeetingStatus.CANCELLED

    me = live_state.node_id("host-a:8080/1", "cccccccccccc")
    taken = await live_state.recover_pins(svc, "host-a:8080/1", me)
    assert taken == [meeting.id]
    assert await pins(svc) == {other.id: alive}  # another name's pin waits for its timeout
    # The meeting's next offer pins its media here at once (no 30 s wait for the dead pin).
    assert (await live.pin_media(svc, meeting.id, me)).node == me
    # Without a name (tests, in-process apps) nothing is taken over.
    assert await live_state.recover_pins(svc, "", "dddddddddddd") == []
