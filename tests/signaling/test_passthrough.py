"""The aiortc passthrough hooks still work: fails after an aiortc upgrade that moves them."""

from __future__ import annotations

import aiortc.rtcrtpreceiver
import av

from signaling.sfu import check_passthrough
from signaling.sfu.passthrough import PINNED_AIORTC
from tests.signaling.helpers import until


def nal_units(data: bytes) -> list[bytes]:
    """H.264 NAL units of an Annex-B frame, whatever start-code length was used."""
    units = []
    for chunk in data.split(b"\x00\x00\x01"):
        chunk = chunk.rstrip(b"\x00") if chunk.endswith(b"\x00") else chunk
        if chunk:
            units.append(chunk)
    return units


def test_installed_aiortc_is_the_version_the_hooks_were_verified_on() -> None:
    report = check_passthrough()
    assert report.aiortc_version == PINNED_AIORTC
    assert report.ok, report.problems


async def test_forwarded_frames_are_bit_identical_and_no_decoder_is_ever_built(
    meeting, monkeypatch
) -> None:
    built: list[str] = []
    real_get_decoder = aiortc.rtcrtpreceiver.get_decoder

    def recording_get_decoder(codec):
        built.append(codec.mimeType)
        return real_get_decoder(codec)

    monkeypatch.setattr(aiortc.rtcrtpreceiver, "get_decoder", recording_get_decoder)
    await meeting.join("a", "red")
    b = await meeting.join("b", "green", keep=45)
    await until(lambda: len(b.receptions["main"].kept) >= 45, "b keeps 45 frames of a")

    sent = {tuple(nal_units(unit.data)) for unit in meeting.clips["red"].units}
    kept = b.receptions["main"].kept
    assert all(isinstance(packet, av.Packet) for _, packet in kept)
    assert all(tuple(nal_units(bytes(packet))) in sent for _, packet in kept)
    # The SFU's receivers and the client's receivers all ran without constructing a decoder,
    # and the SFU's sources received encoded packets, not decoded frames.
    assert built == []
    source = meeting.room.source("a", "video")
    assert source is not None and source.keyframe_count >= 1 and source.frames >= 45


async def test_the_sfu_forwards_rtp_itself_and_keeps_the_senders_reports_true(meeting) -> None:
    await meeting.join("a", "red")
    b = await meeting.join("b", "green")
    await until(lambda: b.receptions["main"].frames >= 30, "b receives a")
    room_b = meeting.room._participants["b"]
    receiver = next(t.receiver for t in room_b.pc.getTransceivers() if t.kind == "video")
    # no frame reassembly on the SFU: its jitter buffer is the RTP tap
    assert type(receiver._RTCRtpReceiver__jitter_buffer).__name__ == "_RtpTap"
    slot = meeting.room.slot_track("b", "main")
    sender = next(t.sender for t in room_b.pc.getTransceivers() if t.sender.track is slot)
    stats = [s for s in (await sender.getStats()).values() if s.type == "outbound-rtp"]
    # the RTCP sender reports (and getStats) count what the outlet sent
    assert stats[0].packetsSent == slot.outlet.packets == slot.stats.packets > 0
    assert stats[0].ssrc == sender._ssrc
