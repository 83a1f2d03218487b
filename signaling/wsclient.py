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
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiortc import RTCIceServer

from .sfu.layout import Quality
from .sfu.room import JoinAnswer, QualityRequested, SlotBinding, SlotsChanged

log = logging.getLogger("signaling.wsclient")
ANSWER_TIMEOUT = 30.0
# Closes after which the client comes back by itself: going away, dropped (no close frame),
# server error, service restart, try again later, slow reader. Everything else is final.
RECONNECT_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014, 4413})
CloseCode_UNAUTHORIZED = 4401  # the token expired: get a new ticket (``renew``) and retry
REMEMBERED = frozenset({"media_state", "hand"})  # re-sent after a reconnect


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnect attempts: exponential from ``base`` up to ``cap`` seconds, each
    drawn at random between half and all of it (jitter, so that a whole meeting does not come
    back in the same instant); the first one follows the server's ``retry_after`` hint if any."""

    base: float = 0.25
    cap: float = 2.0
    give_up: float = 300.0

    def delay(self, attempt: int, hint: float | None = None) -> float:
        if attempt == 0 and hint is not None:
            return hint * random.uniform(0.5, 1.5)  # noqa: S311 (jitter, not a secret)
        ceiling = min(self.cap, self.base * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311


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
    """One participant's signaling socket (a ``RoomTransport`` for :class:`RoomClient`).

    **Reconnecting**: when the server says ``reconnect`` (it is restarting) or the socket drops
    after we were welcomed, the session opens a new socket by itself, after the server's
    ``retry_after`` hint or an exponential backoff with jitter (:class:`Backoff`), with the same
    join token (or a new ticket from ``renew`` when the token is refused) and the resumption
    token of the last ``welcome``, re-sends our own ``media_state`` and ``hand``, and — unless
    the server resumed the session and our peer connection is healthy (docs/signaling.md §5a) —
    asks the media client to renegotiate (a new peer connection: the server that carried our
    media may be gone). ``close_code`` is set only when
    the session is over for good (closed by us, refused, removed, meeting ended, or
    ``Backoff.give_up`` seconds without success).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        ticket: Ticket,
        *,
        origin: str | None = None,
        on_message: Callable[[dict[str, Any]], None] | None = None,
        reconnect: bool = True,
        backoff: Backoff | None = None,
        renew: Callable[[], Awaitable[Ticket]] | None = None,
    ) -> None:
        self._session = session
        self.ticket = ticket
        self._origin = origin
        self._on_message = on_message
        self._auto_reconnect = reconnect
        self.backoff = backoff or Backoff()
        self._renew = renew
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.you: dict[str, Any] = {}
        self.roster: dict[str, dict[str, Any]] = {}
        self.lobby: dict[str, dict[str, Any]] = {}
        self.in_lobby = ticket.lobby
        self.messages: list[dict[str, Any]] = []
        self.snapshots = 0
        self.screen_sharer: str | None = None  # from ``screen`` messages
        self.close_code: int | None = None  # final: the session is over
        self.last_close_code: int | None = None  # of the latest socket
        self.reconnects = 0  # sockets re-opened after a drop or a ``reconnect``
        self.rejoins = 0  # media renegotiated after a reconnect
        self.resumes = 0  # reconnects that resumed the session (media and roster entry kept)
        self.resume_token: str | None = None  # from the latest ``welcome`` (single use)
        self.resumed = False  # whether the latest ``welcome`` resumed the session
        self._client: Any = None
        self._answer: asyncio.Future[dict[str, Any]] | None = None
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._welcomed = False
        self._dropped: int | None = None
        self._retry_after: float | None = None
        self._closing = False
        self._own_state: dict[str, dict[str, Any]] = {}  # our last media_state and hand

    async def open(self) -> None:
        await self._connect()
        if not self._welcomed:
            self.close_code = self._dropped or 1006
            raise SignalingError(*self._last_error())

    async def _connect(self) -> None:
        """One socket: connect, authenticate, wait for ``welcome`` (or the close)."""
        headers = {"Origin": self._origin} if self._origin else {}
        self._welcomed, self._dropped = False, None
        ws = await self._session.ws_connect(self.ticket.ws_url, headers=headers)
        self.ws = ws
        if self.resume_token is not None:
            # Spent once presented: a refused resume (another process) gets a fresh one.
            token, self.resume_token = self.resume_token, None
            await self.send("auth", token=self.ticket.token, resume=token)
        else:
            await self.send("auth", token=self.ticket.token)
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))
        await self.wait_for(lambda: self._welcomed or self._dropped is not None)

    @property
    def connected(self) -> bool:
        return self._welcomed and self._dropped is None

    def _last_error(self) -> tuple[str, str]:
        for message in reversed(self.messages):
            if message.get("type") == "error":
                return str(message.get("code")), str(message.get("message"))
        return "closed", f"closed with {self.last_close_code}"

    async def send(self, type_: str, **fields: Any) -> None:
        if self.ws is None or self.ws.closed:
            raise SignalingError("closed", "the signaling socket is closed")
        if type_ in REMEMBERED:
            self._own_state[type_] = fields
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
            code = ws.close_code or 1006
            self.last_close_code = self._dropped = code
            if self._answer is not None and not self._answer.done():
                self._answer.set_exception(SignalingError(*self._last_error()))
            welcomed = self._welcomed
            if self._reconnector is None and welcomed:
                if self._auto_reconnect and not self._closing and code in RECONNECT_CODES:
                    self._reconnector = asyncio.get_running_loop().create_task(
                        self._reconnect(), name="signaling-reconnect"
                    )
                else:
                    self.close_code = code
            async with self._changed:
                self._changed.notify_all()

    async def _reconnect(self) -> None:
        """Open sockets until one is welcomed, the session is refused, or we give up."""
        loop = asyncio.get_running_loop()
        gave_up_at = loop.time() + self.backoff.give_up
        attempt = 0
        try:
            while not self._closing:
                await asyncio.sleep(self.backoff.delay(attempt, self._retry_after))
                if self._session.closed:
                    self.close_code = self._dropped or 1006
                    return
                self._retry_after = None
                attempt += 1
                try:
                    await self._connect()
                except (aiohttp.ClientError, OSError, TimeoutError, RuntimeError) as exc:
                    log.info("reconnect attempt %d failed: %s", attempt, exc)
                    self._dropped = 1006
                if self._welcomed:
                    break
                if self._dropped == CloseCode_UNAUTHORIZED and self._renew is not None:
                    with contextlib.suppress(SignalingError, aiohttp.ClientError, OSError):
                        self.ticket = await self._renew()
                elif self._dropped not in RECONNECT_CODES:
                    self.close_code = self._dropped
                    return
                if loop.time() > gave_up_at:
                    self.close_code = self._dropped or 1006
                    return
            if self._closing:
                return
            self.reconnects += 1
            for type_, fields in list(self._own_state.items()):
                with contextlib.suppress(SignalingError, ConnectionError):
                    await self.send(type_, **fields)
        finally:
            self._reconnector = None
            async with self._changed:
                self._changed.notify_all()
        if self.resumed:
            self.resumes += 1
        if self._client is not None and not self.in_lobby and self._needs_media():
            try:
                await self._client.reconnect()
                self.rejoins += 1
            except (SignalingError, TimeoutError, ConnectionError) as exc:
                log.warning("media renegotiation after reconnect failed: %s", exc)
            async with self._changed:
                self._changed.notify_all()
        if self._dropped is not None and self.close_code is None and self._reconnector is None:
            # The new socket dropped while we renegotiated: go round again.
            if self._auto_reconnect and not self._closing and self._dropped in RECONNECT_CODES:
                self._reconnector = asyncio.get_running_loop().create_task(self._reconnect())

    def _needs_media(self) -> bool:
        """After a reconnect: a new offer, unless the session was resumed and our peer
        connection is still healthy (then the media never stopped)."""
        if not self.resumed:
            return True
        healthy = getattr(self._client, "media_healthy", None)
        return not (healthy() if callable(healthy) else False)

    def _apply(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.you = message["you"]
            self.in_lobby = bool(self.you.get("lobby"))
            resume = message.get("resume")
            self.resume_token = resume if isinstance(resume, str) else None
            self.resumed = message.get("resumed") is True
            self._welcomed = True
        elif kind == "reconnect":
            with contextlib.suppress(TypeError, ValueError):
                self._retry_after = max(0.0, min(60.0, float(message.get("retry_after", 0))))
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
        self._closing = True
        if self._reconnector is not None:
            self._reconnector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnector
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(SignalingError, ConnectionError):
                await self.send("leave")
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
