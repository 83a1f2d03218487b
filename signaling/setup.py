"""Wire signaling into the app: the WebSocket route, and the hub's lifetime (cleanup_ctx)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ecabinet.services.context import Services

from .bus import create_bus
from .hub import Hub
from .media import LocalMedia, NoMedia
from .routing import MediaRouter
from .ws import hub_key, meeting_socket

MediaFactory = Callable[[Services], LocalMedia]


def default_media(svc: Services) -> LocalMedia:
    """The aiortc SFU in this process (the embedded default)."""
    from .sfu.codecs import MeetingCodec
    from .sfu_plane import SfuPlane

    return SfuPlane(codec=MeetingCodec(svc.settings.media_codec), ice_servers=[])


def no_media(svc: Services) -> LocalMedia:
    """Signaling only (rosters, lobby, chair controls); every offer is refused."""
    return NoMedia()


def setup(app: web.Application, services: Services, *, media: MediaFactory = default_media) -> None:
    app.router.add_get(r"/ws/meetings/{id}", meeting_socket, name="meeting_socket")
    hub = Hub(services)
    app[hub_key] = hub  # set before start-up: the app's state is frozen once it runs

    async def hub_context(app: web.Application) -> AsyncIterator[None]:
        bus = create_bus(services.settings.redis_url or None)
        router = MediaRouter(services, bus, media(services))
        await router.start()
        hub.start(bus, router)
        yield
        await hub.close()

    app.cleanup_ctx.append(hub_context)
