"""Presenting from a page outside the room (the pdf.js reader, the chair's console) through the
session socket ``/ws/meetings/{id}/session``: the same rules, storage and bus message as the
room's socket, so room members and other readers follow; refusals and malformed frames get an
``error`` and the socket stays open."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from ecabinet.services import documents, live_state
from signaling.ws import hub_key

from ..conftest import World, api_login, bearer
from ..governance import actor
from .conftest import Meeting, Peer, create_meeting, enter, upload_document


async def feed(client: TestClient, username: str, meeting_id: int) -> Peer:
    """The session socket of ``username``'s reader (signed in: the session's bearer token)."""
    headers = bearer(await api_login(client, username))
    peer = Peer(await client.ws_connect(f"/ws/meetings/{meeting_id}/session", headers=headers))
    await peer.expect("hello")
    return peer


async def presentation(client: TestClient, meeting_id: int) -> dict[str, object] | None:
    return (await live_state.load(client.app[hub_key].svc, meeting_id)).presentation


async def test_the_chair_presents_from_the_reader_and_the_room_and_readers_follow(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload_document(client, meeting.id)
    member_room = await enter(client, "daibieu", meeting.id)  # a member in the live room
    await member_room.expect("snapshot")
    chair = await feed(client, "botruong", meeting.id)  # the chair: reader only, no room page
    you = await chair.expect("you")
    chair_id = f"p{meeting.participants['botruong']}"
    assert (you["participant"], you["name"], you["may_present"]) == (chair_id, "Botruong", True)
    reader = await feed(client, "vanhanh", meeting.id)  # the endpoint's reader, no room page
    assert (await reader.expect("you"))["may_present"] is False

    await chair.send("present", document=doc, page=3, zoom=150)
    for peer in (member_room, reader, chair):
        shown = await peer.expect("presenting", document=doc)
        assert (shown["presenter"], shown["name"], shown["page"], shown["zoom"]) == (
            chair_id,
            "Botruong",
            3,
            150,
        )
    assert await presentation(client, meeting.id) == {
        "presenter": chair_id,
        "name": "Botruong",
        "document": doc,
        "page": 3,
        "zoom": 150,
    }
    await chair.send("present", document=doc, page=4, zoom=150)  # a page turn
    assert (await reader.expect("presenting", page=4))["document"] == doc
    assert (await member_room.expect("presenting", page=4))["document"] == doc
    late = await feed(client, "thuky", meeting.id)  # opened later: the current one after hello
    assert (await late.expect("presenting"))["page"] == 4

    await chair.send("stop_presenting")
    for peer in (member_room, reader, late):
        assert (await peer.expect("presenting", document=None))["presenter"] is None
    assert await presentation(client, meeting.id) is None


async def test_who_may_not_present_is_refused_until_the_chair_gives_the_floor(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload_document(client, meeting.id)
    member = await feed(client, "daibieu", meeting.id)
    assert (await member.expect("you"))["may_present"] is False
    for type_, fields in (("present", {"document": doc, "page": 2}), ("stop_presenting", {})):
        await member.send(type_, **fields)
        error = await member.expect("error")
        assert (error["code"], error["ref"]) == ("not_presenter", type_)
    assert await presentation(client, meeting.id) is None

    chair_api = bearer(await api_login(client, "botruong"))
    member_api = bearer(await api_login(client, "daibieu"))
    base = f"/api/meetings/{meeting.id}"
    assert (await client.post(f"{base}/session/start", headers=chair_api)).status == 200
    resp = await client.post(f"{base}/floor/requests", json={}, headers=member_api)
    request_id = (await resp.json())["queue"][0]["id"]
    resp = await client.post(
        f"{base}/floor/requests/{request_id}/grant", json={}, headers=chair_api
    )
    assert resp.status == 200, await resp.text()
    await member.expect("you", may_present=True)  # the socket says so: the reader shows "Present"
    await member.send("present", document=doc, page=2, zoom=100)
    shown = await member.expect("presenting", document=doc)
    assert shown["presenter"] == f"p{meeting.participants['daibieu']}"


async def test_only_a_document_of_the_meeting_may_be_presented_on_either_socket(
    client: TestClient, world: World, meeting: Meeting
) -> None:
    other = await create_meeting(client, meeting.endpoint_id)
    foreign = await upload_document(client, other.id, "Tài liệu của phiên họp khác")
    withdrawn = await upload_document(client, meeting.id, "Tài liệu đã rút")
    await documents.withdraw(world.svc, actor(world, "thuky"), withdrawn)
    chair = await feed(client, "botruong", meeting.id)
    room_chair = await enter(client, "botruong", meeting.id)
    for peer in (chair, room_chair):
        for document in (foreign, withdrawn, 2_000_000_000):
            await peer.send("present", document=document, page=1, zoom=100)
            error = await peer.expect("error")
            assert (error["code"], error["ref"]) == ("document_not_in_meeting", "present")
    assert await presentation(client, meeting.id) is None
    assert not [m for m in chair.seen + room_chair.seen if m["type"] == "presenting"]


async def test_malformed_frames_get_an_error_and_the_socket_stays_open(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload_document(client, meeting.id)
    chair = await feed(client, "botruong", meeting.id)
    await chair.expect("you")
    frames: list[tuple[str | bytes, str]] = [
        ("not json", "malformed_json"),
        ("[1, 2]", "not_an_object"),
        ('{"type": "present", "document": 1}', "unsupported_version"),
        ('{"v": 1, "type": "slide"}', "unknown_type"),
        ('{"v": 1, "type": "present", "document": "one"}', "invalid_message"),
        ('{"v": 1, "type": "present", "document": 1, "page": 0}', "invalid_message"),
        ('{"v": 1, "type": "present", "document": 1, "x": 2}', "invalid_message"),
        ('{"v": 1, "type": "hand", "raised": true}', "not_on_this_socket"),
        (b"\x00\x01", "text_only"),
    ]
    for frame, code in frames:
        if isinstance(frame, bytes):
            await chair.ws.send_bytes(frame)
        else:
            await chair.ws.send_str(frame)
        error = await chair.expect("error")
        assert error["code"] == code, (frame, error)
        assert error["message"]
    await chair.send("present", document=doc, page=2, zoom=100)
    assert (await chair.expect("presenting"))["page"] == 2


async def test_frames_are_rate_limited_as_on_the_room_socket(
    client: TestClient, meeting: Meeting
) -> None:
    doc = await upload_document(client, meeting.id)
    chair = await feed(client, "botruong", meeting.id)
    await chair.expect("you")
    settings = client.app[hub_key].svc.settings
    over = settings.ws_burst + settings.ws_flood_strikes // 2  # a burst, not yet a flood
    for _ in range(over):
        await chair.ws.send_str("{}")
    await chair.expect("error", code="rate_limited")
    await asyncio.sleep(3 / settings.ws_rate)  # a token comes back
    await chair.send("present", document=doc, page=5, zoom=100)
    assert (await chair.expect("presenting"))["page"] == 5
    assert chair.errors().count("rate_limited") == 1

    flood = await feed(client, "botruong", meeting.id)
    for _ in range(settings.ws_burst + settings.ws_flood_strikes + 10):
        await flood.ws.send_str("{}")
    assert await flood.closed() == 4429
    assert flood.errors()[-1] == "flood"
