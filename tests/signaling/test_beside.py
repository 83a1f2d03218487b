"""Background work of a room: same key in order, other keys alongside, all awaited on drain."""

from __future__ import annotations

import asyncio

from signaling.beside import Beside


async def test_work_with_one_key_runs_in_order_and_other_keys_do_not_wait() -> None:
    done: list[str] = []
    slow_started = asyncio.Event()

    async def step(name: str, delay: float = 0.0, fail: bool = False) -> None:
        if name == "join":
            slow_started.set()
        await asyncio.sleep(delay)
        if fail:
            raise RuntimeError(name)
        done.append(name)

    beside = Beside()
    beside.run(step("join", 0.05, fail=True), key="p1")  # a failed record does not block the next
    beside.run(step("leave"), key="p1")
    beside.run(step("other"), key="p2")
    await slow_started.wait()
    await asyncio.sleep(0.01)
    assert done == ["other"]  # p2 ran while p1's first record was still in flight
    await beside.drain()
    assert done == ["other", "leave"]


async def test_drain_waits_for_work_started_while_draining() -> None:
    done: list[str] = []
    beside = Beside()

    async def then_more() -> None:
        await asyncio.sleep(0)
        beside.run(last(), key="k")

    async def last() -> None:
        await asyncio.sleep(0.01)
        done.append("last")

    beside.run(then_more(), key="k")
    await beside.drain()
    assert done == ["last"]
