"""Server-chosen slots switch source without renegotiation: floor changes, active speaker."""

from __future__ import annotations

import asyncio

import av

from signaling.client import RoomClient, SlotReception, decode_packets
from signaling.clientmedia import ClipTrack, ToneTrack
from signaling.sfu import ActiveSpeakerChanged, MeetingCodec, Quality
from signaling.sfu.forwarder import is_keyframe
from tests.signaling.helpers import colour_of, until


class Recorder:
    """Collects the packets of one slot from a moment on (what the viewer would see)."""

    def __init__(self, slot: str) -> None:
        self.slot = slot
        self.packets: list[av.Packet] = []
        self.times: list[float] = []
        self.recording = False

    def __call__(self, reception: SlotReception, packet: av.Packet) -> None:
        if self.recording and reception.name == self.slot:
            self.packets.append(packet)
            self.times.append(asyncio.get_running_loop().time())

    def first_keyframe(self, codec: MeetingCodec) -> int:
        return next(i for i, p in enumerate(self.packets) if is_keyframe(codec, bytes(p)))

    def colours_from_first_keyframe(self, codec: MeetingCodec) -> list[str]:
        start = self.first_keyframe(codec)
        return [colour_of(f) for f in decode_packets(codec, self.packets[start:])]


async def join(meeting, pid: str, clip: str, *, loud: bool | None = None, recorder=None):
    client = RoomClient(
        pid,
        video=ClipTrack(meeting.clips[clip]),
        audio=ToneTrack(loud=loud) if loud is not None else None,
        codec=meeting.room.codec,
        on_packet=recorder,
    )
    meeting.clients.append(client)
    await client.connect(meeting.hub)
    return client


async def test_giving_the_floor_switches_the_main_slot_without_renegotiation(meeting) -> None:
    recorder = Recorder("main")
    a = await join(meeting, "a", "red", recorder=recorder)
    await join(meeting, "b", "green")
    await join(meeting, "c", "blue")
    await until(lambda: a.receptions["main"].frames >= 10, "a sees someone in main")
    assert a.slot_map["main"] == "b"
    sdp_before = a.pc.remoteDescription.sdp

    recorder.recording = True
    meeting.room.set_floor("c")
    await until(lambda: a.slot_map["main"] == "c", "a is told c is in main")
    await until(lambda: len(recorder.packets) >= 40, "a keeps receiving on the main slot")

    colours = recorder.colours_from_first_keyframe(meeting.room.codec)
    assert colours[-10:] == ["blue"] * 10  # the floor holder's video, decodable after switch
    assert a.slot_map["second"] == "b"
    second = a.receptions["second"].frames
    await until(lambda: a.receptions["second"].frames > second + 10, "a's second slot plays b")
    assert a.negotiations == 1 and a.pc.signalingState == "stable"
    assert a.pc.remoteDescription.sdp == sdp_before
    assert meeting.room.quality_of("c") is Quality.FULL


async def test_the_loudest_participant_becomes_active_speaker_in_main(meeting) -> None:
    recorder = Recorder("main")
    a = await join(meeting, "a", "red", loud=False, recorder=recorder)
    b = await join(meeting, "b", "green", loud=False)
    c = await join(meeting, "c", "blue", loud=True)
    await until(lambda: ActiveSpeakerChanged("c") in meeting.hub.events, "c is detected as speaker")
    await until(lambda: a.slot_map["main"] == "c", "a is told c is in main")
    main = meeting.room.slot_track("a", "main")
    await until(
        lambda: main.source is meeting.room.source("c", "video") and main.pending is None,
        "the SFU has cut a's main slot over to c (c's keyframe arrived)",
    )

    loop = asyncio.get_running_loop()
    recorder.recording = True  # from here on, green can only come from the next switch
    c.audio.loud, b.audio.loud = False, True
    spoke_at = loop.time()
    await until(lambda: a.slot_map["main"] == "b", "a shows b in main once b speaks")
    decided_at = loop.time()
    await until(lambda: len(recorder.packets) >= 30, "a keeps receiving")
    colours = recorder.colours_from_first_keyframe(meeting.room.codec)
    assert colours[-5:] == ["green"] * 5
    first_green = recorder.times[
        recorder.first_keyframe(meeting.room.codec) + colours.index("green")
    ]
    # Issue goal: the new speaker is shown within 500 ms of the switch decision (the SFU's
    # part: PLI upstream, keyframe back, cut-over); detection adds about 0.2-0.3 s of hysteresis.
    assert 0 <= first_green - decided_at < 0.5
    assert decided_at - spoke_at < 1.5
    assert a.negotiations == 1
