"""Python room client on aiortc: joins a meeting as an endpoint from a file or a synthetic source.

``python -m signaling.client --server URL --meeting ID --username U --password-stdin
[--play FILE] [--share FILE]``

The media part (:class:`RoomClient`) is independent of how signaling travels: it talks to a
:class:`RoomTransport`. :class:`LocalHub` is the in-process transport used by the tests and the
benchmark (it calls a :class:`~signaling.sfu.room.MediaRoom` directly); the WebSocket transport
of the signaling hub implements the same protocol.

The client offers one m-line per slot (first audio and first video also publish; with
``screen=`` or ``share_line=True`` the second video m-line publishes a screen share), receives
the slots as encoded frames (passthrough, like the SFU) and counts them; :func:`decode_packets`
decodes what was kept when a caller wants pictures. Received frames are counted per shown
source: the participant id for a camera or microphone, ``"<id>:screen"`` for a screen share
(:func:`shown_key`).

When the signaling socket comes back after a drop or a server restart, the transport calls
:meth:`RoomClient.reconnect`: a new peer connection and a new offer (camera and microphone are
published through aiortc's ``MediaRelay``, so they outlive a connection; a screen share ends with
its connection, as in the browser, and is asked for again).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import av
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy

from signaling.sfu.codecs import MeetingCodec, preferred_codecs
from signaling.sfu.forwarder import is_keyframe
from signaling.sfu.layout import MAX_AUDIO_SLOTS, SCREEN, ParticipantKind, Quality
from signaling.sfu.passthrough import (
    enable_passthrough,
    hook_keyframe_requests,
    install_passthrough,
)
from signaling.sfu.room import (
    JoinAnswer,
    MediaEvent,
    MediaRoom,
    QualityRequested,
    SlotsChanged,
)

MAX_BUNDLE = RTCBundlePolicy.MAX_BUNDLE  # see room.py: BALANCED strands the 2nd video m-line


class RoomTransport(Protocol):
    """How a :class:`RoomClient` reaches the SFU (in-process, or WebSocket signaling)."""

    async def join(self, client: RoomClient, offer_sdp: str) -> JoinAnswer: ...

    async def leave(self, client: RoomClient) -> None: ...

    async def share_screen(self, client: RoomClient, active: bool) -> None:
        """Ask the room to start (or stop) showing the client's screen; raises if refused."""
        ...


def shown_key(participant: str | None, source: str | None) -> str | None:
    """How received frames are counted: ``p3`` for p3's camera, ``p3:screen`` for its screen."""
    if participant is None:
        return None
    return f"{participant}:{SCREEN}" if source == SCREEN else participant


class LocalHub:
    """In-process transport: clients call the room directly; room events go to the right client."""

    def __init__(self) -> None:
        self.room: MediaRoom | None = None
        self.clients: dict[str, RoomClient] = {}
        self.events: list[MediaEvent] = []

    def attach(self, room: MediaRoom) -> None:
        self.room = room

    def dispatch(self, event: MediaEvent) -> None:
        """Pass as ``MediaRoom(on_event=hub.dispatch)``."""
        self.events.append(event)
        participant_id = getattr(event, "participant_id", None)
        client = self.clients.get(participant_id) if participant_id else None
        if client is not None:
            client.handle_event(event)

    async def join(self, client: RoomClient, offer_sdp: str) -> JoinAnswer:
        if self.room is None:
            raise RuntimeError("LocalHub.attach(room) first")
        self.clients[client.participant_id] = client
        return await self.room.add_participant(client.participant_id, offer_sdp, kind=client.kind)

    async def leave(self, client: RoomClient) -> None:
        self.clients.pop(client.participant_id, None)
        if self.room is not None:
            await self.room.remove_participant(client.participant_id)

    async def share_screen(self, client: RoomClient, active: bool) -> None:
        if self.room is None:
            raise RuntimeError("LocalHub.attach(room) first")
        if active:
            self.room.share_screen(client.participant_id)
        else:
            self.room.stop_screen(client.participant_id)


@dataclass
class SlotReception:
    """What arrived on one slot: counts always, the first ``keep`` packets for decoding."""

    name: str
    kind: str
    frames: int = 0
    keyframes: int = 0
    first_packet_at: float | None = None  # event-loop time
    first_keyframe_at: float | None = None
    first_packet_was_keyframe: bool | None = None
    by_source: Counter[str] = field(default_factory=Counter)
    kept: list[tuple[str | None, av.Packet]] = field(default_factory=list)


class RoomClient:
    """One participant's media: publishes ``video``/``audio`` tracks, receives its slots."""

    def __init__(
        self,
        participant_id: str,
        *,
        kind: ParticipantKind = ParticipantKind.ENDPOINT,
        codec: MeetingCodec = MeetingCodec.H264,
        video: MediaStreamTrack | None = None,
        audio: MediaStreamTrack | None = None,
        screen: MediaStreamTrack | None = None,
        share_line: bool = False,
        video_slots: int = 2,
        audio_slots: int = MAX_AUDIO_SLOTS,
        thumbnails: int = 0,
        keep: int = 0,
        ice_servers: list[RTCIceServer] | None = None,
        on_packet: Callable[[SlotReception, av.Packet], None] | None = None,
    ) -> None:
        install_passthrough()
        self.participant_id = participant_id
        self.kind = kind
        self.codec = codec
        self.video = video
        self.audio = audio
        self.screen = screen
        self.keep = keep
        self.slot_map: dict[str, str | None] = {}  # slot → participant shown (from the server)
        self.slot_sources: dict[str, str | None] = {}  # slot → "audio" / "video" / "screen"
        self.requested_quality: Quality | None = None
        self.receptions: dict[str, SlotReception] = {}
        self.negotiations = 0  # offer/answer exchanges: 1 per join, switching adds none
        self.answer: JoinAnswer | None = None
        self._layout = (video_slots + thumbnails, audio_slots)
        self._share_line = share_line or screen is not None
        self._screen_sender: RTCRtpSender | None = None
        self._ice_servers = list(ice_servers or [])
        self._on_packet = on_packet
        self._transport: RoomTransport | None = None
        self._pc: RTCPeerConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._relay = MediaRelay()

    @property
    def pc(self) -> RTCPeerConnection:
        if self._pc is None:
            raise RuntimeError("not connected")
        return self._pc

    async def connect(self, transport: RoomTransport) -> JoinAnswer:
        """Offer, get the answer, start receiving. Returns the server's slot bindings."""
        self._transport = transport
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=self._ice_servers, bundlePolicy=MAX_BUNDLE)
        )
        self._pc = pc
        video_count, audio_count = self._layout
        # (kind, track, sends, receives): microphone, camera, [screen], then receive-only slots
        plan: list[tuple[str, MediaStreamTrack | None, bool, bool]] = [
            ("audio", self.audio, self.audio is not None, audio_count > 0),
            ("video", self.video, self.video is not None, video_count > 0),
        ]
        video_receivers = max(0, video_count - 1)
        if self._share_line:  # the second video m-line: the screen (and the next slot)
            plan.append(("video", self.screen, True, video_receivers > 0))
            video_receivers = max(0, video_receivers - 1)
        plan += [("video", None, False, True)] * video_receivers
        plan += [("audio", None, False, True)] * max(0, audio_count - 1)
        for index, (kind, track, sends, receives) in enumerate(plan):
            if not sends and not receives and not (self._share_line and index == 1):
                continue  # (the camera m-line stays, inactive, so the screen is the second)
            direction = {
                (True, True): "sendrecv",
                (True, False): "sendonly",
                (False, True): "recvonly",
                (False, False): "inactive",
            }[(sends, receives)]
            # aiortc stops a sender's track when the peer connection ends: publish a relay of
            # the camera and microphone, so that they outlive a connection (reconnect()).
            relay = track is not None and index < 2  # camera, microphone (not the screen)
            published = self._relay.subscribe(track) if relay else track
            transceiver = pc.addTransceiver(published or kind, direction=direction)
            transceiver.setCodecPreferences(preferred_codecs(kind, self.codec))
            if self._share_line and index == 2:
                self._screen_sender = transceiver.sender
                hook_keyframe_requests(transceiver.sender, self._screen_keyframe)
                continue
            requester = getattr(track, "request_keyframe", None)
            if requester is not None:
                hook_keyframe_requests(transceiver.sender, requester)
        enable_passthrough(pc)
        pc.on("track", self._on_track)
        await pc.setLocalDescription(await pc.createOffer())
        answer = await transport.join(self, pc.localDescription.sdp)
        self.negotiations += 1
        self.answer = answer
        for binding in answer.slots:
            self.receptions.setdefault(binding.slot, SlotReception(binding.slot, binding.kind))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type="answer"))
        return answer

    def media_healthy(self) -> bool:
        """Whether our peer connection still carries media (not failed or closed): after a
        resumed signaling session there is then nothing to renegotiate."""
        return self._pc is not None and self._pc.connectionState not in ("failed", "closed")

    async def reconnect(self) -> JoinAnswer:
        """Media again after the signaling socket came back (the server that carried it may have
        restarted): a new peer connection and a new offer on the same transport. What arrives
        keeps being counted in the same :attr:`receptions`. A screen share does not survive the
        old connection: share again."""
        if self._transport is None:
            raise RuntimeError("connect() first")
        await self._stop_media()
        self.screen = None
        return await self.connect(self._transport)

    async def _stop_media(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._pc is not None:
            await self._pc.close()

    async def share(self, track: MediaStreamTrack) -> None:
        """Put ``track`` on the screen m-line and ask the room to show it (no renegotiation)."""
        if self._screen_sender is None or self._transport is None:
            raise RuntimeError("connect with screen= or share_line=True to share a screen")
        self.screen = track
        self._screen_sender.replaceTrack(track)
        await self._transport.share_screen(self, True)

    async def stop_sharing(self) -> None:
        if self._screen_sender is None or self._transport is None:
            return
        await self._transport.share_screen(self, False)
        self._screen_sender.replaceTrack(None)
        self.screen = None

    def _screen_keyframe(self) -> None:
        requester = getattr(self.screen, "request_keyframe", None)
        if requester is not None:
            requester()

    def handle_event(self, event: MediaEvent) -> None:
        if isinstance(event, SlotsChanged):
            self.slot_map = dict(event.slots)
            self.slot_sources = dict(event.sources)
        elif isinstance(event, QualityRequested):
            self.requested_quality = event.quality

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next((t.mid for t in self.pc.getTransceivers() if t.receiver.track is track), None)
        binding = (
            next((b for b in self.answer.slots if b.mid == mid), None) if self.answer else None
        )
        if binding is None:
            return  # a publishing-only m-line: nothing comes back on it
        reception = self.receptions.setdefault(
            binding.slot, SlotReception(binding.slot, binding.kind)
        )
        self._tasks.append(asyncio.get_running_loop().create_task(self._read(track, reception)))

    async def _read(self, track: MediaStreamTrack, reception: SlotReception) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                packet = await track.recv()
                now = loop.time()
                key = reception.kind == "audio" or is_keyframe(self.codec, bytes(packet))
                if reception.first_packet_at is None:
                    reception.first_packet_at = now
                    reception.first_packet_was_keyframe = key
                if key and reception.kind == "video":
                    reception.keyframes += 1
                    if reception.first_keyframe_at is None:
                        reception.first_keyframe_at = now
                reception.frames += 1
                shown = shown_key(
                    self.slot_map.get(reception.name), self.slot_sources.get(reception.name)
                )
                if shown is not None:
                    reception.by_source[shown] += 1
                if len(reception.kept) < self.keep:
                    reception.kept.append((shown, packet))
                if self._on_packet is not None:
                    self._on_packet(reception, packet)
        except MediaStreamError:
            pass

    async def close(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._transport is not None:
            await self._transport.leave(self)
        if self._pc is not None:
            await self._pc.close()
        for source in (self.video, self.audio):
            if source is not None:
                source.stop()  # ends the relay's reader too


def decode_packets(codec: MeetingCodec, packets: Sequence[av.Packet]) -> list[av.VideoFrame]:
    """Decode encoded video frames with PyAV; raises ``av.FFmpegError`` on undecodable input."""
    context = av.CodecContext.create("h264" if codec is MeetingCodec.H264 else "vp8", "r")
    frames: list[av.VideoFrame] = []
    for packet in packets:
        frames.extend(context.decode(av.Packet(bytes(packet))))
    return frames


# -- command line -------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m signaling.client", description=__doc__)
    parser.add_argument("--server", required=True, help="e.g. https://ecabinet.example.gov.vn")
    parser.add_argument("--meeting", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-stdin", action="store_true", required=True)
    parser.add_argument("--play", type=Path, help="encoded clip (.h264 Annex-B or .ivf VP8)")
    parser.add_argument("--endpoint", type=int, help="join as this endpoint (điểm cầu)")
    parser.add_argument(
        "--share", type=Path, help="also share this clip as the screen (beside the camera)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    password = sys.stdin.readline().rstrip("\n")  # read now: it never lingers in a pipe
    from .roomcli import run_cli

    return run_cli(
        args.server, args.meeting, args.username, password, args.play, args.endpoint, args.share
    )


if __name__ == "__main__":
    raise SystemExit(main())
