"""Acceptance: real aiortc room clients join through the signaling WebSocket on loopback."""

from __future__ import annotations

import asyncio

from signaling.client import RoomClient, decode_packets
from signaling.clientmedia import ToneTrack
from signaling.sfu import MeetingCodec
from tests.signaling.helpers import colour_of, until


def decoded_colours(client: RoomClient, slot: str, shown: str) -> set[str]:
    packets = [p for who, p in client.receptions[slot].kept if who == shown]
    return {colour_of(f) for f in decode_packets(MeetingCodec.H264, packets)}


async def test_two_room_clients_decode_each_others_video(joiner) -> None:
    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green")
    await until(
        lambda: (
            chair.media.receptions["main"].by_source[member.participant] >= 20
            and member.media.receptions["main"].by_source[chair.participant] >= 20
        ),
        "each receives 20 frames of the other in its main slot",
    )
    assert member.signaling.roster.keys() >= {chair.participant, member.participant}
    assert decoded_colours(chair.media, "main", member.participant) == {"green"}
    assert decoded_colours(member.media, "main", chair.participant) == {"red"}
    # The server told each client who is in which slot.
    assert member.media.slot_map["main"] == chair.participant


async def test_third_client_gets_a_keyframe_within_one_second(joiner) -> None:
    chair = await joiner("botruong", "red")
    await joiner("daibieu", "green")
    await until(lambda: chair.media.receptions["main"].frames >= 30, "the chair sees a member")
    third = await joiner("vanhanh", "blue", keep=5)
    answered = asyncio.get_running_loop().time()  # the answer is applied: ICE starts now
    main = third.media.receptions["main"]
    await until(lambda: main.first_keyframe_at is not None, "the third client gets a keyframe")
    assert main.first_packet_was_keyframe
    # Within 1 s of the answer, though the clips hold one keyframe per 3 s: the SFU forwarded
    # the new subscriber's keyframe request to the publisher.
    assert main.first_keyframe_at - answered < 1.0
    decode_packets(MeetingCodec.H264, [p for _, p in main.kept])


async def test_chair_mute_stops_forwarding_that_participants_audio(joiner) -> None:
    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green")
    await member.signaling.send("media_state", audio=True, video=True)
    await chair.signaling.wait_for(
        lambda: chair.signaling.roster.get(member.participant, {}).get("audio") is True
    )
    await chair.signaling.send("mute", participant=member.participant)
    await member.signaling.wait_for(
        lambda: any(m["type"] == "muted" for m in member.signaling.messages)
    )
    await chair.signaling.wait_for(
        lambda: chair.signaling.roster[member.participant]["audio"] is False
    )


async def test_reconnecting_client_gets_the_current_roster_and_media_again(joiner) -> None:
    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green")
    await chair.signaling.send("hand", raised=True)
    await member.signaling.wait_for(
        lambda: member.signaling.roster.get(chair.participant, {}).get("hand") is True
    )
    await member.close()
    await chair.signaling.wait_for(lambda: member.participant not in chair.signaling.roster)
    again = await joiner("daibieu", "green")
    assert again.signaling.snapshots == 1
    assert again.signaling.roster[chair.participant]["hand"] is True
    await until(
        lambda: again.media.receptions["main"].by_source[chair.participant] >= 10,
        "media flows again after the reconnect",
    )


async def test_the_active_speaker_is_announced_to_everyone(joiner) -> None:
    """``speaker`` goes to every participant, not only to the speaker (its ``participant``
    field once collided with the bus envelope's addressee)."""
    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green", audio=ToneTrack(loud=True))
    await member.signaling.send("media_state", audio=True, video=True)
    await chair.signaling.wait_for(
        lambda: any(
            m["type"] == "speaker" and m.get("participant") == member.participant
            for m in chair.signaling.messages
        )
    )
