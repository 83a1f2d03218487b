"""Real aiortc peers on loopback: host candidates on 127.0.0.1 only, no STUN, test clips on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aioice.ice
import pytest

from signaling.client import LocalHub, RoomClient
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip
from signaling.sfu import MediaRoom, MeetingCodec

RED = (220, 30, 30)
GREEN = (30, 200, 30)
BLUE = (30, 30, 220)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """aioice drops 127.0.0.1 from host candidates; tests must stay on loopback."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    yield


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EncodedClip]:
    """Three 3-second H.264 clips (one keyframe each: GOP longer than the clip) + one VP8."""
    folder: Path = tmp_path_factory.mktemp("clips")
    result = {
        name: EncodedClip.load(write_test_clip(folder / f"{name}.h264", rgb=rgb, gop=600))
        for name, rgb in (("red", RED), ("green", GREEN), ("blue", BLUE))
    }
    result["vp8"] = EncodedClip.load(
        write_test_clip(folder / "red.ivf", codec=MeetingCodec.VP8, rgb=RED, gop=600)
    )
    return result


class Meeting:
    """A MediaRoom with an in-process hub and helpers to join clip-playing clients."""

    def __init__(self, room: MediaRoom, hub: LocalHub, clips: dict[str, EncodedClip]) -> None:
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
async def meeting(clips: dict[str, EncodedClip]) -> AsyncIterator[Meeting]:
    hub = LocalHub()
    room = MediaRoom("meeting-1", on_event=hub.dispatch)
    hub.attach(room)
    m = Meeting(room, hub, clips)
    yield m
    for client in m.clients:
        await client.close()
    await room.close()
