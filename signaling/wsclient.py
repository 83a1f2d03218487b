"""The signaling WebSocket from the client side: log in, get a join ticket, open the socket, and
carry a :class:`~signaling.client.RoomClient`'s offer/answer and room events.

:class:`SignalingSession` is a ``RoomTransport`` (see ``signaling/client.py``) and also keeps the
room as the server describes it (roster, lobby, slots), so that tests and the command line can
watch it.

ICE: the ticket's ``ice_servers`` are passed to aiortc. aiortc gathers only UDP host candidates
and uses only the *first* TURN URL it is given, so the server lists ``turns:…:443?transport=tcp``
first; behind a firewall that blocks UDP that is the one path that works (docs/turn.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import RTCIceServer

from .sfu.layout import Quality
from .sfu.room import JoinAnswer, QualityRequested, SlotBinding, SlotsChanged

log = logging.getLogger("signaling.wsclient")
ANSWER_TIMEOUT = 30.0


class SignalingError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Ticket:
    token: str
    ws_url: str
    ice_servers: list[dict[str, Any]]
    participant: str
    lobby: bool

    def rtc_ice_servers(self) -> list[RTCIceServer]:
        return [
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in self.ice_servers
        ]


async def login(session: aiohttp.ClientSession, server: str, username: str, password: str) -> str:
    """An API access token (``POST /api/auth/login``)."""
    async with session.post(
        f"{server.rstrip('/')}/api/auth/login", json={"username": username, "password": password}
    ) as resp:
        body = await resp.json()
        if resp.status != 200:
            error = body.get("error", {})
            raise SignalingError(error.get("code", str(resp.status)), error.get("message", ""))
        return str(body["access_token"])


async def get_ticket(
    session: aiohttp.ClientSession,
    server: str,
    access_token: str,
    meeting_id: int,
    *,
    endpoint: int | None = None,
) -> Ticket:
    """A join ticket (``POST /api/meetings/{id}/join``)."""
    query = f"?endpoint={endpoint}" if endpoint is not None else ""
    async with session.post(
        f"{server.rstrip('/')}/api/meetings/{meeting_id}/join{query}",
        headers={"Authorization": f"Bearer {access_token}"},
    ) as resp:
        body = await resp.json()
        if resp.status != 200:
            error = body.get("error", {})
            raise SignalingError(error.get("code", str(resp.status)), error.get("message", ""))
    return Ticket(
        body["token"], body["ws_url"], body["ice_servers"], body["participant"], body["lobby"]
    )


class SignalingSession:
    """One participant's signaling socket (a ``RoomTransport`` for :class:`RoomClient`)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        ticket: Ticket,
        *,
        origin: str | None = None,
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._session = session
        self.ticket = ticket
        self._origin = origin
        self._on_message = on_message
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.you: dict[str, Any] = {}
        self.roster: dict[str, dict[str, Any]] = {}
        self.lobby: dict[str, dict[str, Any]] = {}
        self.in_lobby = ticket.lobby
        self.messages: list[dict[str, Any]] = []
        self.snapshots = 0
        self.screen_sharer: str | None = None  # from ``screen`` messages
        self.close_code: int | None = None
        self._client: Any = None
        self._answer: asyncio.Future[dict[str, Any]] | None = None
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        headers = {"Origin": self._origin} if self._origin else {}
        self.ws = await self._session.ws_connect(self.ticket.ws_url, headers=headers)
        await self.send("auth", token=self.ticket.token)
        self._reader = asyncio.get_running_loop().create_task(self._read(self.ws))
        await self.wait_for(lambda: bool(self.you) or self.close_code is not None)
        if self.close_code is not None:
            raise SignalingError(*self._last_error())

    def _last_error(self) -> tuple[str, str]:
        for message in reversed(self.messages):
            if message.get("type") == "error":
                return str(message.get("code")), str(message.get("message"))
        return "closed", f"closed with {self.close_code}"

    async def send(self, type_: str, **fields: Any) -> None:
        if self.ws is None or self.ws.closed:
            raise SignalingError("closed", "the signaling socket is closed")
        await self.ws.send_str(json.dumps({"v": 1, "type": type_, **fields}))

    async def wait_for(self, condition: Callable[[], bool], limit: float = 30.0) -> None:
        async with asyncio.timeout(limit), self._changed:
            await self._changed.wait_for(condition)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    break
                message = json.loads(frame.data)
                self.messages.append(message)
                self._apply(message)
                if self._on_message is not None:
                    self._on_message(message)
                async with self._changed:
                    self._changed.notify_all()
        finally:
            self.close_code = ws.close_code or 1006
            if self._answer is not None and not self._answer.done():
                self._answer.set_exception(SignalingError(*self._last_error()))
            async with self._changed:
                self._changed.notify_all()

    def _apply(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.you = message["you"]
            self.in_lobby = bool(self.you.get("lobby"))
        elif kind == "snapshot":
            self.snapshots += 1
            self.roster = {e["participant"]: e for e in message["roster"]}
            self.lobby = {e["participant"]: e for e in message["lobby"]}
        elif kind == "participant":
            entry = message["participant"]
            target, other = (
                (self.lobby, self.roster) if entry["lobby"] else (self.roster, self.lobby)
            )
            target[entry["participant"]] = entry
            other.pop(entry["participant"], None)
        elif kind == "participant_left":
            self.roster.pop(message["participant"], None)
            self.lobby.pop(message["participant"], None)
        elif kind == "admitted":
            self.in_lobby = False
        elif kind == "answer" and self._answer is not None and not self._answer.done():
            self._answer.set_result(message)
        elif kind == "error" and message.get("ref") == "offer" and self._answer is not None:
            if not self._answer.done():
                self._answer.set_exception(SignalingError(message["code"], message["message"]))
        elif kind == "screen":
            self.screen_sharer = message.get("participant")
        elif kind == "slots" and self._client is not None:
            self._client.handle_event(
                SlotsChanged(
                    self.ticket.participant, message["slots"], message.get("sources") or {}
                )
            )
        elif kind == "quality" and self._client is not None:
            self._client.handle_event(
                QualityRequested(self.ticket.participant, Quality(message["quality"]))
            )

    # -- RoomTransport ----------------------------------------------------------------------

    async def join(self, client: Any, offer_sdp: str) -> JoinAnswer:
        """Send the offer (after admission, for a lobby member) and wait for the answer."""
        self._client = client
        await self.wait_for(lambda: not self.in_lobby or self.close_code is not None, limit=3600)
        self._answer = asyncio.get_running_loop().create_future()
        await self.send("offer", sdp=offer_sdp)
        async with asyncio.timeout(ANSWER_TIMEOUT):
            answer = await self._answer
        return JoinAnswer(
            answer["sdp"],
            tuple(SlotBinding(s["mid"], s["kind"], s["slot"]) for s in answer["slots"]),
            tuple(answer["publishes"]),
        )

    async def leave(self, client: Any) -> None:
        self._client = None

    async def share_screen(self, client: Any, active: bool) -> None:
        """Ask to start/stop showing our screen; wait for the room's ``screen`` (or refusal)."""
        me = self.ticket.participant
        seen = len(self.messages)
        await self.send("screen_share", active=active)

        def refusal() -> dict[str, Any] | None:
            return next(
                (
                    m
                    for m in self.messages[seen:]
                    if m.get("type") == "error" and m.get("ref") == "screen_share"
                ),
                None,
            )

        await self.wait_for(
            lambda: (
                (self.screen_sharer == me) == active
                or refusal() is not None
                or self.close_code is not None
            )
        )
        refused = refusal()
        if refused is not None:
            raise SignalingError(str(refused["code"]), str(refused["message"]))

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(SignalingError, ConnectionError):
                await self.send("leave")
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


# -- command line (``python -m signaling.client``) ----------------------------------------------


async def run(
    server: str,
    meeting_id: int,
    username: str,
    password: str,
    *,
    play: Path | None = None,
    endpoint: int | None = None,
    seconds: float | None = None,
    share: Path | None = None,
) -> int:
    """Join and stay until the meeting ends, the chair removes us, or ``seconds`` pass.

    With ``share`` (an encoded clip, like ``play``) the client also shares it as its screen,
    beside its camera, once it has joined (refused if someone else already shares)."""
    from .client import RoomClient
    from .clientmedia import ClipTrack, EncodedClip, write_test_clip

    def show(message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind in ("welcome", "lobby", "admitted", "denied", "removed", "muted", "meeting_ended"):
            print(json.dumps(message, ensure_ascii=False), flush=True)
        elif kind == "error":
            print(f"error {message.get('code')}: {message.get('message')}", file=sys.stderr)

    async with aiohttp.ClientSession() as session:
        access = await login(session, server, username, password)
        ticket = await get_ticket(session, server, access, meeting_id, endpoint=endpoint)
        signaling = SignalingSession(session, ticket, on_message=show)
        await signaling.open()
        with tempfile.TemporaryDirectory() as folder:
            clip_path = play or write_test_clip(Path(folder) / "pattern.h264", gop=60)
            clip = EncodedClip.load(clip_path)
        media = RoomClient(
            ticket.participant,
            video=ClipTrack(clip),
            codec=clip.codec,
            share_line=share is not None,
            ice_servers=ticket.rtc_ice_servers(),
        )
        try:
            try:
                await media.connect(signaling)
            except SignalingError:
                if signaling.close_code is None:
                    raise
                return _exit_code(signaling.close_code)  # closed while joining (meeting over)
            print(f"joined meeting {meeting_id} as {ticket.participant}", flush=True)
            if share is not None:
                try:
                    await media.share(ClipTrack(EncodedClip.load(share)))
                    print(f"sharing {share.name} as the screen", flush=True)
                except SignalingError as exc:
                    print(f"cannot share: {exc.code}: {exc.message}", file=sys.stderr)
            with contextlib.suppress(TimeoutError):
                await signaling.wait_for(
                    lambda: signaling.close_code is not None, limit=seconds or 10**9
                )
        finally:
            await media.close()
            await signaling.close()
    return _exit_code(signaling.close_code)


def _exit_code(close_code: int | None) -> int:
    """0 when we left or the meeting ended; 1 when we were refused, removed or cut off."""
    return 0 if close_code in (None, 1000, 4410) else 1


def run_cli(
    server: str,
    meeting: str,
    username: str,
    password: str,
    play: Path | None,
    endpoint: int | None = None,
    share: Path | None = None,
) -> int:
    if not meeting.isdigit():
        print("--meeting must be a meeting number", file=sys.stderr)
        return 2
    try:
        return asyncio.run(
            run(
                server,
                int(meeting),
                username,
                password,
                play=play,
                endpoint=endpoint,
                share=share,
            )
        )
    except SignalingError as exc:
        print(f"refused: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
