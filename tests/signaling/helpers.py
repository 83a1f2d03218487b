"""Helpers for media tests: wait on a condition with the event-loop clock, read decoded colour."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import av


async def until(condition: Callable[[], bool], what: str, limit: float = 15.0) -> None:
    """Wait until ``condition()`` holds (generous timeout: this is about *whether*, not speed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def colour_of(frame: av.VideoFrame) -> str:
    """'red', 'green' or 'blue' from the chroma at the centre of a synthetic test frame."""
    u_plane, v_plane = frame.planes[1], frame.planes[2]
    row = frame.height // 4
    u = bytes(u_plane)[row * u_plane.line_size + 4]
    v = bytes(v_plane)[row * v_plane.line_size + 4]
    if v > 170:
        return "red"
    if u > 170:
        return "blue"
    if u < 110 and v < 110:
        return "green"
    return f"unknown(u={u},v={v})"
