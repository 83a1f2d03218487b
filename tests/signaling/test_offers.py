"""Offers the SFU cannot use are refused with a clear, stable error — never a crash."""

from __future__ import annotations

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaling.sfu import MeetingCodec, OfferRejected, ParticipantKind
from signaling.sfu.codecs import MAX_OFFER_BYTES, parse_offer, preferred_codecs


async def make_offer(video_codec: MeetingCodec = MeetingCodec.H264, videos: int = 2) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio", direction="recvonly")
    for _ in range(videos):
        t = pc.addTransceiver("video", direction="recvonly")
        t.setCodecPreferences(preferred_codecs("video", video_codec))
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


@pytest.fixture
async def offer() -> str:
    return await make_offer()


async def test_every_truncation_of_a_valid_offer_is_refused_cleanly(offer) -> None:
    assert len(parse_offer(offer, MeetingCodec.H264)) == 3
    lines = offer.splitlines(keepends=True)
    cuts = {len("".join(lines[:n])) for n in range(len(lines))} | set(range(0, len(offer), 7))
    accepted = 0
    for cut in sorted(cuts):
        try:
            parse_offer(offer[:cut], MeetingCodec.H264)
            accepted += 1
        except OfferRejected as exc:
            assert exc.code.startswith(("sdp_", "codec_")) and exc.message
    # A truncation can only be accepted if it still holds complete, usable media sections.
    assert accepted < len(cuts) / 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage=st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_is_refused_or_parsed_never_crashes(garbage: str) -> None:
    try:
        parse_offer(garbage, MeetingCodec.H264)
    except OfferRejected as exc:
        assert exc.code


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_corrupted_lines_of_a_valid_offer_are_refused_or_parsed(data, offer_text) -> None:
    lines = offer_text.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=80))
    try:
        parse_offer("\r\n".join(lines) + "\r\n", MeetingCodec.H264)
    except OfferRejected as exc:
        assert exc.code


@pytest.fixture(scope="module")
def offer_text() -> str:
    import asyncio

    return asyncio.run(make_offer())


async def test_oversized_offer_is_refused(offer) -> None:
    padded = offer + "a=x-padding:" + "A" * MAX_OFFER_BYTES + "\r\n"
    with pytest.raises(OfferRejected) as info:
        parse_offer(padded, MeetingCodec.H264)
    assert info.value.code == "sdp_too_large"


async def test_offer_that_cannot_do_the_meeting_codec_is_refused_with_a_clear_error(
    meeting,
) -> None:
    vp8_only = await make_offer(MeetingCodec.VP8)
    with pytest.raises(OfferRejected) as info:
        await meeting.room.add_participant("p", vp8_only, kind=ParticipantKind.ENDPOINT)
    assert info.value.code == "codec_unsupported"
    assert "H.264 constrained baseline" in info.value.message
    assert meeting.room.participant_ids == ()


async def test_offer_asking_for_more_slots_than_allowed_is_refused(meeting) -> None:
    too_many = await make_offer(videos=3)  # an endpoint gets main + second only
    with pytest.raises(OfferRejected) as info:
        await meeting.room.add_participant("p", too_many, kind=ParticipantKind.ENDPOINT)
    assert info.value.code == "too_many_slots"
    answer = await meeting.room.add_participant("p", too_many, kind=ParticipantKind.CONSOLE)
    assert [b.slot for b in answer.slots] == ["audio0", "main", "second", "thumb0"]


async def test_offer_without_bundle_is_refused(offer) -> None:
    unbundled = "".join(
        line for line in offer.splitlines(keepends=True) if not line.startswith("a=group:")
    )
    with pytest.raises(OfferRejected) as info:
        parse_offer(unbundled, MeetingCodec.H264)
    assert info.value.code == "sdp_bundle_required"


async def test_non_string_offer_is_refused(meeting) -> None:
    with pytest.raises(OfferRejected) as info:
        await meeting.room.add_participant("p", None, kind=ParticipantKind.ENDPOINT)  # type: ignore[arg-type]
    assert info.value.code == "sdp_invalid"
