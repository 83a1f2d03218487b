"""Real aiortc peers on loopback through a MediaRoom: forwarding, keyframes, mute, slot switches."""

from __future__ import annotations

import asyncio

import pytest

from signaling.client import RoomClient, decode_packets
from signaling.clientmedia import ClipTrack, ToneTrack
from signaling.sfu import MeetingCodec
from tests.signaling.helpers import colour_of, until


@pytest.mark.parametrize("codec", [MeetingCodec.H264, MeetingCodec.VP8])
async def test_two_endpoints_each_decode_the_others_video(meeting, codec) -> None:
    meeting.room.codec = codec
    clip_a, clip_b = ("red", "green") if codec is MeetingCodec.H264 else ("vp8", "vp8")
    a = await meeting.join("a", clip_a, keep=20)
    b = await meeting.join("b", clip_b, keep=20)

    await until(
        lambda: a.receptions["main"].frames >= 20 and b.receptions["main"].frames >= 20,
        "both endpoints receive 20 frames of the other",
    )
    for client, other, colour in ((a, "b", clip_b), (b, "a", clip_a)):
        reception = client.receptions["main"]
        assert reception.first_packet_was_keyframe
        assert {shown for shown, _ in reception.kept} == {other}
        frames = decode_packets(codec, [packet for _, packet in reception.kept])
        assert len(frames) >= 15
        assert frames[0].width == 320 and frames[0].height == 180
        expected = "red" if colour == "vp8" else colour
        assert {colour_of(f) for f in frames} == {expected}


async def test_late_joiner_gets_a_keyframe_within_one_second(meeting) -> None:
    a = await meeting.join("a", "red")
    await meeting.join("b", "green")
    await until(lambda: a.receptions["main"].frames >= 30, "a receives b's video")
    requests_before = meeting.clients[1].video.keyframe_requests

    loop = asyncio.get_running_loop()
    joined_at = loop.time()
    c = await meeting.join("c", "blue", keep=5)
    await until(lambda: c.receptions["main"].first_keyframe_at is not None, "c gets a keyframe")

    main = c.receptions["main"]
    assert main.first_packet_was_keyframe  # gated: nothing before the keyframe
    # The clips have ONE keyframe per 3 s loop, so a fast keyframe can only come from the PLI
    # the SFU forwarded upstream to the publisher shown in c's main slot.
    shown = c.slot_map["main"]
    publisher = next(x for x in meeting.clients if x.participant_id == shown)
    assert publisher.video.keyframe_requests > (requests_before if shown == "b" else 0)
    assert main.first_keyframe_at - joined_at < 1.0
    decode_packets(meeting.room.codec, [p for _, p in main.kept])  # decodable from the start


async def test_muting_stops_that_sources_audio_reaching_others(meeting) -> None:
    b = await meeting.join("b", "green")
    await join_with_audio(meeting, "t", loud=True)
    audio = b.receptions["audio0"]
    await until(lambda: audio.frames >= 25, "b hears the talker")
    assert b.slot_map["audio0"] == "t"

    meeting.room.mute("t")
    await until(lambda: b.slot_map.get("audio0") is None, "b is told the audio slot is idle")
    await asyncio.sleep(0.2)  # let packets already in flight drain
    heard = sum(r.frames for r in b.receptions.values() if r.kind == "audio")
    await asyncio.sleep(0.6)
    assert sum(r.frames for r in b.receptions.values() if r.kind == "audio") == heard

    meeting.room.mute("t", muted=False)
    await until(lambda: audio.frames > heard + 10, "b hears the talker again after unmute")


async def join_with_audio(meeting, participant_id: str, *, loud: bool, clip: str = "blue"):
    client = RoomClient(
        participant_id,
        video=ClipTrack(meeting.clips[clip]),
        audio=ToneTrack(loud=loud),
        codec=meeting.room.codec,
    )
    meeting.clients.append(client)
    await client.connect(meeting.hub)
    return client


async def test_a_publisher_whose_connection_closes_is_replaced_in_everyones_slots(meeting) -> None:
    a = await meeting.join("a", "red")
    b = await meeting.join("b", "green")
    await meeting.join("c", "blue")
    await until(lambda: a.receptions["main"].frames >= 10, "a sees b in main")
    assert a.slot_map["main"] == "b"
    seen_before = a.receptions["main"].by_source["c"]

    await b.pc.close()  # b's network/process goes away without a goodbye from the hub

    await until(lambda: "b" not in meeting.room.participant_ids, "the room drops b's media")
    assert a.slot_map["main"] == "c"
    await until(
        lambda: a.receptions["main"].by_source["c"] > seen_before + 10, "a's main now plays c"
    )
