"""The aiortc passthrough hooks still work: fails after an aiortc upgrade that moves them."""

from __future__ import annotations

import aiortc.rtcrtpreceiver
import av
import pytest
from aiortc import RTCRtpSender
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    HeaderExtensionsMap,
    RtcpPsfbPacket,
    RtpPacket,
    unpack_remb_fci,
)

from signaling.sfu import check_passthrough
from signaling.sfu.ingest import REMB_CAP_BPS, parse_rtp
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


async def test_the_sfu_receives_rtp_synchronously_caps_remb_and_reports_per_connection(
    meeting, monkeypatch
) -> None:
    """ingest.py and reports.py: the publisher's RTP takes the synchronous path (aiortc's
    per-packet coroutines and bandwidth estimator are not used), the publisher gets the fixed
    REMB cap, and a subscriber's slots send their sender reports in one compound packet."""
    rembs: list[tuple[int, list[int]]] = []
    real_handle_rtcp = RTCRtpSender._handle_rtcp_packet

    async def recording_handle_rtcp(self, packet):
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            rembs.append(unpack_remb_fci(packet.fci))
        await real_handle_rtcp(self, packet)

    monkeypatch.setattr(RTCRtpSender, "_handle_rtcp_packet", recording_handle_rtcp)
    a = await meeting.join("a", "red")
    b = await meeting.join("b", "green")
    await until(lambda: b.receptions["main"].frames >= 45, "b receives a")
    await until(lambda: bool(rembs), "a's sender gets a REMB")

    room_a = meeting.room._participants["a"]
    receiver = next(t.receiver for t in room_a.pc.getTransceivers() if t.kind == "video")
    handler = receiver._ecabinet_rtp_handler
    source = meeting.room.source("a", "video")
    # (nearly) every packet came the synchronous way; aiortc's queue path may carry the few
    # that arrive between the SRTP keys and the DTLS state change
    assert handler.packets >= source.packets - 5 > 40
    # aiortc's bookkeeping is kept: receive statistics (RTCP receiver reports), active SSRC
    (stats,) = receiver._RTCRtpReceiver__remote_streams.values()
    assert stats.packets_received >= handler.packets
    assert receiver.getSynchronizationSources()
    # the fixed cap, for a's video SSRC
    a_video = next(t.sender for t in a.pc.getTransceivers() if t.kind == "video")
    assert (REMB_CAP_BPS, [a_video._ssrc]) in rembs

    room_b = meeting.room._participants["b"]
    await until(lambda: room_b.reports.sent >= 1, "b's slots reported")
    slot = meeting.room.slot_track("b", "main")
    b_main = next(
        t.receiver for t in b.pc.getTransceivers() if t.mid == slot_mid(meeting, "b", "main")
    )
    # b's receiver got the SR of its main slot (it keeps the last SR's NTP time per SSRC)
    await until(lambda: slot.outlet.sender._ssrc in b_main._RTCRtpReceiver__lsr, "SR reaches b")


def slot_mid(meeting, participant_id: str, slot_name: str) -> str:
    room_pc = meeting.room._participants[participant_id].pc
    slot = meeting.room.slot_track(participant_id, slot_name)
    return next(t.mid for t in room_pc.getTransceivers() if t.sender.track is slot)


def test_parse_rtp_builds_the_packet_rtp_packet_parse_would() -> None:
    extensions_map = HeaderExtensionsMap()
    extensions_map.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
                RTCRtpHeaderExtensionParameters(
                    id=3, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level"
                ),
            ]
        )
    )
    samples = []
    for csrc, padding, with_extensions in ((0, 0, False), (2, 0, True), (1, 7, True)):
        packet = RtpPacket(payload_type=111, marker=1, sequence_number=65535, timestamp=2**32 - 5)
        packet.ssrc, packet.payload = 0x12345678, bytes(range(40))
        packet.csrc = list(range(10, 10 + csrc))
        packet.padding_size = padding
        if with_extensions:
            packet.extensions.mid = "0"
            packet.extensions.audio_level = (True, 42)
        samples.append(packet.serialize(extensions_map))
    for data in samples:
        expected = RtpPacket.parse(data, extensions_map)
        packet, extension = parse_rtp(data)
        if extension is not None:
            packet.extensions = extensions_map.get(*extension)
        assert vars(packet) == vars(expected)
    broken = (samples[0][:11], b"\x40" + samples[0][1:], samples[1][:16], samples[2][:-1] + b"\0")
    for data in broken:  # short, version 1, truncated CSRC, zero padding length
        with pytest.raises(ValueError):
            RtpPacket.parse(data, extensions_map)
        with pytest.raises(ValueError):
            parse_rtp(data)
