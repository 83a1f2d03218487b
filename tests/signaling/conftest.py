"""Real aiortc peers on loopback: host candidates on 127.0.0.1 only, no STUN, test clips on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from signaling.client import LocalHub, RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip
from signaling.sfu import MediaRoom
from tests.rtc import clips, loopback_only  # noqa: F401 (fixtures)


class Meeting:
    """A MediaRoom with an in-process hub and helpers to join clip-playing clients."""

    def __init__(
        self,
        room: MediaRoom,
        hub: LocalHub,
        clips: dict[str, EncodedClip],  # noqa: F811
    ) -> None:
        self.room = room
        self.hub = hub
        self.clips = clips
        self.clients: list[RoomClient] = []

    async def join(self, participant_id: str, clip: str | None = None, **options) -> RoomClient:
        video = ClipTrack(self.clips[clip]) if clip else None
        client = RoomClient(participant_id, video=video, codec=self.room.codec, **options)
        self.clients.append(client)
        await client.connect(self.hub)
        return client


@pytest.fixture
async def meeting(clips: dict[str, EncodedClip]) -> AsyncIterator[Meeting]:  # noqa: F811
    hub = LocalHub()
    room = MediaRoom("meeting-1", on_event=hub.dispatch)
    hub.attach(room)
    m = Meeting(room, hub, clips)
    yield m
    for client in m.clients:
        await client.close()
    await room.close()
