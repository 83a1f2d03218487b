"""Media routing: a meeting's media lives in ONE SFU process; sockets may be on any process.

The first offer for a meeting pins its media to the process that received it (table
``live_room``, :func:`ecabinet.services.live.pin_media`); later offers, wherever they arrive,
go to that process over the bus (its channel ``node:<id>``) and the answer comes back the same
way. What the SFU tells participants (slots, quality, active speaker) is published on the
meeting's channel, and each process hands it to the members whose sockets it holds. The pinned
process refreshes the pin while it carries media; a pin left stale (the process died) is taken
over by the next process that receives an offer, and the clients' failed media connections
renegotiate there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

from ecabinet.services import live
from ecabinet.services.context import Services

from .bus import Bus, Subscription
from .media import Answer, LocalMedia, MediaRefused

log = logging.getLogger("signaling.routing")
ANSWER_TIMEOUT = 20.0
FLUSH_TIMEOUT = 2.0  # seconds to publish what is still queued when the process stops
OUTBOX_SIZE = 10_000


def meeting_channel(svc: Services, meeting_id: int) -> str:
    return f"{svc.settings.bus_namespace}meeting:{meeting_id}"


def accounts_channel(svc: Services) -> str:
    """Accounts whose access ended (disabled, password reset by an administrator): every
    process closes their live sockets at once (SEC-C6), instead of at its next re-check."""
    return f"{svc.settings.bus_namespace}accounts"


def node_channel(svc: Services, node: str) -> str:
    return f"{svc.settings.bus_namespace}node:{node}"


class MediaRouter:
    """The :class:`~signaling.media.MediaPlane` the rooms use."""

    def __init__(self, svc: Services, bus: Bus, local: LocalMedia) -> None:
        self.svc = svc
        self.bus = bus
        self.local = local
        self.node = bus.origin
        self._where: dict[tuple[int, str], str] = {}  # (meeting, participant) → media process
        self._chairs: dict[int, str | None] = {}
        self._floors: dict[int, str | None] = {}  # who holds the floor, for media joining later
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._served: set[int] = set()  # meetings with media in this process's SFU
        # Which process holds the socket of each participant with media here: a leave from a
        # process that no longer holds it (the participant reconnected elsewhere) is ignored.
        self._owners: dict[tuple[int, str], str] = {}
        self._outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(OUTBOX_SIZE)
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: set[asyncio.Task[None]] = set()
        self._sub: Subscription | None = None
        self._closed = False
        local.set_sink(self._from_sfu)

    async def start(self) -> None:
        self._sub = await self.bus.subscribe(node_channel(self.svc, self.node))
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read(self._sub), name="media-router-inbox"),
            loop.create_task(self._send(), name="media-router-outbox"),
            loop.create_task(self._heartbeat(), name="media-router-heartbeat"),
        ]

    @property
    def backlog(self) -> int:
        """Messages waiting to be published on the bus."""
        return self._outbox.qsize()

    async def close(self) -> None:
        """Flush the outbox, stop, release this process's media pins, close the SFU."""
        if self._closed:
            return
        self._closed = True
        if self._tasks:
            try:
                async with asyncio.timeout(FLUSH_TIMEOUT):
                    await self._outbox.join()
            except TimeoutError:
                log.warning("media router: %d bus messages not sent at close", self.backlog)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._jobs, return_exceptions=True)
        if self._sub is not None:
            await self._sub.close()
        for meeting_id in list(self._served):
            with contextlib.suppress(Exception):
                await live.unpin_media(self.svc, meeting_id, self.node)
        await self.local.close()

    # -- the rooms' side ---------------------------------------------------------------------

    async def join(
        self, meeting_id: int, participant: str, sdp: str, *, console: bool, endpoint: bool
    ) -> Answer:
        pin = await live.pin_media(self.svc, meeting_id, self.node)
        request = {
            "meeting": meeting_id,
            "participant": participant,
            "sdp": sdp,
            "console": console,
            "endpoint": endpoint,
            "codec": pin.codec,
            "chair": self._chairs.get(meeting_id) == participant,
            "floor": self._floors.get(meeting_id),
        }
        if pin.node == self.node:
            answer = await self._join_here(request, self.node)
        else:
            answer = await self._join_there(pin.node, request)
        self._where[(meeting_id, participant)] = pin.node
        return answer

    async def leave(self, meeting_id: int, participant: str) -> None:
        node = self._where.pop((meeting_id, participant), None)
        if node == self.node:
            await self._leave_here(meeting_id, participant, self.node)
        elif node is not None:
            self._post(
                node,
                {
                    "kind": "leave",
                    "meeting": meeting_id,
                    "participant": participant,
                    "from": self.node,
                },
            )

    def mute(self, meeting_id: int, participant: str, muted: bool) -> None:
        self._operate(meeting_id, participant, "mute", muted)

    def set_thumbnail_page(self, meeting_id: int, participant: str, page: int) -> None:
        self._operate(meeting_id, participant, "page", page)

    def refresh(self, meeting_id: int, participant: str) -> None:
        self._operate(meeting_id, participant, "refresh", None)

    def share_screen(
        self, meeting_id: int, participant: str, active: bool, *, take_over: bool
    ) -> None:
        self._operate(meeting_id, participant, "screen", {"active": active, "take_over": take_over})

    def set_chair(self, meeting_id: int, participant: str | None) -> None:
        self._chairs[meeting_id] = participant
        if participant is not None:
            self._operate(meeting_id, participant, "chair", True)

    def set_floor(self, meeting_id: int, participant: str | None) -> None:
        """Give the floor in the SFU carrying this meeting (wherever its media is pinned)."""
        self._floors[meeting_id] = participant
        if participant is not None:
            self._operate(meeting_id, participant, "floor", participant)
            return
        for (meeting, someone), _node in list(self._where.items()):
            if meeting == meeting_id:
                self._operate(meeting_id, someone, "floor", None)
                return

    async def close_room(self, meeting_id: int) -> None:
        """No socket of this meeting is left here (its media, if pinned here, stays)."""
        self._chairs.pop(meeting_id, None)
        self._floors.pop(meeting_id, None)

    def _operate(self, meeting_id: int, participant: str, op: str, value: Any) -> None:
        node = self._where.get((meeting_id, participant))
        if node == self.node:
            self._apply_here(meeting_id, participant, op, value)
        elif node is not None:
            self._post(
                node,
                {
                    "kind": "op",
                    "meeting": meeting_id,
                    "participant": participant,
                    "op": op,
                    "value": value,
                },
            )

    # -- this process's SFU -------------------------------------------------------------------

    async def _join_here(self, request: dict[str, Any], owner: str) -> Answer:
        meeting_id = int(request["meeting"])
        self._served.add(meeting_id)
        self._owners[(meeting_id, str(request["participant"]))] = owner
        try:
            answer = await self.local.join(
                meeting_id,
                str(request["participant"]),
                str(request["sdp"]),
                console=bool(request["console"]),
                endpoint=bool(request["endpoint"]),
                codec=str(request["codec"]),
                chair=bool(request["chair"]),
            )
            if request.get("floor") == request["participant"]:
                # The floor was given before this media arrived (e.g. restored after a restart).
                self.local.set_floor(meeting_id, str(request["floor"]))
            return answer
        finally:
            if self.local.count(meeting_id) == 0:
                await self._release_here(meeting_id)

    async def _leave_here(self, meeting_id: int, participant: str, requester: str) -> None:
        if self._owners.get((meeting_id, participant)) != requester:
            return  # stale: the participant's media now belongs to a newer connection
        del self._owners[(meeting_id, participant)]
        await self.local.leave(meeting_id, participant)
        if self.local.count(meeting_id) == 0:
            await self._release_here(meeting_id)

    async def _release_here(self, meeting_id: int) -> None:
        """Nobody has media here any more: close the SFU room and give up the pin."""
        self._served.discard(meeting_id)
        for key in [k for k in self._owners if k[0] == meeting_id]:
            del self._owners[key]
        await self.local.close_room(meeting_id)
        await live.unpin_media(self.svc, meeting_id, self.node)

    def _apply_here(self, meeting_id: int, participant: str, op: str, value: Any) -> None:
        if op == "mute":
            self.local.mute(meeting_id, participant, bool(value))
        elif op == "page" and isinstance(value, int):
            self.local.set_thumbnail_page(meeting_id, participant, value)
        elif op == "refresh":
            self.local.refresh(meeting_id, participant)
        elif op == "chair":
            self.local.set_chair(meeting_id, participant)
        elif op == "floor":
            self.local.set_floor(meeting_id, value if isinstance(value, str) else None)
        elif op == "screen" and isinstance(value, dict):
            self.local.share_screen(
                meeting_id,
                participant,
                bool(value.get("active")),
                take_over=bool(value.get("take_over")),
            )

    def _from_sfu(
        self, meeting_id: int, participant: str | None, type_: str, fields: dict[str, Any]
    ) -> None:
        """SFU events go to the meeting's channel: each process delivers to its own sockets."""
        # "to" and the message's own fields apart: "speaker" and "screen" carry a "participant"
        message = {"kind": "media_event", "to": participant, "type": type_, "fields": fields}
        self._enqueue(meeting_channel(self.svc, meeting_id), message)

    # -- another process's SFU ----------------------------------------------------------------

    async def _join_there(self, node: str, request: dict[str, Any]) -> Answer:
        request_id = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._post(node, {"kind": "join", "request": request_id, "reply_to": self.node, **request})
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT):
                reply = await future
        except TimeoutError:
            raise MediaRefused(
                "media_unreachable", "The meeting's media server did not answer."
            ) from None
        finally:
            self._pending.pop(request_id, None)
        if "error" in reply:
            error = reply["error"]
            raise MediaRefused(str(error.get("code")), str(error.get("message")))
        answer = reply["answer"]
        return Answer(str(answer["sdp"]), list(answer["slots"]), list(answer["publishes"]))

    def _post(self, node: str, message: dict[str, Any]) -> None:
        self._enqueue(node_channel(self.svc, node), message)

    def _enqueue(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._outbox.put_nowait((channel, message))
        except asyncio.QueueFull:
            log.error("media router: outbox full; dropped a %s", message.get("kind"))

    async def _send(self) -> None:
        """One publisher, so messages leave in the order they were made."""
        while True:
            channel, message = await self._outbox.get()
            try:
                await self.bus.publish(channel, message)
            except Exception:
                log.exception("media router: publishing to %s failed", channel)
            finally:
                self._outbox.task_done()

    async def _read(self, sub: Subscription) -> None:
        async for message in sub:
            try:
                self._dispatch(message)
            except (KeyError, TypeError, ValueError):
                log.warning("media router: dropped a malformed %r", message.get("kind"))

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "reply":
            future = self._pending.get(str(message.get("request")))
            if future is not None and not future.done():
                future.set_result(message)
        elif kind == "join":
            self._spawn(self._serve_join(message))
        elif kind == "leave":
            meeting_id, participant = int(message["meeting"]), str(message["participant"])
            self._spawn(self._leave_here(meeting_id, participant, str(message["from"])))
        elif kind == "op":
            self._apply_here(
                int(message["meeting"]),
                str(message["participant"]),
                str(message["op"]),
                message.get("value"),
            )

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _serve_join(self, message: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"kind": "reply", "request": message.get("request")}
        try:
            answer = await self._join_here(message, str(message.get("reply_to")))
            reply["answer"] = answer.to_json()
        except MediaRefused as exc:
            reply["error"] = {"code": exc.code, "message": exc.message}
        except Exception:
            log.exception("media router: a join for another process failed")
            reply["error"] = {"code": "media_failed", "message": "The media server failed."}
        self._post(str(message.get("reply_to")), reply)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.svc.settings.presence_interval)
            for meeting_id in list(self._served):
                try:
                    await live.media_heartbeat(self.svc, meeting_id, self.node)
                except Exception:
                    log.exception("media router: heartbeat for meeting %s failed", meeting_id)
