"""The aiortc SFU behind the hub: one :class:`~signaling.sfu.room.MediaRoom` per meeting held by
this process, its events turned into server messages for the room's members (through the sink
that ``signaling.routing.MediaRouter`` sets: they travel over the bus to whichever process holds
each member's socket).

Which layout a participant gets follows who they are: a host (chair, secretary) gets the
chair's console (main, second and a paged grid of thumbnails of all sites), an endpoint gets the
endpoint layout, a person in a browser the browser layout.
"""

from __future__ import annotations

from aiortc import RTCIceServer

from .media import Answer, MediaRefused, MediaSink
from .sfu.codecs import MeetingCodec, OfferRejected
from .sfu.layout import ParticipantKind
from .sfu.room import (
    ActiveSpeakerChanged,
    ConnectionStateChanged,
    MediaEvent,
    MediaFlooded,
    MediaRoom,
    MediaSilenceChanged,
    QualityRequested,
    ScreenShareChanged,
    ScreenShareRefused,
    SlotsChanged,
)


class SfuPlane:
    def __init__(
        self, *, codec: MeetingCodec = MeetingCodec.H264, ice_servers: list[RTCIceServer] | None
    ) -> None:
        self.codec = codec
        self._ice_servers = list(ice_servers or [])
        self._rooms: dict[int, MediaRoom] = {}
        self._sink: MediaSink = lambda meeting, participant, type_, fields: None

    def room(self, meeting_id: int) -> MediaRoom | None:
        return self._rooms.get(meeting_id)

    def set_sink(self, sink: MediaSink) -> None:
        self._sink = sink

    def count(self, meeting_id: int) -> int:
        room = self._rooms.get(meeting_id)
        return len(room.participant_ids) if room is not None else 0

    def _room(self, meeting_id: int, codec: MeetingCodec | None = None) -> MediaRoom:
        room = self._rooms.get(meeting_id)
        if room is None:
            room = MediaRoom(
                str(meeting_id),
                codec=codec or self.codec,
                ice_servers=self._ice_servers,
                on_event=lambda event: self._relay(meeting_id, event),
            )
            self._rooms[meeting_id] = room
        return room

    def _relay(self, meeting_id: int, event: MediaEvent) -> None:
        sink = self._sink
        if isinstance(event, SlotsChanged):
            fields = {"slots": dict(event.slots), "sources": dict(event.sources)}
            sink(meeting_id, event.participant_id, "slots", fields)
        elif isinstance(event, ScreenShareChanged):
            fields = {"participant": event.participant_id, "previous": event.previous}
            sink(meeting_id, None, "screen", fields)
        elif isinstance(event, QualityRequested):
            sink(meeting_id, event.participant_id, "quality", {"quality": event.quality.value})
        elif isinstance(event, ActiveSpeakerChanged):
            sink(meeting_id, None, "speaker", {"participant": event.participant_id})
        elif isinstance(event, MediaFlooded):
            fields = {
                "code": "media_flood",
                "message": "You sent far more media than the meeting allows: your media was "
                "disconnected.",
                "ref": "offer",
            }
            sink(meeting_id, event.participant_id, "error", fields)
        elif isinstance(event, MediaSilenceChanged):
            fields = {"participant": event.participant_id, "silent": event.silent}
            sink(meeting_id, None, "media_silence", fields)
        elif isinstance(event, ConnectionStateChanged):
            sink(meeting_id, event.participant_id, "media_connection", {"state": event.state})

    async def join(
        self,
        meeting_id: int,
        participant: str,
        sdp: str,
        *,
        console: bool,
        endpoint: bool,
        codec: str,
        chair: bool,
    ) -> Answer:
        if console:
            kind = ParticipantKind.CONSOLE
        elif endpoint:
            kind = ParticipantKind.ENDPOINT
        else:
            kind = ParticipantKind.BROWSER
        room = self._room(meeting_id, MeetingCodec(codec))
        await room.remove_participant(participant)
        try:
            answer = await room.add_participant(participant, sdp, kind=kind)
        except OfferRejected as exc:
            raise MediaRefused(exc.code, str(exc.message)) from None
        if chair:
            room.set_chair(participant)
        # The first layout was decided before the hub knew the participant has media: say it.
        self._say_state(meeting_id, room, participant, quality=False)
        return Answer(
            answer.sdp,
            [{"mid": b.mid, "kind": b.kind, "slot": b.slot} for b in answer.slots],
            list(answer.publishes),
        )

    def _say_state(
        self, meeting_id: int, room: MediaRoom, participant: str, *, quality: bool
    ) -> None:
        slots = {"slots": room.slots_of(participant), "sources": room.sources_of(participant)}
        self._sink(meeting_id, participant, "slots", slots)
        if room.screen_sharer is not None:
            share = {"participant": room.screen_sharer, "previous": None}
            self._sink(meeting_id, participant, "screen", share)
        wanted = room.quality_of(participant) if quality else None
        if wanted is not None:
            self._sink(meeting_id, participant, "quality", {"quality": wanted.value})

    def refresh(self, meeting_id: int, participant: str) -> None:
        """A resumed socket missed what changed while it was away: slots, share, quality."""
        room = self._rooms.get(meeting_id)
        if room is not None and participant in room.participant_ids:
            self._say_state(meeting_id, room, participant, quality=True)

    async def leave(self, meeting_id: int, participant: str) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            await room.remove_participant(participant)

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            room.mute(participant, muted)

    def set_chair(self, meeting_id: int, participant: str | None) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            room.set_chair(participant)

    def set_floor(self, meeting_id: int, participant: str | None) -> None:
        """The chair gave the floor: the speaker becomes everyone's main video and audio."""
        room = self._rooms.get(meeting_id)
        if room is not None:
            room.set_floor(participant)

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            room.set_thumbnail_page(participant, page)

    def share_screen(
        self, meeting_id: int, participant: str, active: bool, *, take_over: bool
    ) -> None:
        """Start (one at a time; ``take_over`` for the chair) or stop a screen share."""
        room = self._rooms.get(meeting_id)
        if room is None:
            return
        if not active:
            room.stop_screen(participant)
            return
        try:
            room.share_screen(participant, take_over=take_over)
        except ScreenShareRefused as exc:
            fields = {"code": exc.code, "message": exc.message, "ref": "screen_share"}
            self._sink(meeting_id, participant, "error", fields)

    async def close_room(self, meeting_id: int) -> None:
        room = self._rooms.pop(meeting_id, None)
        if room is not None:
            await room.close()

    async def close(self) -> None:
        for meeting_id in list(self._rooms):
            await self.close_room(meeting_id)
