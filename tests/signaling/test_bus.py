"""The room-event bus: in-process, and Redis shared by several processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from signaling.bus import Bus, InProcessBus, RedisBus

REDIS_URL = os.environ.get("ECABINET_TEST_REDIS_URL", "")
pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["in-process", "redis"])
async def bus_factory(request):
    made: list[Bus] = []

    def make() -> Bus:
        if request.param == "redis":
            if not REDIS_URL:
                pytest.skip("Redis leg: set ECABINET_TEST_REDIS_URL (.ci/run does)")
            bus: Bus = RedisBus(REDIS_URL)
        else:
            bus = made[0] if made else InProcessBus()
        made.append(bus)
        return bus

    yield make
    for bus in {id(b): b for b in made}.values():
        await bus.close()


async def test_subscriber_receives_what_is_published_on_its_channel_only(bus_factory):
    bus = bus_factory()
    room_a = await bus.subscribe("meeting:1")
    room_b = await bus.subscribe("meeting:2")
    await bus.publish("meeting:1", {"type": "roster", "n": 1})
    message = await asyncio.wait_for(room_a.get(), 5)
    assert message["type"] == "roster" and message["n"] == 1
    assert message["origin"] == bus.origin
    await bus.publish("meeting:2", {"type": "roster", "n": 2})
    assert (await asyncio.wait_for(room_b.get(), 5))["n"] == 2
    assert room_a._queue.empty()


async def test_two_buses_share_a_channel(bus_factory):
    first, second = bus_factory(), bus_factory()
    sub = await second.subscribe("meeting:7")
    await first.publish("meeting:7", {"type": "joined", "participant": 3})
    message = await asyncio.wait_for(sub.get(), 5)
    assert message["participant"] == 3
    assert message["origin"] == first.origin


async def test_a_slow_subscriber_loses_the_oldest_messages_not_memory():
    bus = InProcessBus(queue_size=3)
    sub = await bus.subscribe("m")
    for i in range(10):
        await bus.publish("m", {"i": i})
    assert sub.dropped == 7
    assert [(await sub.get())["i"] for _ in range(3)] == [7, 8, 9]


async def test_closed_subscription_stops_iteration_and_receives_nothing_more(bus_factory):
    bus = bus_factory()
    sub = await bus.subscribe("m")
    await sub.close()
    await bus.publish("m", {"i": 1})
    with pytest.raises(StopAsyncIteration):
        await sub.get()


async def test_redis_bus_carries_events_between_two_processes(tmp_path):
    if not REDIS_URL:
        pytest.skip("Redis leg: set ECABINET_TEST_REDIS_URL (.ci/run does)")
    script = textwrap.dedent(
        f"""
        import asyncio, json, sys
        from signaling.bus import RedisBus

        async def main():
            bus = RedisBus({REDIS_URL!r})
            sub = await bus.subscribe("meeting:42")
            print("ready", flush=True)
            message = await asyncio.wait_for(sub.get(), 10)
            await bus.publish("meeting:42:reply", {{"echo": message["hello"]}})
            await bus.close()

        asyncio.run(main())
        """
    )
    listener = RedisBus(REDIS_URL)
    replies = await listener.subscribe("meeting:42:reply")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=subprocess.PIPE, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).strip() == b"ready"
        await listener.publish("meeting:42", {"hello": "from the other process"})
        reply = await asyncio.wait_for(replies.get(), 10)
        assert reply["echo"] == "from the other process"
        assert reply["origin"] != listener.origin
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
        await listener.close()
