"""The SFU asks every publisher for Opus in-band FEC and DTX (RFC 7587), and its answer stays
usable by the publisher."""

from __future__ import annotations

import re

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import SessionDescription

from signaling.sfu import ParticipantKind
from signaling.sfu.codecs import preferred_codecs
from signaling.sfu.layout import SlotPlan


def _parsed(sdp: str) -> list:
    return SessionDescription.parse(sdp).media


def _opus_fmtp(sdp: str) -> dict[str, str]:
    payload_type = re.search(r"^a=rtpmap:(\d+) opus/48000", sdp, re.M | re.I)
    assert payload_type, sdp
    line = re.search(rf"^a=fmtp:{payload_type.group(1)} (.*)$", sdp, re.M)
    assert line, f"no fmtp for Opus in:\n{sdp}"
    return dict(item.split("=", 1) for item in line.group(1).strip().split(";"))


async def test_the_answer_asks_publishers_for_fec_and_dtx_and_they_accept_it(meeting) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("audio", direction="sendrecv")
        for _ in SlotPlan.for_kind(ParticipantKind.BROWSER).video:
            video = pc.addTransceiver("video", direction="recvonly")
            video.setCodecPreferences(preferred_codecs("video", meeting.room.codec))
        await pc.setLocalDescription(await pc.createOffer())
        assert "useinbandfec" not in pc.localDescription.sdp  # the offer did not ask for it
        answer = await meeting.room.add_participant(
            "site", pc.localDescription.sdp, kind=ParticipantKind.BROWSER
        )
        fmtp = _opus_fmtp(answer.sdp)
        assert fmtp["useinbandfec"] == "1"
        assert fmtp["usedtx"] == "1"
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type="answer"))
        media = next(m for m in _parsed(pc.remoteDescription.sdp) if m.kind == "audio")
        opus = next(c for c in media.rtp.codecs if c.mimeType.lower() == "audio/opus")
        assert {k: str(v) for k, v in opus.parameters.items()} == {
            "minptime": "10",
            "useinbandfec": "1",
            "usedtx": "1",
        }
    finally:
        await pc.close()


async def test_video_sections_of_the_answer_are_left_alone(meeting) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("audio", direction="recvonly")
        video = pc.addTransceiver("video", direction="recvonly")
        video.setCodecPreferences(preferred_codecs("video", meeting.room.codec))
        await pc.setLocalDescription(await pc.createOffer())
        answer = await meeting.room.add_participant(
            "site", pc.localDescription.sdp, kind=ParticipantKind.ENDPOINT
        )
        video_part = answer.sdp.split("m=video", 1)[1]
        assert "useinbandfec" not in video_part and "usedtx" not in video_part
    finally:
        await pc.close()
