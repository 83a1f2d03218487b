"""Room state over real sockets: roster and presence, lobby, chair controls, reconnect."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from signaling.protocol import CloseCode

from ..conftest import api_login, bearer
from .conftest import Meeting, enter, join_token


def pid(meeting: Meeting, who: str) -> str:
    return f"p{meeting.participants[who]}"


async def test_participants_see_each_other_in_the_roster(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    snapshot = await chair.expect("snapshot")
    assert snapshot["roster"] == []  # its own entry arrives as a delta right after
    member = await enter(client, "daibieu", meeting.id)
    snapshot = await member.expect("snapshot")
    assert [e["participant"] for e in snapshot["roster"]] == [pid(meeting, "botruong")]
    assert snapshot["roster"][0]["role"] == "chair"
    joined = await chair.expect("participant")
    while joined["participant"]["participant"] != pid(meeting, "daibieu"):
        joined = await chair.expect("participant")
    assert joined["participant"]["name"] == "Daibieu"
    assert joined["participant"]["lobby"] is False


async def test_endpoint_appears_under_its_own_name(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    await enter(client, "vanhanh", meeting.id)
    entry = await chair.expect("participant")
    while entry["participant"]["participant"] != pid(meeting, "endpoint"):
        entry = await chair.expect("participant")
    assert entry["participant"]["name"] == "Điểm cầu UBND tỉnh Nghệ An"
    assert entry["participant"]["endpoint"] == meeting.endpoint_id


async def test_presence_changes_reach_everyone(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.send("media_state", audio=True, video=True)
    await member.send("hand", raised=True)
    seen = await _entry_where(chair, pid(meeting, "daibieu"), hand=True)
    assert seen["audio"] is True and seen["video"] is True


async def _entry_where(peer, participant: str, **fields) -> dict:
    while True:
        msg = await peer.expect("participant")
        entry = msg["participant"]
        if entry["participant"] == participant and all(entry[k] == v for k, v in fields.items()):
            return entry


async def test_uninvited_person_waits_in_the_lobby_and_gets_no_media_until_admitted(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    guest = await enter(client, "thuky2", meeting.id)
    await guest.expect("lobby")
    knock = await _entry_where(chair, "u" + str(await _user_id(client, "thuky2")), lobby=True)
    await guest.send("offer", sdp="v=0\r\n")
    error = await guest.expect("error")
    assert error["code"] == "not_admitted"
    assert not any(m["type"] == "snapshot" for m in guest.seen)
    await chair.send("admit", participant=knock["participant"])
    await guest.expect("admitted")
    snapshot = await guest.expect("snapshot")
    assert {e["participant"] for e in snapshot["roster"]} >= {
        pid(meeting, "botruong"),
        pid(meeting, "daibieu"),
    }
    await _entry_where(member, knock["participant"], lobby=False)
    # A member never saw the knock itself.
    assert not any(m["type"] == "participant" and m["participant"]["lobby"] for m in member.seen)


async def _user_id(client: TestClient, username: str) -> int:
    tokens = await api_login(client, username)
    resp = await client.get("/api/me", headers=bearer(tokens))
    return int((await resp.json())["id"])


async def test_chair_denies_a_lobby_member(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    guest = await enter(client, "thuky2", meeting.id)
    await guest.expect("lobby")
    knock = await chair.expect("participant")
    while not knock["participant"]["lobby"]:
        knock = await chair.expect("participant")
    await chair.send("deny", participant=knock["participant"]["participant"])
    assert await guest.closed() == CloseCode.FORBIDDEN
    assert any(m["type"] == "denied" for m in guest.seen)
    await chair.expect("participant_left", participant=knock["participant"]["participant"])


async def test_secretary_can_admit(client: TestClient, meeting: Meeting) -> None:
    secretary = await enter(client, "thuky", meeting.id)
    guest = await enter(client, "thuky2", meeting.id)
    await guest.expect("lobby")
    knock = await secretary.expect("participant")
    while not knock["participant"]["lobby"]:
        knock = await secretary.expect("participant")
    await secretary.send("admit", participant=knock["participant"]["participant"])
    await guest.expect("admitted")


async def test_member_cannot_use_chair_controls_and_carries_on(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    for message in ("mute_all", "end_meeting"):
        await member.send(message)
        assert (await member.expect("error"))["code"] == "not_moderator"
    await member.send("mute", participant=pid(meeting, "botruong"))
    assert (await member.expect("error"))["code"] == "not_moderator"
    await member.send("hand", raised=True)
    await _entry_where(chair, pid(meeting, "daibieu"), hand=True)


async def test_chair_mutes_one_participant(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.send("media_state", audio=True, video=True)
    await _entry_where(chair, pid(meeting, "daibieu"), audio=True)
    await chair.send("mute", participant=pid(meeting, "daibieu"))
    muted = await member.expect("muted")
    assert muted["by"] == "Botruong"
    await _entry_where(chair, pid(meeting, "daibieu"), audio=False, video=True)


async def test_mute_all_spares_the_hosts(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    endpoint = await enter(client, "vanhanh", meeting.id)
    for peer in (chair, member, endpoint):
        await peer.send("media_state", audio=True, video=True)
    await chair.send("mute_all")
    await member.expect("muted")
    await endpoint.expect("muted")
    await _entry_where(chair, pid(meeting, "endpoint"), audio=False)
    assert not any(m["type"] == "muted" for m in chair.seen)


async def test_chair_stops_video_and_lowers_a_hand(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.send("media_state", audio=False, video=True)
    await member.send("hand", raised=True)
    await _entry_where(chair, pid(meeting, "daibieu"), hand=True)
    await chair.send("stop_video", participant=pid(meeting, "daibieu"))
    await member.expect("video_stopped")
    await chair.send("lower_hand", participant=pid(meeting, "daibieu"))
    await member.expect("hand_lowered")
    await _entry_where(chair, pid(meeting, "daibieu"), hand=False, video=False)


async def test_chair_removes_a_participant(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await chair.send("remove", participant=pid(meeting, "daibieu"))
    assert await member.closed() == CloseCode.REMOVED
    assert any(m["type"] == "removed" for m in member.seen)
    await chair.expect("participant_left", participant=pid(meeting, "daibieu"))


async def test_unknown_target_is_an_error_not_a_crash(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    await chair.send("mute", participant="p999")
    assert (await chair.expect("error"))["code"] == "unknown_participant"
    await chair.send("admit", participant=pid(meeting, "botruong"))
    assert (await chair.expect("error"))["code"] == "not_in_lobby"


async def test_chair_ends_the_meeting_for_everyone(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    guest = await enter(client, "thuky2", meeting.id)
    await chair.send("end_meeting")
    for peer in (chair, member, guest):
        assert await peer.closed() == CloseCode.MEETING_OVER
        assert any(m["type"] == "meeting_ended" for m in peer.seen)
    tokens = await api_login(client, "daibieu")
    resp = await client.post(f"/api/meetings/{meeting.id}/join", headers=bearer(tokens))
    assert resp.status == 409
    resp = await client.get(f"/api/meetings/{meeting.id}", headers=bearer(tokens))
    assert (await resp.json())["status"] == "ended"


async def test_reconnect_gets_the_current_state_not_a_replay(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await chair.send("hand", raised=True)
    await _entry_where(member, pid(meeting, "botruong"), hand=True)  # the request is queued
    await chair.send("hand", raised=False)
    await chair.send("media_state", audio=True, video=False)
    await _entry_where(member, pid(meeting, "botruong"), audio=True, hand=False)
    await member.ws.close()
    await chair.expect("participant_left", participant=pid(meeting, "daibieu"))
    again = await enter(client, "daibieu", meeting.id)
    snapshot = await again.expect("snapshot")
    (chair_entry,) = [e for e in snapshot["roster"] if e["role"] == "chair"]
    assert chair_entry["audio"] is True and chair_entry["hand"] is False
    # Nothing of the history (the hand going up and down) is replayed.
    assert not any(m["type"] == "participant" for m in again.seen[:2])


async def test_second_connection_of_the_same_participant_replaces_the_first(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    first = await enter(client, "daibieu", meeting.id)
    second = await enter(client, "daibieu", meeting.id)
    assert await first.closed() == CloseCode.REPLACED
    await second.send("hand", raised=True)
    await _entry_where(chair, pid(meeting, "daibieu"), hand=True)
    assert not any(
        m["type"] == "participant_left" and m["participant"] == pid(meeting, "daibieu")
        for m in chair.seen
    )


async def test_lobby_admission_survives_a_reconnect(client: TestClient, meeting: Meeting) -> None:
    chair = await enter(client, "botruong", meeting.id)
    guest = await enter(client, "thuky2", meeting.id)
    knock = await chair.expect("participant")
    while not knock["participant"]["lobby"]:
        knock = await chair.expect("participant")
    await chair.send("admit", participant=knock["participant"]["participant"])
    await guest.expect("admitted")
    await guest.ws.close()
    ticket = await join_token(client, "thuky2", meeting.id)
    from .conftest import connect

    again = await connect(client, meeting.id)
    await again.send("auth", token=ticket["token"])
    welcome = await again.expect("welcome")
    assert welcome["you"]["lobby"] is False
    await again.expect("snapshot")


async def test_offers_are_limited_far_below_other_messages(
    client: TestClient, meeting: Meeting
) -> None:
    """Each offer builds a peer connection on the server, so a client gets only a few."""
    member = await enter(client, "daibieu", meeting.id)
    for _ in range(6):
        await member.send("offer", sdp="v=0\r\n")
    codes = [(await member.expect("error"))["code"] for _ in range(6)]
    assert "too_many_offers" not in codes[:5]  # a burst of five reaches the SFU (and is refused)
    assert codes[5] == "too_many_offers"
    await member.send("hand", raised=True)
    await member.expect("participant")


async def test_entries_of_a_process_that_went_silent_are_dropped(
    client: TestClient, meeting: Meeting, svc
) -> None:
    from dataclasses import replace

    from signaling.ws import hub_key

    svc.settings = replace(svc.settings, presence_interval=0.05)
    chair = await enter(client, "botruong", meeting.id)
    await chair.expect("participant")
    hub = client.app[hub_key]
    ghost = {
        "participant": "p999",
        "name": "Ghost",
        "organization": "",
        "endpoint": None,
        "role": "member",
        "moderator": False,
        "lobby": False,
        "audio": False,
        "video": False,
        "hand": False,
        "conn": "c0ffee",
        "node": "crashed-process",
    }
    await hub.bus.publish(f"meeting:{meeting.id}", {"kind": "presence", "entry": ghost})
    await _entry_where(chair, "p999")
    await chair.expect("participant_left", participant="p999")


async def test_withdrawn_invitation_closes_an_open_socket(
    client: TestClient, meeting: Meeting, svc
) -> None:
    from dataclasses import replace

    svc.settings = replace(svc.settings, presence_interval=0.05, revalidate_interval=0.1)
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    tokens = await api_login(client, "thuky")
    resp = await client.patch(
        f"/api/meetings/{meeting.id}",
        json={"participants": [{"username": "botruong", "role": "chair"}]},
        headers=bearer(tokens),
    )
    assert resp.status == 200, await resp.text()
    assert await member.closed() == CloseCode.UNAUTHORIZED
    assert member.errors() == ["no_longer_admitted"]
    await chair.expect("participant_left", participant=pid(meeting, "daibieu"))


async def test_disabling_an_account_closes_its_live_socket_at_once(
    client: TestClient, meeting: Meeting, world
) -> None:
    """SEC-C6: the administrator disables the member; her open room socket is closed by the
    server then, not at the room's periodic re-check (60 s, untouched here), and she cannot get
    a new join ticket."""
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    member_tokens = await api_login(client, "daibieu")
    admin = bearer(await api_login(client, "admin"))
    resp = await client.patch(
        f"/api/admin/users/{world['daibieu'].id}", json={"is_active": False}, headers=admin
    )
    assert resp.status == 200, await resp.text()
    assert await member.closed() == CloseCode.UNAUTHORIZED
    assert member.errors() == ["no_longer_admitted"]
    await chair.expect("participant_left", participant=pid(meeting, "daibieu"))
    again = await client.post(f"/api/meetings/{meeting.id}/join", headers=bearer(member_tokens))
    assert again.status == 401
    assert chair.errors() == []  # the chair's socket is untouched
