"""Wire signaling into the app: the WebSocket route, the hub's lifetime (cleanup_ctx), its
shutdown hook (``on_shutdown``: clients told to reconnect, pins released) and its metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ecabinet.services import live_state
from ecabinet.services.context import Services
from ecabinet.web.metrics import metrics_key

from .bus import create_bus
from .hub import Hub
from .media import LocalMedia, NoMedia
from .metrics import LiveCollector
from .routing import MediaRouter
from .ws import hub_key, meeting_socket

log = logging.getLogger("signaling.setup")
MediaFactory = Callable[[Services], LocalMedia]


def default_media(svc: Services) -> LocalMedia:
    """The aiortc SFU in this process (the embedded default)."""
    from .sfu.codecs import MeetingCodec
    from .sfu_plane import SfuPlane

    return SfuPlane(codec=MeetingCodec(svc.settings.media_codec), ice_servers=[])


def no_media(svc: Services) -> LocalMedia:
    """Signaling only (rosters, lobby, chair controls); every offer is refused."""
    return NoMedia()


async def recover(svc: Services, node: str) -> None:
    """Start-up after a stop or a crash: take over the media pins of the dead process that had
    this process's name; rooms rebuild the rest as their clients reconnect (docs/deploy.md)."""
    taken = await live_state.recover_pins(svc, svc.settings.node_name, node)
    running = await live_state.meetings_in_progress(svc)
    if taken or running:
        log.info(
            "recovery: %d meetings in progress; media pins taken over for meetings %s",
            len(running),
            taken,
        )


def setup(app: web.Application, services: Services, *, media: MediaFactory = default_media) -> None:
    app.router.add_get(r"/ws/meetings/{id}", meeting_socket, name="meeting_socket")
    hub = Hub(services)
    app[hub_key] = hub  # set before start-up: the app's state is frozen once it runs
    routers: list[MediaRouter] = []
    if metrics_key in app:
        app[metrics_key].registry.register(
            LiveCollector(hub, lambda: sum(r.backlog for r in routers))
        )

    async def hub_context(app: web.Application) -> AsyncIterator[None]:
        bus = create_bus(services.settings.redis_url or None)
        bus.origin = live_state.node_id(services.settings.node_name, bus.origin)
        await recover(services, bus.origin)
        router = MediaRouter(services, bus, media(services))
        routers.append(router)
        await router.start()
        await hub.start(bus, router)
        yield
        await hub.close()

    async def hub_shutdown(app: web.Application) -> None:
        await hub.shutdown()

    app.cleanup_ctx.append(hub_context)
    app.on_shutdown.append(hub_shutdown)
