# ruff: noqa: ASYNC240, ASYNC110  (a benchmark driver: runs ip/janus, blocking /proc reads)
"""Load side of bench/sfu.py: shapes, pre-encoded media, light-rx counters, our SFU's server
process and the load-client processes (ours and Janus). Run through ``bench/sfu.py``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JANUS_IP = "127.0.0.2"
CLIP_DIR = Path(tempfile.gettempdir()) / "ecabinet-bench-clips"


# -- load description ---------------------------------------------------------------------------


@dataclass
class Peer:
    id: str
    video: str | None = None  # what it publishes: "full" | "thumb" | None
    audio: bool = False
    kind: str = "endpoint"  # ours: endpoint | console
    video_slots: int = 0  # ours: slots it offers
    audio_slots: int = 0
    thumbnails: int = 0
    page: int = 0
    feeds: list[str] = field(default_factory=list)  # janus: publishers it subscribes to


@dataclass
class Shape:
    name: str
    peers: list[Peer]
    chair: str | None = None
    floor: str | None = None


def shape_grid(publishers: int, subscribers: int) -> Shape:
    pubs = [Peer(f"p{i}", video="full") for i in range(publishers)]
    names = [p.id for p in pubs]
    subs = [
        Peer(
            f"s{i}",
            kind="console",
            video_slots=2,
            thumbnails=publishers - 2,
            page=1,  # main/second show p0/p1, thumbnail page 1 shows p2, p3
            feeds=names,
        )
        for i in range(subscribers)
    ]
    return Shape(f"{publishers}x{subscribers}", pubs + subs)


def shape_national(endpoints: int = 85, thumbnails: int = 16) -> Shape:
    from signaling.sfu.layout import (
        ParticipantKind,
        Quality,
        RoomView,
        SlotPlan,
        assign_slots,
        quality_demand,
    )

    chair, floor = "chair", "site03"
    sites = [f"site{i:02d}" for i in range(endpoints)]
    everyone = (chair, *sites)
    view = RoomView(
        participants=everyone,
        video_publishers=frozenset(everyone),
        audio_publishers=frozenset({chair, floor}),
        muted=frozenset(set(sites) - {floor}),
        floor=floor,
        chair=chair,
    )
    console = SlotPlan.for_kind(ParticipantKind.CONSOLE, thumbnails)
    endpoint = SlotPlan.for_kind(ParticipantKind.ENDPOINT)
    assignments = {
        p: assign_slots(
            view,
            p,
            (console if p == chair else endpoint).video,
            (console if p == chair else endpoint).audio,
            {},
        )
        for p in everyone
    }
    demand = quality_demand(assignments, view.video_publishers)
    publish = {Quality.FULL: "full", Quality.THUMBNAIL: "thumb", Quality.NONE: None}
    peers = []
    for p in everyone:
        feeds = sorted({s for s in assignments[p].values() if s})
        peers.append(
            Peer(
                p,
                video=publish[demand[p]],
                audio=p in view.audio_publishers,
                kind="console" if p == chair else "endpoint",
                video_slots=2,
                audio_slots=3,
                thumbnails=thumbnails if p == chair else 0,
                feeds=feeds,
            )
        )
    return Shape("national", peers, chair=chair, floor=floor)


def shape_fanout(subscribers: int, audio: bool = False) -> Shape:
    """One publisher (video, optionally audio) to ``subscribers`` endpoints showing it in
    ``main``: the micro-benchmark's shape (bench/sfu_micro.py), all cost is forwarding."""
    pub = Peer("p0", video="full", audio=audio, feeds=[])
    subs = [
        Peer(f"s{i}", video_slots=1, audio_slots=1 if audio else 0, feeds=["p0"])
        for i in range(subscribers)
    ]
    return Shape(f"fanout{subscribers}{'a' if audio else ''}", [pub, *subs], floor="p0")


SHAPES = {
    "4x8": lambda: shape_grid(4, 8),
    "fanout16": lambda: shape_fanout(16),
    "fanout16a": lambda: shape_fanout(16, audio=True),
    "national": shape_national,
    "national20": lambda: shape_national(endpoints=20),
}


# -- media ---------------------------------------------------------------------------------------


def ensure_clips() -> dict[str, Path]:
    from signaling.clientmedia import write_test_clip

    CLIP_DIR.mkdir(exist_ok=True)
    full, thumb = CLIP_DIR / "full.h264", CLIP_DIR / "thumb.h264"
    if not full.exists():
        write_test_clip(
            full, width=640, height=360, seconds=10, gop=60, bitrate=500_000, noise=True
        )
    if not thumb.exists():
        write_test_clip(
            thumb, width=320, height=180, seconds=10, gop=60, bitrate=150_000, noise=True
        )
    return {"full": full, "thumb": thumb}


# -- light receive path (load clients) -----------------------------------------------------------


class RxCounters:
    """Per received SSRC: packets, frames (marker bit), highest extended sequence number."""

    def __init__(self) -> None:
        self.streams: dict[tuple[str, int], list[Any]] = {}

    def install(self) -> None:
        from aiortc.rtcrtpreceiver import RTCRtpReceiver

        counters = self

        async def count(receiver: Any, packet: Any, arrival_time_ms: int) -> None:
            key = (getattr(receiver, "_bench_peer", "?"), packet.ssrc)
            stream = counters.streams.get(key)
            kind = receiver._RTCRtpReceiver__kind
            seq = packet.sequence_number
            if stream is None:
                counters.streams[key] = [kind, 1, packet.marker, seq, seq]
                return
            stream[1] += 1
            stream[2] += packet.marker
            last = stream[4] & 0xFFFF
            delta = (seq - last) & 0xFFFF
            if delta < 0x8000:
                stream[4] += delta

        RTCRtpReceiver._handle_rtp_packet = count  # type: ignore[method-assign]

    def snapshot(self) -> dict[str, list[Any]]:
        return {f"{k[0]}:{k[1]}": list(v) for k, v in self.streams.items()}


def tag_receivers(pc: Any, peer_id: str) -> None:
    for transceiver in pc.getTransceivers():
        transceiver.receiver._bench_peer = peer_id


def apply_consent_variant() -> None:
    """``--consent-failures N``: aioice closes a connection after 6 consent checks in a row got
    no answer within 0.5 s (``aioice.ice.CONSENT_FAILURES``, checks sent with no retransmission).
    When the event loop lags behind the traffic on the busiest sockets, that expires the
    heaviest publishers; this variant measures the SFU with a larger tolerance."""
    import aioice.ice

    value = os.environ.get("ECABINET_BENCH_CONSENT_FAILURES")
    if value:
        aioice.ice.CONSENT_FAILURES = int(value)


# -- our SFU: server process and client ----------------------------------------------------------


async def serve_sfu(port_file: Path) -> None:
    import aioice.ice
    import aioice.turn
    from aiohttp import web

    from signaling.sfu import MediaRoom, OfferRejected, ParticipantKind

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = 4 << 20  # ride out event-loop stalls (findings §4)
    apply_consent_variant()
    started = time.monotonic()

    def log_event(event: Any) -> None:
        if os.environ.get("BENCH_DEBUG") and type(event).__name__ == "ConnectionStateChanged":
            print(f"EVENT {time.monotonic() - started:.1f} {event}", file=sys.stderr, flush=True)

    room = MediaRoom("bench", thumbnails=16, on_event=log_event)

    async def join(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            answer = await room.add_participant(
                body["id"], body["sdp"], kind=ParticipantKind(body["kind"])
            )
        except OfferRejected as exc:
            return web.json_response({"error": exc.code, "message": exc.message}, status=400)
        if body.get("page"):
            room.set_thumbnail_page(body["id"], body["page"])
        return web.json_response({"sdp": answer.sdp, "slots": [asdict(s) for s in answer.slots]})

    async def control(request: web.Request) -> web.Response:
        body = await request.json()
        if "chair" in body:
            room.set_chair(body["chair"])
        if "floor" in body:
            room.set_floor(body["floor"])
        for pid in body.get("mute", []):
            room.mute(pid)
        return web.json_response({"ok": True})

    async def stats(request: web.Request) -> web.Response:
        quality = {p: str(room.quality_of(p)) for p in room.participant_ids}
        slots = {}
        for p in room.participant_ids:
            for name in room.slots_of(p):
                track = room.slot_track(p, name)
                slots[f"{p}/{name}"] = [
                    track.showing,
                    track.stats.frames,
                    getattr(track.stats, "overflows", None),
                    track.stats.keyframes_gated,
                    getattr(track.stats, "backlog_drops", None),
                ]
        sources = {
            p: [(s.frames, s.keyframe_count) for s in (room.source(p, "video"),) if s]
            for p in room.participant_ids
        }
        senders = {}
        for p in room.participant_ids:
            pc = room._participants[p].pc
            states = []
            for t in pc.getTransceivers():
                task = getattr(t.sender, "_RTCRtpSender__rtp_task", None)
                states.append(
                    [
                        t.mid,
                        t.sender.transport.state,
                        None if task is None else task.done(),
                        getattr(t.sender.track, "readyState", None),
                    ]
                )
            senders[p] = [pc.connectionState, pc.iceConnectionState, states]
        return web.json_response(
            {
                "participants": len(room.participant_ids),
                "quality": quality,
                "slots": slots,
                "sources": sources,
                "senders": senders,
            }
        )

    profiler: list[Any] = []

    async def profile(request: web.Request) -> web.Response:
        """``{"start": true}`` / ``{"stop": path}``: cProfile the measured window (sfu_micro)."""
        import cProfile

        body = await request.json()
        if body.get("start"):
            profiler.append(cProfile.Profile(time.thread_time))  # CPU, not wall time
            profiler[-1].enable()
        elif body.get("stop") and profiler:
            profiler[-1].disable()
            profiler.pop().dump_stats(body["stop"])
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1 << 20)
    app.add_routes(
        [
            web.post("/join", join),
            web.post("/control", control),
            web.get("/stats", stats),
            web.post("/profile", profile),
        ]
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    port_file.write_text(str(port))
    await asyncio.Event().wait()


class HttpJoin:
    """The bench's signaling: POST the offer to the SFU server (the real hub uses WebSocket)."""

    def __init__(self, session: Any, url: str, peer: Peer) -> None:
        self.session, self.url, self.peer = session, url, peer

    async def join(self, client: Any, offer_sdp: str) -> Any:
        from signaling.sfu.room import JoinAnswer, SlotBinding

        body = {"id": self.peer.id, "sdp": offer_sdp, "kind": self.peer.kind}
        if self.peer.page:
            body["page"] = self.peer.page
        async with self.session.post(f"{self.url}/join", json=body) as response:
            data = await response.json()
        if "error" in data:
            raise RuntimeError(f"{self.peer.id}: {data}")
        slots = tuple(SlotBinding(**s) for s in data["slots"])
        return JoinAnswer(data["sdp"], slots, ())

    async def leave(self, client: Any) -> None:
        return None


def make_tracks(peer: Peer, clips: dict[str, Any], opus: list[bytes], index: int) -> tuple:
    from signaling.clientmedia import ClipTrack, OpusClipTrack

    video = None
    if peer.video:
        clip = clips[peer.video]
        video = ClipTrack(clip, start=(index % 5) * 60)  # keyframes not aligned across peers
    audio = OpusClipTrack(opus) if peer.audio else None
    return video, audio


async def connect_ours(session: Any, url: str, peer: Peer, clips: dict, opus: list, index: int):
    from signaling.client import RoomClient
    from signaling.sfu import ParticipantKind

    video, audio = make_tracks(peer, clips, opus, index)
    if video is None and peer.video_slots and peer.kind != "console":
        from signaling.clientmedia import ClipTrack

        video = ClipTrack(clips["thumb"])  # a camera on nobody's screen: told to send nothing
        video._paused = True  # type: ignore[attr-defined]
    client = RoomClient(
        peer.id,
        kind=ParticipantKind(peer.kind),
        video=video,
        audio=audio,
        video_slots=peer.video_slots,
        audio_slots=peer.audio_slots,
        thumbnails=peer.thumbnails,
    )
    await client.connect(HttpJoin(session, url, peer))
    tag_receivers(client.pc, peer.id)
    return client.pc


# -- load process ------------------------------------------------------------------------------


async def run_load(target: str, url: str, spec: Path, ids: list[str], phase: str) -> None:
    import aiohttp
    import aioice.ice
    import aioice.turn

    from signaling.clientmedia import EncodedClip, encode_opus_clip

    if target == "janus":  # imported here: janusroom imports this module
        from janusroom import JanusSession, connect_janus_publisher, connect_janus_subscriber

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [
        JANUS_IP if target == "janus" else "127.0.0.1"
    ]
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = 4 << 20
    apply_consent_variant()
    counters = RxCounters()
    counters.install()
    _pause_paused_tracks()
    data = json.loads(spec.read_text())
    peers = {p["id"]: Peer(**p) for p in data["peers"]}
    all_ids = [p["id"] for p in data["peers"]]
    paths = ensure_clips()
    clips = {name: EncodedClip.load(path) for name, path in paths.items()}
    opus = encode_opus_clip(2.0)
    pcs: list[Any] = []
    join_times: list[float] = []
    loop = asyncio.get_running_loop()
    # ours: join in room order (the layout's grid order is join order, and the static quality
    # plan of the shape assumes it); janus: subscriptions are explicit, join concurrently
    gate = asyncio.Semaphore(1 if target == "ours" else 6)
    async with aiohttp.ClientSession() as http:
        janus = JanusSession(http) if target == "janus" else None
        if janus is not None:
            await janus.create()

        async def one(pid: str) -> None:
            peer = peers[pid]
            index = all_ids.index(pid)
            async with gate:
                start = loop.time()
                if janus is None:
                    pc = await connect_ours(http, url, peer, clips, opus, index)
                elif phase == "publish":
                    pc = await connect_janus_publisher(janus, peer, all_ids, clips, opus, index)
                else:
                    pc = await connect_janus_subscriber(janus, peer, all_ids)
                pcs.append(pc)
                while pc.connectionState not in ("connected", "failed", "closed"):
                    await asyncio.sleep(0.01)
                join_times.append(loop.time() - start)

        await asyncio.gather(*(one(pid) for pid in ids))
        print("READY " + json.dumps({"join": join_times}), flush=True)
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        marks: dict[str, Any] = {}
        while True:
            line = (await reader.readline()).decode().strip()
            if line in ("START", "STOP"):
                marks[line] = (loop.time(), counters.snapshot())
            if line == "STOP" or not line:
                break
        print("RESULT " + json.dumps({k: v for k, v in marks.items()}), flush=True)
        for pc in pcs:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pc.close(), 2)


def _pause_paused_tracks() -> None:
    """A ClipTrack marked ``_paused`` never yields (a camera the layout asked for nothing)."""
    from signaling.clientmedia import ClipTrack

    original = ClipTrack.recv

    async def recv(self: Any) -> Any:
        if getattr(self, "_paused", False):
            await asyncio.Event().wait()
        return await original(self)

    ClipTrack.recv = recv  # type: ignore[method-assign]
