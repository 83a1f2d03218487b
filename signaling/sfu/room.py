"""MediaRoom: the media plane of one meeting (one per meeting, pinned to one SFU process).

The signaling hub calls it; it never touches the database or the WebSocket itself. It tells the
hub what to relay to clients through one event callback (see the ``MediaEvent`` classes).

Join: the client offers one m-line per slot it can render, in this order per kind — the first
audio and the first video m-line may also *send* (its microphone and camera); later ones are
receive-only. The answer maps each m-line (mid) to a slot name (:class:`SlotBinding`). After
that the layout only switches the source behind each slot: no SDP is ever exchanged again.

Screen share is a participant's second video publication: the *second* video m-line of its offer
may also send (the first is its camera). It is negotiated at join and carries nothing until the
client puts a screen on it and asks to share (:meth:`MediaRoom.share_screen`); one share at a
time per meeting. While it is on, every other participant's ``main`` slot shows the screen and
``second`` the speaker's camera — the same slots, so subscribers renegotiate nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy

from signaling.sfu.codecs import (
    MeetingCodec,
    OfferRejected,
    parse_offer,
    preferred_codecs,
    resilient_audio,
)
from signaling.sfu.consent import heard_packets, tolerate_event_loop_lag
from signaling.sfu.downlink import Allocation, DownlinkControl, OctetRate
from signaling.sfu.events import (
    ActiveSpeakerChanged,
    ConnectionStateChanged,
    JoinAnswer,
    LinkChanged,
    MediaEvent,
    MediaFlooded,
    MediaSilenceChanged,
    ParticipantExists,
    QualityRequested,
    ScreenShareChanged,
    ScreenShareRefused,
    SlotBinding,
    SlotsChanged,
)
from signaling.sfu.forwarder import SlotTrack, Source
from signaling.sfu.ingest import REMB_CAP_BPS, fast_ingest, set_remb_cap
from signaling.sfu.keyframes import KeyframeRequester
from signaling.sfu.layout import (
    SCREEN,
    ParticipantKind,
    Quality,
    RoomView,
    SlotPlan,
    SpeakerDetector,
    assign_slots,
    quality_demand,
    slot_sources,
)
from signaling.sfu.liveness import CHECK_EVERY, SilenceWatch
from signaling.sfu.negotiation import answer_direction, bind_slots, screen_mid
from signaling.sfu.outlet import RtpOutlet
from signaling.sfu.passthrough import (
    enable_passthrough,
    hook_keyframe_requests,
    install_passthrough,
    request_keyframe_upstream,
    tap_rtp,
)
from signaling.sfu.policer import IngestPolicer, IngestPolicy, Step
from signaling.sfu.reports import SenderReports, read_feedback

logger = logging.getLogger(__name__)

__all__ = [  # the events live in events.py; importing them from here keeps working
    "ActiveSpeakerChanged",
    "ConnectionStateChanged",
    "JoinAnswer",
    "LinkChanged",
    "MediaEvent",
    "MediaFlooded",
    "MediaRoom",
    "MediaSilenceChanged",
    "ParticipantExists",
    "QualityRequested",
    "ScreenShareChanged",
    "ScreenShareRefused",
    "SlotBinding",
    "SlotsChanged",
]

MAX_BUNDLE = RTCBundlePolicy.MAX_BUNDLE
SPEAKER_TICK = 0.1  # seconds between active-speaker decisions
DEFAULT_THUMBNAILS = 16
FLOOD_BAN = 60.0  # seconds a publisher disconnected for flooding may not offer again
LINK_TICK = 1.0  # seconds between downlink re-plans
LINK_REPORT = 5.0  # seconds between link reports (estimate, loss, RTT) when nothing else changed


@dataclass
class _Participant:
    participant_id: str
    kind: ParticipantKind
    pc: RTCPeerConnection
    video_slots: tuple[str, ...] = ()
    audio_slots: tuple[str, ...] = ()
    slots: dict[str, SlotTrack] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    assignment: dict[str, str | None] = field(default_factory=dict)
    shown_sources: dict[str, str | None] = field(default_factory=dict)
    thumbnail_page: int = 0
    screen_mid: str | None = None  # the m-line its screen share would arrive on
    reports: SenderReports | None = None  # the RTCP sender reports of its slots
    downlink: DownlinkControl = field(default_factory=DownlinkControl)
    sent: OctetRate = field(default_factory=OctetRate)  # what its slots send
    link_said: tuple[tuple[str, ...], bool] | None = None  # paused slots, audio only: as told
    link_said_at: float = -1e9


class MediaRoom:
    """The SFU for one meeting. Create it in the running event loop; ``close()`` when it ends."""

    def __init__(
        self,
        meeting_id: str,
        *,
        codec: MeetingCodec = MeetingCodec.H264,
        ice_servers: list[RTCIceServer] | None = None,
        on_event: Callable[[MediaEvent], None] | None = None,
        thumbnails: int = DEFAULT_THUMBNAILS,
        keyframe_interval: float = 0.4,
        policy: IngestPolicy | None = None,
        adapt_downlinks: bool = True,
    ) -> None:
        install_passthrough()
        self.adapt_downlinks = adapt_downlinks  # pause what a subscriber's link cannot carry
        self.meeting_id = meeting_id
        self.codec = codec
        self._ice_servers = list(ice_servers or [])  # never None: aiortc would add Google STUN
        self._on_event = on_event or (lambda event: None)
        self._thumbnails = thumbnails
        self._keyframe_interval = keyframe_interval
        self.policy = policy or IngestPolicy()  # what each publication may send (policer.py)
        self._flooded: dict[str, float] = {}  # participant -> loop time its offers are refused to
        self._participants: dict[str, _Participant] = {}
        self._order: list[str] = []
        self._muted: set[str] = set()
        self._floor: str | None = None
        self._chair: str | None = None
        self._quality: dict[str, Quality] = {}
        self._screen: str | None = None  # who shares its screen
        self.speakers = SpeakerDetector()
        self.silence = SilenceWatch()  # media paths gone quiet (liveness.py)
        self._loop = asyncio.get_running_loop()
        self._ticker = self._loop.create_task(self._speaker_ticks())
        self._closed = False
        self._cleanups: set[asyncio.Task[None]] = set()
        self._link_tick_at: float | None = None

    # -- membership -------------------------------------------------------------------------

    async def add_participant(
        self, participant_id: str, offer_sdp: str, *, kind: ParticipantKind
    ) -> JoinAnswer:
        """Accept ``participant_id``'s offer; return the answer. Raises :class:`OfferRejected`."""
        if participant_id in self._participants:
            raise ParticipantExists(participant_id)
        if self._flooded.get(participant_id, 0.0) > self._loop.time():
            raise OfferRejected(
                "media_flood",
                "You sent far more media than the meeting allows; try again in a minute.",
            )
        sections = parse_offer(offer_sdp, self.codec)
        plan = SlotPlan.for_kind(ParticipantKind(kind), self._thumbnails)
        bindings = bind_slots(sections, plan)
        screen = screen_mid(sections)
        # MAX_BUNDLE: every transceiver on one transport from the start. With aiortc's default
        # (BALANCED) a second video transceiver shares the first video's transport and is then
        # left on it when BUNDLE moves the first one to the primary (audio) transport: it never
        # connects. Offers must BUNDLE every m-line (parse_offer checks).
        config = RTCConfiguration(iceServers=self._ice_servers, bundlePolicy=MAX_BUNDLE)
        pc = RTCPeerConnection(config)
        participant = _Participant(participant_id, ParticipantKind(kind), pc)
        participant.screen_mid = screen
        participant.video_slots = tuple(b.slot for b in bindings if b.kind == "video")
        participant.audio_slots = tuple(b.slot for b in bindings if b.kind == "audio")
        pc.on("track", lambda track: self._on_track(participant, track))
        pc.on("connectionstatechange", lambda: self._on_connection_state(participant))
        reports = participant.reports = SenderReports()  # one RTCP compound for all its slots
        try:
            # Transceivers are created first, in the offer's order, so that setRemoteDescription
            # binds each m-line to ours and the codec preference applies to the answer.
            by_mid = {b.mid: b for b in bindings}
            for section in sections:
                binding = by_mid.get(section.mid)
                slot = SlotTrack(section.kind, binding.slot, self.codec) if binding else None
                transceiver = pc.addTransceiver(
                    slot or section.kind, direction=answer_direction(section)
                )
                transceiver.setCodecPreferences(preferred_codecs(section.kind, self.codec))
                if slot is not None:
                    slot.outlet = RtpOutlet(transceiver.sender, reports)
                    slot.outlet.on_rtcp = self._feedback_reader(participant, transceiver.sender)
                    participant.slots[slot.name] = slot
                    hook_keyframe_requests(transceiver.sender, slot.request_keyframe)
            enable_passthrough(pc)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            resilient_audio(pc)
            await pc.setLocalDescription(await pc.createAnswer())
            tolerate_event_loop_lag(pc)
            fast_ingest(pc)
        except OfferRejected:
            await pc.close()
            raise
        except Exception as exc:
            await pc.close()
            raise OfferRejected("sdp_unusable", f"the offer could not be answered: {exc}") from exc
        self._participants[participant_id] = participant
        self._order.append(participant_id)
        self._relayout()
        publishes = tuple(sorted(participant.sources))
        return JoinAnswer(pc.localDescription.sdp, tuple(bindings), publishes)

    async def remove_participant(self, participant_id: str) -> None:
        """Drop a participant's media (leave, removal by the chair, reconnect). Idempotent.

        Also done by the room itself when the participant's connection fails or closes (after a
        ``ConnectionStateChanged`` event)."""
        participant = self._participants.pop(participant_id, None)
        if participant is None:
            return
        self._order.remove(participant_id)
        self._quality.pop(participant_id, None)
        self.speakers.forget(participant_id)
        if self._floor == participant_id:
            self._floor = None
        if self._screen == participant_id:
            self._screen = None
            self._emit(ScreenShareChanged(None, participant_id))
        for source in participant.sources.values():
            await source.close()
        for slot in participant.slots.values():
            slot.stop()
        self._relayout()
        await participant.pc.close()

    async def close(self) -> None:
        self._closed = True
        self._ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._ticker
        for participant_id in list(self._participants):
            await self.remove_participant(participant_id)
        await asyncio.gather(*self._cleanups, return_exceptions=True)

    # -- chair controls and floor ----------------------------------------------------------

    def set_floor(self, participant_id: str | None) -> None:
        """Give the floor (main video and audio for everyone) to a participant, or take it back."""
        self._floor = participant_id
        self._relayout()

    def set_chair(self, participant_id: str | None) -> None:
        self._chair = participant_id
        self._relayout()

    def mute(self, participant_id: str, muted: bool = True) -> None:
        """Stop (or resume) forwarding a participant's audio, whatever its client does."""
        if muted:
            self._muted.add(participant_id)
        else:
            self._muted.discard(participant_id)
        participant = self._participants.get(participant_id)
        if participant and "audio" in participant.sources:
            participant.sources["audio"].enabled = not muted
        self._relayout()

    def share_screen(self, participant_id: str, *, take_over: bool = False) -> str | None:
        """Start ``participant_id``'s screen share (its screen m-line should carry it by now).

        One share at a time: if someone else shares, ``take_over`` (the chair's right) stops
        theirs, else :class:`ScreenShareRefused` ``screen_busy``. Returns whose share was
        stopped. Sharing again while sharing changes nothing."""
        participant = self._participants.get(participant_id)
        if participant is None or SCREEN not in participant.sources:
            raise ScreenShareRefused(
                "screen_not_negotiated",
                "Your media connection has no screen-share line; reconnect to share.",
            )
        previous = self._screen
        if previous == participant_id:
            return None
        if previous is not None and not take_over:
            raise ScreenShareRefused("screen_busy", "Someone else is sharing their screen.")
        self._screen = participant_id
        self._emit(ScreenShareChanged(participant_id, previous))
        self._relayout()
        return previous

    def stop_screen(self, participant_id: str) -> bool:
        """Stop ``participant_id``'s share (itself, or the chair stopping it). Idempotent."""
        if self._screen != participant_id:
            return False
        self._screen = None
        self._emit(ScreenShareChanged(None, participant_id))
        self._relayout()
        return True

    @property
    def screen_sharer(self) -> str | None:
        return self._screen

    def set_thumbnail_page(self, participant_id: str, page: int) -> None:
        participant = self._participants.get(participant_id)
        if participant is not None and page >= 0:
            participant.thumbnail_page = page
            self._relayout()

    # -- queries -----------------------------------------------------------------------------

    @property
    def participant_ids(self) -> tuple[str, ...]:
        return tuple(self._order)

    def slots_of(self, participant_id: str) -> dict[str, str | None]:
        """Current slot → shown participant for one participant (what clients are told)."""
        return dict(self._participants[participant_id].assignment)

    def sources_of(self, participant_id: str) -> dict[str, str | None]:
        """Current slot → publication shown (``audio``, ``video``, ``screen``) for one."""
        return dict(self._participants[participant_id].shown_sources)

    def slot_track(self, participant_id: str, slot: str) -> SlotTrack:
        return self._participants[participant_id].slots[slot]

    def source(self, participant_id: str, kind: str) -> Source | None:
        participant = self._participants.get(participant_id)
        return participant.sources.get(kind) if participant else None

    def quality_of(self, participant_id: str) -> Quality | None:
        return self._quality.get(participant_id)

    # -- internals ---------------------------------------------------------------------------

    def _on_track(self, participant: _Participant, track: MediaStreamTrack) -> None:
        receiver = _receiver_of(participant.pc, track)
        requester = None
        if track.kind == "video" and receiver is not None:
            requester = KeyframeRequester(
                lambda: request_keyframe_upstream(receiver),
                min_interval=self._keyframe_interval,
            )
        on_level = (
            self._level_reporter(participant.participant_id) if track.kind == "audio" else None
        )
        source = Source(
            participant.participant_id, track.kind, self.codec, requester, on_level=on_level
        )
        source.enabled = not (track.kind == "audio" and participant.participant_id in self._muted)
        mid = _mid_of(participant.pc, track)
        name = SCREEN if mid is not None and mid == participant.screen_mid else track.kind
        participant.sources[name] = source
        source.policer = IngestPolicer(
            self.policy.budget(track.kind), self.policy, time.monotonic()
        )
        source.on_step = lambda step: self._policed(participant, name, receiver, step)
        if receiver is not None:
            tap_rtp(receiver, source.forward)
        if participant.participant_id in self._participants:
            self._relayout()

    def _policed(
        self,
        participant: _Participant,
        source: str,
        receiver: RTCRtpReceiver | None,
        step: Step,
    ) -> None:
        """A publication went over its budget (cap its REMB), back within it (the normal cap),
        or flooded for seconds on end (drop its media, refuse its offers for a while)."""
        pid = participant.participant_id
        if step is Step.CAP and receiver is not None and source != "audio":
            logger.info("%s: %s over its ingest budget, REMB lowered", pid, source)
            set_remb_cap(receiver, self.policy.budget("video").bitrate / 2)
        elif step is Step.UNCAP and receiver is not None and source != "audio":
            set_remb_cap(receiver, REMB_CAP_BPS)
        elif step is Step.DISCONNECT and self._participants.get(pid) is participant:
            logger.warning("%s: %s flooded the SFU; its media is disconnected", pid, source)
            self._flooded[pid] = self._loop.time() + FLOOD_BAN
            self._emit(MediaFlooded(pid, source))
            task = self._loop.create_task(self.remove_participant(pid))
            self._cleanups.add(task)
            task.add_done_callback(self._cleanups.discard)

    def _on_connection_state(self, participant: _Participant) -> None:
        state = participant.pc.connectionState
        self._emit(ConnectionStateChanged(participant.participant_id, state))
        pid = participant.participant_id
        if state in ("failed", "closed") and self._participants.get(pid) is participant:
            # Its media is gone: free its slots now so nobody keeps watching a dead source.
            task = self._loop.create_task(self.remove_participant(pid))
            self._cleanups.add(task)
            task.add_done_callback(self._cleanups.discard)

    def _level_reporter(self, participant_id: str) -> Callable[[int], None]:
        loop = self._loop

        def report(level: int) -> None:
            if participant_id not in self._muted:
                self.speakers.add(participant_id, level, loop.time())

        return report

    async def _speaker_ticks(self) -> None:
        next_liveness = self._loop.time() + CHECK_EVERY
        next_link = self._loop.time() + LINK_TICK
        while True:
            await asyncio.sleep(SPEAKER_TICK)
            if self._loop.time() >= next_liveness:
                next_liveness = self._loop.time() + CHECK_EVERY
                self._check_liveness()
            if self._loop.time() >= next_link:
                next_link = self._loop.time() + LINK_TICK
                self._adapt_downlinks(self._loop.time())
            speaker = self.speakers.tick(self._loop.time(), self._muted)
            if speaker is not None:
                self._emit(ActiveSpeakerChanged(speaker))
                self._relayout()

    def _feedback_reader(
        self, participant: _Participant, sender: object
    ) -> Callable[[object], None]:
        estimate = participant.downlink.estimate
        loop = self._loop

        def read(packet: object) -> None:
            remb, blocks = read_feedback(sender, packet)
            now = loop.time()
            if remb is not None:
                estimate.on_remb(remb, now)
            for fraction_lost, rtt in blocks:
                estimate.on_report(fraction_lost, rtt, now)

        return read

    def _adapt_downlinks(self, now: float) -> None:
        """Re-plan every subscriber's video slots to what its link carries (downlink.py)."""
        elapsed = LINK_TICK if self._link_tick_at is None else max(0.1, now - self._link_tick_at)
        self._link_tick_at = now
        rates = {  # once per source, however many subscribers show it
            id(source): source.rate.sample(source.octets, elapsed)
            for participant in self._participants.values()
            for source in participant.sources.values()
        }
        for participant in self._participants.values():
            if not participant.slots:
                continue
            sent = sum(s.outlet.octets for s in participant.slots.values() if s.outlet)
            sending_bps = participant.sent.sample(sent, elapsed)
            video: dict[str, float] = {}
            audio = 0
            for name, slot in participant.slots.items():
                shown = slot.pending or slot.source
                if shown is None:
                    continue
                if slot.kind == "audio":
                    audio += 1
                else:
                    video[name] = max(50_000.0, rates.get(id(shown), 0.0))
            allocation = participant.downlink.tick(sending_bps, audio, video, now)
            if not self.adapt_downlinks:
                allocation = Allocation(tuple(video), (), False)
            for name, slot in participant.slots.items():
                if slot.kind == "video":
                    slot.set_paused(name in allocation.paused)
            self._say_link(participant, allocation, now)

    def _say_link(self, participant: _Participant, allocation: Allocation, now: float) -> None:
        said = (allocation.paused, allocation.audio_only)
        if said == participant.link_said and now - participant.link_said_at < LINK_REPORT:
            return
        if said != participant.link_said and allocation.paused:
            logger.info(
                "%s: link carries %.0f kbit/s, paused %s",
                participant.participant_id,
                participant.downlink.estimate.bps / 1000,
                ",".join(allocation.paused),
            )
        participant.link_said, participant.link_said_at = said, now
        estimate = participant.downlink.estimate
        self._emit(
            LinkChanged(
                participant.participant_id,
                estimate_bps=int(estimate.bps),
                sending_bps=int(estimate.sending_bps),
                loss=round(estimate.loss, 3),
                rtt=None if estimate.rtt is None else round(estimate.rtt, 3),
                paused=allocation.paused,
                audio_only=allocation.audio_only,
            )
        )

    def _check_liveness(self) -> None:
        counts = {
            pid: heard_packets(p.pc)
            for pid, p in self._participants.items()
            if p.pc.connectionState == "connected"
        }
        for participant_id, silent in self.silence.check(self._loop.time(), counts):
            self._emit(MediaSilenceChanged(participant_id, silent))

    def _view(self) -> RoomView:
        video = frozenset(p for p, x in self._participants.items() if "video" in x.sources)
        audio = frozenset(p for p, x in self._participants.items() if "audio" in x.sources)
        return RoomView(
            participants=tuple(self._order),
            video_publishers=video,
            audio_publishers=audio,
            muted=frozenset(self._muted),
            floor=self._floor if self._floor in self._participants else None,
            chair=self._chair if self._chair in self._participants else None,
            speakers=tuple(self.speakers.recent),
            screen=self._screen if self._screen in self._participants else None,
        )

    def _relayout(self) -> None:
        if self._closed:
            return
        view = self._view()
        assignments: dict[str, dict[str, str | None]] = {}
        shown: dict[str, dict[str, str | None]] = {}
        for participant_id in self._order:
            participant = self._participants[participant_id]
            assignment = assign_slots(
                view,
                participant_id,
                participant.video_slots,
                participant.audio_slots,
                participant.assignment,
                participant.thumbnail_page,
            )
            sources = slot_sources(view, participant_id, assignment)
            assignments[participant_id] = assignment
            shown[participant_id] = sources
            for slot_name, who in assignment.items():
                track = participant.slots[slot_name]
                name = sources[slot_name]
                track.switch_to(self.source(who, name) if who and name else None)
            if assignment != participant.assignment or sources != participant.shown_sources:
                participant.assignment = assignment
                participant.shown_sources = sources
                self._emit(SlotsChanged(participant_id, dict(assignment), dict(sources)))
        demand = quality_demand(assignments, view.video_publishers, shown)
        for publisher, quality in demand.items():
            if self._quality.get(publisher) is not quality:
                self._quality[publisher] = quality
                self._emit(QualityRequested(publisher, quality))

    def _emit(self, event: MediaEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            logger.exception("media event handler failed for %r", event)


def _receiver_of(pc: RTCPeerConnection, track: MediaStreamTrack) -> RTCRtpReceiver | None:
    for transceiver in pc.getTransceivers():
        if transceiver.receiver.track is track:
            return transceiver.receiver
    return None


def _mid_of(pc: RTCPeerConnection, track: MediaStreamTrack) -> str | None:
    for transceiver in pc.getTransceivers():
        if transceiver.receiver.track is track:
            return transceiver.mid
    return None
