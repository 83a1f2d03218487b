"""Acceptance: screen share through the signaling WebSocket, with real aiortc room clients.

The member shares a clip as its screen on the m-line it negotiated at join while its camera keeps
going; the chair decodes the screen in ``main`` and the member's camera in ``second``, told so by
the ``slots`` message (``sources``) and the ``screen`` broadcast. One share at a time: a second
sharer who is not a moderator is refused (``screen_busy``), the chair takes over, and the chair
can stop anyone's share (``stop_screen``).
"""

from __future__ import annotations

import functools

import pytest

from signaling.client import RoomClient, decode_packets
from signaling.clientmedia import ClipTrack
from signaling.sfu import MeetingCodec
from signaling.sfu.forwarder import is_keyframe
from signaling.wsclient import SignalingError
from tests.signaling.helpers import colour_of, until

from .conftest import Join, Meeting


@pytest.fixture
def joiner(joiner: Join) -> Join:  # every client here offers the second video line for a share
    return functools.partial(joiner, keep=400, share_line=True)


def colours(client: RoomClient, slot: str, shown: str) -> list[str]:
    """Decoded colours of what ``slot`` delivered while labelled ``shown``, from its first
    keyframe (the label changes when the server decides; the picture at the next keyframe)."""
    packets = [p for who, p in client.receptions[slot].kept if who == shown]
    start = next(i for i, p in enumerate(packets) if is_keyframe(MeetingCodec.H264, bytes(p)))
    return [colour_of(f) for f in decode_packets(MeetingCodec.H264, packets[start:])]


async def test_the_chair_decodes_a_members_screen_and_camera(
    joiner, clips, meeting: Meeting
) -> None:
    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green")
    me = member.participant
    main, second = chair.media.receptions["main"], chair.media.receptions["second"]
    await until(lambda: main.by_source[me] >= 10, "the chair sees the member's camera")
    before = dict(chair.media.slot_map)

    await member.media.share(ClipTrack(clips["blue"]))
    # the `screen` broadcast reaches the chair too (its own socket: maybe a moment later)
    await chair.signaling.wait_for(lambda: chair.signaling.screen_sharer == me)
    await until(
        lambda: main.by_source[f"{me}:screen"] >= 20 and second.by_source[me] >= 20,
        "the chair receives the member's screen in main and its camera in second",
    )
    assert chair.media.slot_map["main"] == me and chair.media.slot_map["second"] == me
    assert chair.media.slot_sources["main"] == "screen"
    assert chair.media.slot_sources["second"] == "video"
    assert colours(chair.media, "main", f"{me}:screen")[-15:] == ["blue"] * 15
    assert colours(chair.media, "second", me)[-15:] == ["green"] * 15
    assert chair.media.negotiations == 1 and member.media.negotiations == 1

    # A late joiner is told at once who shares, and gets the screen in its main slot.
    late = await joiner("vanhanh", "red", f"?endpoint={meeting.endpoint_id}")
    await late.signaling.wait_for(lambda: late.got("screen", participant=me, previous=None))
    await until(
        lambda: late.media.receptions["main"].by_source[f"{me}:screen"] >= 10,
        "the late joiner receives the screen",
    )
    await late.media.close()
    await late.signaling.close()

    await member.media.stop_sharing()
    await chair.signaling.wait_for(lambda: chair.got("screen", participant=None, previous=me))
    await until(lambda: chair.media.slot_map == before, "the chair's layout returns")
    assert chair.media.slot_sources["main"] == "video"


async def test_a_second_sharer_is_refused_and_the_chair_takes_over(
    joiner, clips, meeting: Meeting
) -> None:
    member = await joiner("daibieu", "green")
    site = await joiner("vanhanh", "red", f"?endpoint={meeting.endpoint_id}")
    chair = await joiner("botruong", "blue")
    await member.media.share(ClipTrack(clips["green"]))

    with pytest.raises(SignalingError) as refused:
        await site.media.share(ClipTrack(clips["red"]))
    assert refused.value.code == "screen_busy"
    assert site.signaling.screen_sharer == member.participant

    # The chair shares anyway: it takes over, the member is told whose share replaced its own.
    await chair.media.share(ClipTrack(clips["blue"]))
    await member.signaling.wait_for(
        lambda: member.got("screen", participant=chair.participant, previous=member.participant)
    )
    await until(
        lambda: (
            site.media.slot_map.get("main") == chair.participant
            and site.media.slot_sources.get("main") == "screen"
        ),
        "the site is shown the chair's screen",
    )

    # The chair stops the site's share... which is not on; and then its own. A member may not.
    await member.signaling.send("stop_screen", participant=chair.participant)
    await member.signaling.wait_for(lambda: member.got("error", code="not_moderator"))
    await chair.signaling.send("stop_screen", participant=site.participant)
    await site.signaling.wait_for(lambda: site.got("screen_stopped"))
    assert chair.signaling.screen_sharer == chair.participant
    await chair.media.stop_sharing()
    await site.signaling.wait_for(lambda: site.signaling.screen_sharer is None)
