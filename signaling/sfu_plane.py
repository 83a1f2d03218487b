"""The aiortc SFU behind the hub: one :class:`~signaling.sfu.room.MediaRoom` per meeting held by
this process, its events turned into server messages for the room's members.

Which layout a participant gets follows who they are: a host (chair, secretary) gets the
chair's console (main, second and a paged grid of thumbnails of all sites), an endpoint gets the
endpoint layout, a person in a browser the browser layout.
"""

from __future__ import annotations

from aiortc import RTCIceServer

from .media import Answer, MediaListener, MediaRefused
from .sfu.codecs import MeetingCodec, OfferRejected
from .sfu.layout import ParticipantKind
from .sfu.room import (
    ActiveSpeakerChanged,
    ConnectionStateChanged,
    MediaEvent,
    MediaRoom,
    QualityRequested,
    SlotsChanged,
)


class SfuPlane:
    def __init__(
        self, *, codec: MeetingCodec = MeetingCodec.H264, ice_servers: list[RTCIceServer] | None
    ) -> None:
        self.codec = codec
        self._ice_servers = list(ice_servers or [])
        self._rooms: dict[int, MediaRoom] = {}
        self._listeners: dict[int, MediaListener] = {}

    def room(self, meeting_id: int) -> MediaRoom | None:
        return self._rooms.get(meeting_id)

    def _room(self, meeting_id: int) -> MediaRoom:
        room = self._rooms.get(meeting_id)
        if room is None:
            room = MediaRoom(
                str(meeting_id),
                codec=self.codec,
                ice_servers=self._ice_servers,
                on_event=lambda event: self._relay(meeting_id, event),
            )
            self._rooms[meeting_id] = room
        return room

    def _relay(self, meeting_id: int, event: MediaEvent) -> None:
        listener = self._listeners.get(meeting_id)
        if listener is None:
            return
        if isinstance(event, SlotsChanged):
            listener(event.participant_id, "slots", {"slots": dict(event.slots)})
        elif isinstance(event, QualityRequested):
            listener(event.participant_id, "quality", {"quality": event.quality.value})
        elif isinstance(event, ActiveSpeakerChanged):
            listener(None, "speaker", {"participant": event.participant_id})
        elif isinstance(event, ConnectionStateChanged):
            listener(event.participant_id, "media_connection", {"state": event.state})

    def listen(self, meeting_id: int, listener: MediaListener) -> None:
        self._listeners[meeting_id] = listener

    async def join(
        self, meeting_id: int, participant: str, sdp: str, *, console: bool, endpoint: bool
    ) -> Answer:
        if console:
            kind = ParticipantKind.CONSOLE
        elif endpoint:
            kind = ParticipantKind.ENDPOINT
        else:
            kind = ParticipantKind.BROWSER
        room = self._room(meeting_id)
        await room.remove_participant(participant)
        try:
            answer = await room.add_participant(participant, sdp, kind=kind)
        except OfferRejected as exc:
            raise MediaRefused(exc.code, str(exc.message)) from None
        slots = room.slots_of(participant)
        listener = self._listeners.get(meeting_id)
        if listener is not None:
            # The first layout was emitted before the hub knew the participant has media.
            listener(participant, "slots", {"slots": slots})
        return Answer(
            answer.sdp,
            [{"mid": b.mid, "kind": b.kind, "slot": b.slot} for b in answer.slots],
            list(answer.publishes),
        )

    async def leave(self, meeting_id: int, participant: str) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            await room.remove_participant(participant)

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            room.mute(participant, muted)

    def set_chair(self, meeting_id: int, participant: str | None) -> None:
        self._room(meeting_id).set_chair(participant)

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None:
        room = self._rooms.get(meeting_id)
        if room is not None:
            room.set_thumbnail_page(participant, page)

    async def close_room(self, meeting_id: int) -> None:
        self._listeners.pop(meeting_id, None)
        room = self._rooms.pop(meeting_id, None)
        if room is not None:
            await room.close()

    async def close(self) -> None:
        for meeting_id in list(self._rooms):
            await self.close_room(meeting_id)
