"""A TCP proxy on loopback whose connections a test can cut: the signaling socket (and HTTP)
goes through it, the media (UDP, straight to the server's ICE candidates) does not — so a test
can drop the WebSocket for a few seconds while the media path stays healthy.

``cut(seconds)`` aborts every open connection (an RST, no WebSocket close frame: what a broken
network looks like to both ends) and refuses new ones until the time is up. ``stall()`` keeps
the connections open but lets nothing through (a silently dead path: no RST, no FIN).
"""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._refuse_until = 0.0
        self.cuts = 0
        self.stalled = False

    async def start(self) -> CuttableProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def refusing(self) -> bool:
        return asyncio.get_running_loop().time() < self._refuse_until

    def stall(self) -> None:
        """From now on, swallow everything in both directions without closing anything."""
        self.stalled = True

    def cut(self, seconds: float) -> None:
        """Abort every connection now; refuse new ones for ``seconds``."""
        self.cuts += 1
        self._refuse_until = asyncio.get_running_loop().time() + seconds
        for writer in list(self._open):
            transport = writer.transport
            transport.abort()  # type: ignore[attr-defined]
        self._open.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing():
            writer.transport.abort()  # type: ignore[attr-defined]
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()  # type: ignore[attr-defined]
            return
        pair = {writer, up_writer}
        self._open |= pair
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, pair), self._pipe(up_reader, writer, pair)
            )
        finally:
            self._open -= pair

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: set[asyncio.StreamWriter],
    ) -> None:
        try:
            while data := await reader.read(65536):
                if self.stalled:
                    continue
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            for w in pair:
                if not w.is_closing():
                    if self.refusing():
                        w.transport.abort()  # type: ignore[attr-defined]
                    else:
                        with contextlib.suppress(Exception):
                            w.close()

    async def close(self) -> None:
        for writer in list(self._open):
            writer.transport.abort()  # type: ignore[attr-defined]
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
