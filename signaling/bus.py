"""The room-event bus: how app processes that serve one meeting hear each other.

Two implementations with one interface:

- :class:`InProcessBus` (the embedded default): subscribers in this process only.
- :class:`RedisBus`: Redis pub/sub, so several app processes (or nodes) share a meeting's events.

Messages are JSON objects. Each subscription has a bounded queue; a subscriber that falls behind
loses the oldest messages (and is told how many through ``Subscription.dropped``) rather than
growing memory without limit or slowing the publisher. Every message carries the id of the
process that sent it (``origin``), so a process can ignore its own echoes when it wants to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("signaling.bus")

DEFAULT_QUEUE_SIZE = 1024
CHANNEL_PREFIX = "ecabinet:"


class Subscription:
    """One listener on one channel; iterate it to receive messages."""

    def __init__(self, channel: str, maxsize: int, on_close: Any) -> None:
        self.channel = channel
        self.dropped = 0
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize)
        self._on_close = on_close
        self._closed = False

    def deliver(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        if self._queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(message)

    async def get(self) -> dict[str, Any]:
        message = await self._queue.get()
        if message is None:
            raise StopAsyncIteration
        return message

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.get()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        await self._on_close(self)


class Bus(Protocol):
    origin: str

    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    async def subscribe(self, channel: str) -> Subscription: ...

    async def close(self) -> None: ...


class _LocalFanout:
    """Subscriptions of this process, by channel."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._subs: dict[str, set[Subscription]] = {}

    def add(self, channel: str, on_close: Any) -> Subscription:
        sub = Subscription(channel, self._maxsize, on_close)
        self._subs.setdefault(channel, set()).add(sub)
        return sub

    def remove(self, sub: Subscription) -> bool:
        """Forget a subscription; True if it was the channel's last one."""
        subs = self._subs.get(sub.channel)
        if not subs:
            return False
        subs.discard(sub)
        if subs:
            return False
        del self._subs[sub.channel]
        return True

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for sub in tuple(self._subs.get(channel, ())):
            sub.deliver(message)

    def channels(self) -> list[str]:
        return list(self._subs)

    def all(self) -> list[Subscription]:
        return [s for subs in self._subs.values() for s in subs]


class InProcessBus:
    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.origin = secrets.token_hex(6)
        self._local = _LocalFanout(queue_size)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self._local.deliver(channel, {**message, "origin": self.origin})

    async def subscribe(self, channel: str) -> Subscription:
        return self._local.add(channel, self._unsubscribe)

    async def _unsubscribe(self, sub: Subscription) -> None:
        self._local.remove(sub)

    async def close(self) -> None:
        for sub in self._local.all():
            await sub.close()


class RedisBus:
    """Redis pub/sub. One connection listens for every channel this process cares about."""

    def __init__(self, url: str, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.origin = secrets.token_hex(6)
        self._redis = aioredis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._local = _LocalFanout(queue_size)
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        payload = json.dumps({**message, "origin": self.origin}, separators=(",", ":"))
        await self._redis.publish(CHANNEL_PREFIX + channel, payload)

    async def subscribe(self, channel: str) -> Subscription:
        async with self._lock:
            is_new = channel not in self._local.channels()
            sub = self._local.add(channel, self._unsubscribe)
            if is_new:
                # Returns once Redis has confirmed, so nothing published after this is missed.
                await self._pubsub.subscribe(CHANNEL_PREFIX + channel)
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")
        return sub

    async def _unsubscribe(self, sub: Subscription) -> None:
        async with self._lock:
            if self._local.remove(sub):
                try:
                    await self._pubsub.unsubscribe(CHANNEL_PREFIX + sub.channel)
                except (RedisError, OSError) as exc:
                    log.warning("redis bus: could not unsubscribe from %s: %s", sub.channel, exc)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus: reading failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            if isinstance(channel, bytes):
                channel = channel.decode()
            try:
                payload = json.loads(message["data"])
            except (ValueError, TypeError):
                log.warning("redis bus: dropped a message that is not JSON on %s", channel)
                continue
            if isinstance(payload, dict):
                self._local.deliver(channel.removeprefix(CHANNEL_PREFIX), payload)

    async def close(self) -> None:
        for sub in self._local.all():
            await sub.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for closing in (self._pubsub.aclose, self._redis.aclose):
            try:
                await closing()
            except (RedisError, OSError) as exc:  # Redis already gone: nothing left to release
                log.warning("redis bus: closing the connection failed: %s", exc)


def create_bus(redis_url: str | None) -> Bus:
    """The Redis bus when a URL is configured, the in-process bus otherwise."""
    return RedisBus(redis_url) if redis_url else InProcessBus()
