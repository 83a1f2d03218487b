"""/metrics during a live two-client session (real aiortc clients over the signaling socket):
the hub's gauges and the SFU's packet counters, read with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.signaling.helpers import until

from .conftest import Meeting


async def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await client.get("/metrics")
    assert resp.status == 200
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def video_frames(joined: Any) -> int:
    return sum(r.frames for r in joined.media.receptions.values() if r.kind == "video")


async def test_a_live_session_shows_on_metrics(
    client: TestClient,
    meeting: Meeting,
    joiner: Callable[..., Any],
) -> None:
    before = await scrape(client)
    forwarded_before = before[("ecabinet_sfu_packets_forwarded_total", ())]
    received_before = before[("ecabinet_sfu_packets_received_total", ())]
    participants = ("ecabinet_meeting_participants", (("meeting", str(meeting.id)),))
    assert participants not in before

    chair = await joiner("botruong", "red")
    member = await joiner("daibieu", "green")
    await until(lambda: video_frames(chair) > 10 and video_frames(member) > 10, "media on both", 30)
    during = await scrape(client)
    assert during[participants] == 2
    assert during[("ecabinet_meeting_lobby", (("meeting", str(meeting.id)),))] == 0
    assert during[("ecabinet_websockets_open", (("kind", "meeting"),))] == 2
    assert during[("ecabinet_sfu_packets_forwarded_total", ())] > forwarded_before
    assert during[("ecabinet_sfu_packets_received_total", ())] > received_before
    assert ("ecabinet_sfu_cpu_seconds_per_packet", ()) in during
    assert during[("ecabinet_signaling_outbox_backlog", ())] >= 0

    await member.close()
    await until(lambda: len(chair.signaling.roster) == 1, "the member gone", 30)
    after = await scrape(client)
    assert after[participants] == 1
    assert after[("ecabinet_websockets_open", (("kind", "meeting"),))] == 1
