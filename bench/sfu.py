# ruff: noqa: S603, S607, S310, E501, ASYNC240, ASYNC110  (a benchmark driver: runs ip/janus, blocking /proc reads)
"""SFU benchmark: our aiortc MediaRoom against Janus VideoRoom on the same load (not a test).

    python bench/sfu.py run [--targets ours,janus] [--shapes 4x8,national] [--window 15]

Prints ONE summary line per (target, shape): SFU process CPU (% of one core, from
/proc/<pid>/stat utime+stime over the measured window), CPU µs per delivered packet, delivered
packets/s, min/mean fps and loss at the subscribers, join time, RSS. Appends raw rows to
bench/results.jsonl and draws bench/sfu-cpu.png (CPU against delivered packets/s).

Everything runs inside a private network namespace (``janusbench``, only ``lo`` and a veth
with 127.0.0.2, see docs/media.md and janus-anchor.md): Janus never gathers candidates on
``lo``, and nothing must leave the machine. Load clients are separate Python processes that
publish pre-encoded media (H.264 CB 640x360 ~500 kbit/s, thumbnails 320x180 ~150 kbit/s, Opus
32 kbit/s) and count received RTP (SRTP decrypted, no jitter buffer, no decoding: "light rx").

Shapes:
- ``4x8``: 4 publishers (video), 8 subscribers each receiving all 4 videos.
- ``national``: 1 chair console + 85 endpoints; the floor holder's and the chair's video and audio
  to everyone, a 16-site thumbnail page to the chair, other endpoints muted and, on nobody's
  screen, asked to send nothing (our layout decides this; Janus gets the same subscriptions).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NETNS = "janusbench"
JANUS_IP = "127.0.0.2"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CLIP_DIR = Path(tempfile.gettempdir()) / "ecabinet-bench-clips"
PEERS_PER_LOADER = 22


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


SHAPES = {
    "4x8": lambda: shape_grid(4, 8),
    "national": shape_national,
    "national20": lambda: shape_national(endpoints=20),
}


# -- /proc ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_busy() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


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
                    track.stats.overflows,
                    track.stats.keyframes_gated,
                    track.queue_length,
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

    app = web.Application(client_max_size=1 << 20)
    app.add_routes(
        [web.post("/join", join), web.post("/control", control), web.get("/stats", stats)]
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


# -- Janus: process and REST client --------------------------------------------------------------


JANUS_CONFIG = """general: {{
    configs_folder = "{folder}"
    plugins_folder = "/usr/lib/x86_64-linux-gnu/janus/plugins"
    transports_folder = "/usr/lib/x86_64-linux-gnu/janus/transports"
    events_folder = "/usr/lib/x86_64-linux-gnu/janus/events"
    loggers_folder = "/usr/lib/x86_64-linux-gnu/janus/loggers"
    debug_level = 3
    interface = "{ip}"
    event_loops = 2
    session_timeout = 120
}}
media: {{
    ipv6 = false
}}
nat: {{
    ice_enforce_list = "jvb0"
}}
plugins: {{
    disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}}
transports: {{
    disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
}}
loggers: {{
    disable = "libjanus_jsonlog.so"
}}
events: {{
    broadcast = false
    disable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_sampleevh.so,libjanus_wsevh.so"
}}
"""
JANUS_HTTP = """general: {
    json = "plain"
    base_path = "/janus"
    http = true
    port = 8088
    ip = "127.0.0.1"
    https = false
}
admin: {
    admin_http = false
    admin_https = false
}
"""


def janus_config_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="janus-bench-"))
    (folder / "janus.jcfg").write_text(JANUS_CONFIG.format(folder=folder, ip=JANUS_IP))
    (folder / "janus.transport.http.jcfg").write_text(JANUS_HTTP)
    (folder / "janus.plugin.videoroom.jcfg").write_text("general: {\n}\n")
    return folder


class JanusSession:
    def __init__(self, http: Any, base: str = "http://127.0.0.1:8088/janus") -> None:
        self.http, self.base = http, base
        self.sid: int | None = None
        self.waiters: dict[str, asyncio.Future[Any]] = {}
        self.counter = 0
        self.poller: asyncio.Task[None] | None = None

    def _tx(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(self.base + path, json=body) as response:
            return await response.json(content_type=None)

    async def create(self) -> None:
        reply = await self._post("", {"janus": "create", "transaction": self._tx()})
        self.sid = reply["data"]["id"]
        self.poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            try:
                async with self.http.get(f"{self.base}/{self.sid}?maxev=50") as response:
                    events = await response.json(content_type=None)
            except Exception:
                await asyncio.sleep(0.1)
                continue
            for event in events if isinstance(events, list) else [events]:
                waiter = self.waiters.pop(event.get("transaction", ""), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(event)

    async def attach(self) -> int:
        body = {"janus": "attach", "plugin": "janus.plugin.videoroom", "transaction": self._tx()}
        reply = await self._post(f"/{self.sid}", body)
        return reply["data"]["id"]

    async def message(
        self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        tx = self._tx()
        request: dict[str, Any] = {"janus": "message", "body": body, "transaction": tx}
        if jsep is not None:
            request["jsep"] = jsep
        waiter = asyncio.get_running_loop().create_future()
        self.waiters[tx] = waiter
        reply = await self._post(f"/{self.sid}/{handle}", request)
        if reply.get("janus") == "success":
            self.waiters.pop(tx, None)
            return reply
        if reply.get("janus") != "ack":
            raise RuntimeError(f"janus: {reply}")
        return await asyncio.wait_for(waiter, 30)


ROOM_ID = 4242


def feed_number(peer_id: str, ids: list[str]) -> int:
    return ids.index(peer_id) + 1


async def connect_janus_publisher(
    janus: JanusSession, peer: Peer, ids: list[str], clips: dict, opus: list, index: int
) -> Any:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.rtcconfiguration import RTCBundlePolicy  # BALANCED strands m-lines (room.py)

    from signaling.sfu.codecs import MeetingCodec, preferred_codecs
    from signaling.sfu.passthrough import hook_keyframe_requests

    video, audio = make_tracks(peer, clips, opus, index)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    if audio is not None:
        t = pc.addTransceiver(audio, direction="sendonly")
        t.setCodecPreferences(preferred_codecs("audio", MeetingCodec.H264))
    t = pc.addTransceiver(video, direction="sendonly")
    t.setCodecPreferences(preferred_codecs("video", MeetingCodec.H264))
    hook_keyframe_requests(t.sender, video.request_keyframe)
    handle = await janus.attach()
    await janus.message(
        handle,
        {
            "request": "join",
            "ptype": "publisher",
            "room": ROOM_ID,
            "id": feed_number(peer.id, ids),
        },
    )
    await pc.setLocalDescription(await pc.createOffer())
    offer = {"type": "offer", "sdp": pc.localDescription.sdp, "trickle": False}
    event = await janus.message(handle, {"request": "publish"}, offer)
    await pc.setRemoteDescription(RTCSessionDescription(**_jsep(event)))
    return pc


def _jsep(event: dict[str, Any]) -> dict[str, str]:
    jsep = event.get("jsep")
    if not jsep:
        raise RuntimeError(f"janus sent no jsep: {event}")
    return {"type": jsep["type"], "sdp": jsep["sdp"]}


async def connect_janus_subscriber(janus: JanusSession, peer: Peer, ids: list[str]) -> Any:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.rtcconfiguration import RTCBundlePolicy  # BALANCED strands m-lines (room.py)

    handle = await janus.attach()
    streams = [{"feed": feed_number(f, ids)} for f in peer.feeds]
    event = await janus.message(
        handle, {"request": "join", "ptype": "subscriber", "room": ROOM_ID, "streams": streams}
    )
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    await pc.setRemoteDescription(RTCSessionDescription(**_jsep(event)))
    tag_receivers(pc, peer.id)
    await pc.setLocalDescription(await pc.createAnswer())
    answer = {"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False}
    await janus.message(handle, {"request": "start", "room": ROOM_ID}, answer)
    return pc


# -- load process ------------------------------------------------------------------------------


async def run_load(target: str, url: str, spec: Path, ids: list[str], phase: str) -> None:
    import aiohttp
    import aioice.ice
    import aioice.turn

    from signaling.clientmedia import EncodedClip, encode_opus_clip

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


# -- orchestration -----------------------------------------------------------------------------


@dataclass
class Running:
    proc: subprocess.Popen[str]
    ready: dict[str, Any] = field(default_factory=dict)


def spawn_loaders(target: str, url: str, spec: Path, ids: list[str], phase: str) -> list[Running]:
    running = []
    for start in range(0, len(ids), PEERS_PER_LOADER):
        chunk = ids[start : start + PEERS_PER_LOADER]
        proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "load",
                "--target",
                target,
                "--url",
                url,
                "--spec",
                str(spec),
                "--phase",
                phase,
                "--ids",
                ",".join(chunk),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        running.append(Running(proc))
    return running


def wait_ready(loaders: list[Running], limit: float = 240.0) -> None:
    deadline = time.monotonic() + limit
    for loader in loaders:
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError("load clients did not connect in time")
            line = loader.proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise RuntimeError("a load client exited before READY")
            if line.startswith("READY "):
                loader.ready = json.loads(line[6:])
                break


def tell(loaders: list[Running], word: str) -> None:
    for loader in loaders:
        loader.proc.stdin.write(word + "\n")  # type: ignore[union-attr]
        loader.proc.stdin.flush()  # type: ignore[union-attr]


def collect(loaders: list[Running]) -> list[dict[str, Any]]:
    results = []
    for loader in loaders:
        for line in loader.proc.stdout:  # type: ignore[union-attr]
            if line.startswith("RESULT "):
                results.append(json.loads(line[7:]))
                break
        with contextlib.suppress(subprocess.TimeoutExpired):
            loader.proc.wait(10)
        if loader.proc.poll() is None:
            loader.proc.kill()
    return results


def summarize_rx(results: list[dict[str, Any]], window: float) -> dict[str, Any]:
    packets = 0
    fps: list[float] = []
    expected = received = 0
    for result in results:
        start, stop = result["START"][1], result["STOP"][1]
        for key, (kind, pkts, frames, _first, ext) in stop.items():
            before = start.get(key)
            if before is None:
                continue  # a stream that appeared during the window: ignore (switching)
            got = pkts - before[1]
            packets += got
            received += got
            expected += max(got, ext - before[4])
            if kind == "video":
                fps.append((frames - before[2]) / window)
    return {
        "pkts_per_s": packets / window,
        "fps_min": min(fps) if fps else 0.0,
        "fps_mean": sum(fps) / len(fps) if fps else 0.0,
        "video_streams": len(fps),
        "loss_pct": 100.0 * (1 - received / expected) if expected else 0.0,
    }


def start_ours(workdir: Path) -> tuple[subprocess.Popen[str], str]:
    port_file = workdir / "sfu.port"
    port_file.unlink(missing_ok=True)  # a previous shape's server wrote it
    proc = subprocess.Popen(
        [sys.executable, __file__, "sfu-server", "--port-file", str(port_file)], text=True
    )
    for _ in range(200):
        if port_file.exists() and port_file.read_text():
            return proc, f"http://127.0.0.1:{port_file.read_text()}"
        time.sleep(0.05)
    raise RuntimeError("SFU server did not start")


def start_janus(workdir: Path) -> tuple[subprocess.Popen[str], str]:
    import urllib.request

    folder = janus_config_dir()
    log = (workdir / "janus.log").open("w")
    proc = subprocess.Popen(
        ["janus", "-F", str(folder), "-C", str(folder / "janus.jcfg"), "-N"],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = "http://127.0.0.1:8088/janus"
    for _ in range(100):
        try:
            body = json.dumps({"janus": "create", "transaction": "boot"}).encode()
            with urllib.request.urlopen(base, body, timeout=1) as response:
                sid = json.loads(response.read())["data"]["id"]
            break
        except Exception:
            time.sleep(0.1)
    else:
        raise RuntimeError("janus did not start; see janus.log")

    def call(path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        with urllib.request.urlopen(base + path, data, timeout=5) as response:
            return json.loads(response.read())

    handle = call(
        f"/{sid}", {"janus": "attach", "plugin": "janus.plugin.videoroom", "transaction": "a"}
    )["data"]["id"]
    created = call(
        f"/{sid}/{handle}",
        {
            "janus": "message",
            "transaction": "c",
            "body": {
                "request": "create",
                "room": ROOM_ID,
                "publishers": 100,
                "videocodec": "h264",
                "h264_profile": "42e01f",
                "audiocodec": "opus",
                "bitrate": 0,
                "fir_freq": 0,
                "notify_joining": False,
            },
        },
    )
    if created.get("plugindata", {}).get("data", {}).get("videoroom") != "created":
        raise RuntimeError(f"janus room not created: {created}")
    return proc, base


def measure(target: str, shape: Shape, window: float, workdir: Path) -> dict[str, Any]:
    spec = workdir / f"{shape.name}.json"
    spec.write_text(json.dumps({"peers": [asdict(p) for p in shape.peers]}))
    server, url = (start_ours if target == "ours" else start_janus)(workdir)
    loaders: list[Running] = []
    try:
        idle_rss = rss_mb(server.pid)
        cpu0 = cpu_seconds(server.pid)
        t0 = time.monotonic()
        if target == "ours" and (shape.chair or shape.floor):
            import urllib.request

            body = {"chair": shape.chair, "floor": shape.floor}
            body["mute"] = [p.id for p in shape.peers if not p.audio]
            request = urllib.request.Request(
                url + "/control", json.dumps(body).encode(), {"Content-Type": "application/json"}
            )
            urllib.request.urlopen(request).read()
        publishers = [p.id for p in shape.peers if p.video or p.audio]
        if target == "ours":
            # one PC per participant: publishers and subscribers join together in room order
            order = [p.id for p in shape.peers]
            for start in range(0, len(order), PEERS_PER_LOADER):
                chunk = spawn_loaders(
                    target, url, spec, order[start : start + PEERS_PER_LOADER], "all"
                )
                wait_ready(chunk)
                loaders += chunk
        else:
            loaders = spawn_loaders(target, url, spec, publishers, "publish")
            wait_ready(loaders)
            subscribers = [p.id for p in shape.peers if p.feeds]
            more = spawn_loaders(target, url, spec, subscribers, "subscribe")
            wait_ready(more)
            loaders += more
        join_wall = time.monotonic() - t0
        join_cpu = cpu_seconds(server.pid) - cpu0
        time.sleep(3.0)  # warm-up
        busy0, total0 = machine_busy()
        cpu_a, wall_a = cpu_seconds(server.pid), time.monotonic()
        clients_a = sum(cpu_seconds(x.proc.pid) for x in loaders)
        tell(loaders, "START")
        time.sleep(window)
        if target == "ours":
            import urllib.request

            with urllib.request.urlopen(url + "/stats") as response:
                (workdir.parent / f"sfu-stats-{shape.name}.json").write_bytes(response.read())
        tell(loaders, "STOP")
        cpu_b, wall_b = cpu_seconds(server.pid), time.monotonic()
        clients_cpu = sum(cpu_seconds(x.proc.pid) for x in loaders) - clients_a
        busy1, total1 = machine_busy()
        rss = rss_mb(server.pid)
        raw = collect(loaders)
        if os.environ.get("BENCH_DEBUG"):
            for r in raw:
                print(
                    "DEBUG",
                    r["STOP"][0] - r["START"][0],
                    len(r["START"][1]),
                    len(r["STOP"][1]),
                    sum(v[1] for v in r["STOP"][1].values())
                    - sum(v[1] for v in r["START"][1].values()),
                    flush=True,
                )
        rx = summarize_rx(raw, wall_b - wall_a)
    finally:
        for loader in loaders:
            if loader.proc.poll() is None:
                loader.proc.kill()
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
        if server.poll() is None:
            server.kill()
    sfu_cpu = (cpu_b - cpu_a) / (wall_b - wall_a)
    joins = [t for loader in loaders for t in loader.ready.get("join", [])]
    return {
        "target": target,
        "shape": shape.name,
        "sfu_cpu_pct": 100 * sfu_cpu,
        "us_per_pkt": 1e6 * sfu_cpu / rx["pkts_per_s"] if rx["pkts_per_s"] else None,
        **rx,
        "join_all_s": join_wall,
        "join_max_s": max(joins) if joins else None,
        "join_median_s": sorted(joins)[len(joins) // 2] if joins else None,
        "join_cpu_s": join_cpu,
        "rss_mb": rss,
        "idle_rss_mb": idle_rss,
        "clients_cpu_pct": 100 * clients_cpu / (wall_b - wall_a),
        "machine_busy_pct": 100 * (busy1 - busy0) / (total1 - total0) * os.cpu_count(),
        "window_s": wall_b - wall_a,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "consent_failures": int(os.environ.get("ECABINET_BENCH_CONSENT_FAILURES", "6")),
    }


def summary_line(row: dict[str, Any]) -> str:
    return (
        f"{row['target']:5} {row['shape']:8} sfu_cpu={row['sfu_cpu_pct']:5.1f}% "
        f"us/pkt={row['us_per_pkt'] or 0:5.1f} pkts/s={row['pkts_per_s']:7.0f} "
        f"fps_min={row['fps_min']:5.2f} fps_mean={row['fps_mean']:5.2f} "
        f"video_streams={row['video_streams']} loss={row['loss_pct']:.2f}% "
        f"join_all={row['join_all_s']:.1f}s join_max={row['join_max_s'] or 0:.2f}s "
        f"rss={row['rss_mb']:.0f}MB clients_cpu={row['clients_cpu_pct']:.0f}% "
        f"other={row['machine_busy_pct'] - row['sfu_cpu_pct'] - row['clients_cpu_pct']:.0f}%"
    )


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for target, marker in (("ours", "o"), ("janus", "s")):
        points = [r for r in rows if r["target"] == target]
        if not points:
            continue
        xs = [r["pkts_per_s"] for r in points]
        ys = [r["sfu_cpu_pct"] for r in points]
        label = "aiortc MediaRoom (ours)" if target == "ours" else "Janus VideoRoom 1.1.2"
        axes.scatter(xs, ys, marker=marker, label=label)
        if target == "ours":
            axes.axhline(100, color="grey", linestyle=":", linewidth=1)
        for r in points:
            other = r["machine_busy_pct"] - r["sfu_cpu_pct"] - r["clients_cpu_pct"]
            text = f"{r['shape']} (fps≥{r['fps_min']:.0f}, other {other:.0f}%)"
            axes.annotate(text, (r["pkts_per_s"], r["sfu_cpu_pct"]), fontsize=7)
    axes.set_xlabel("packets/s delivered to subscribers")
    axes.set_ylabel("SFU process CPU (% of one core)")
    axes.set_title("SFU CPU against forwarded packets (2-core box, clients co-located)")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def ensure_netns() -> None:
    """Re-exec inside the loopback-only namespace (root; created on first use)."""
    if os.environ.get("ECABINET_BENCH_NETNS") == NETNS:
        return
    if shutil.which("ip") is None:
        raise SystemExit("iproute2 (ip) is needed to build the benchmark's network namespace")
    existing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    if NETNS not in existing:
        for command in (
            ["ip", "netns", "add", NETNS],
            ["ip", "-n", NETNS, "link", "set", "lo", "up"],
            ["ip", "-n", NETNS, "link", "add", "jvb0", "type", "veth", "peer", "name", "jvb1"],
            ["ip", "-n", NETNS, "addr", "add", f"{JANUS_IP}/32", "dev", "jvb0"],
            ["ip", "-n", NETNS, "link", "set", "jvb0", "up"],
            ["ip", "-n", NETNS, "link", "set", "jvb1", "up"],
        ):
            subprocess.run(command, check=True)
    env = dict(os.environ, ECABINET_BENCH_NETNS=NETNS)
    argv = ["ip", "netns", "exec", NETNS, sys.executable, __file__, *sys.argv[1:]]
    raise SystemExit(subprocess.call(argv, env=env))


def run(args: argparse.Namespace) -> None:
    ensure_netns()
    ensure_clips()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sfu-bench-") as tmp:
        for shape_name in args.shapes.split(","):
            for target in args.targets.split(","):
                shape = SHAPES[shape_name]()
                row = measure(target, shape, args.window, Path(tmp))
                rows.append(row)
                print(summary_line(row), flush=True)
                with (ROOT / "bench" / "results.jsonl").open("a") as out:
                    out.write(json.dumps(row) + "\n")
                time.sleep(2)
    plot(rows, ROOT / "bench" / "sfu-cpu.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("--targets", default="ours,janus")
    p_run.add_argument("--shapes", default="4x8,national")
    p_run.add_argument("--window", type=float, default=15.0)
    p_run.add_argument("--consent-failures", type=int, help="aioice tolerance (default 6)")
    sub.add_parser("plot", help="redraw bench/sfu-cpu.png from every row of results.jsonl")
    p_srv = sub.add_parser("sfu-server")
    p_srv.add_argument("--port-file", type=Path, required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("--target", choices=["ours", "janus"], required=True)
    p_load.add_argument("--url", required=True)
    p_load.add_argument("--spec", type=Path, required=True)
    p_load.add_argument("--phase", choices=["all", "publish", "subscribe"], required=True)
    p_load.add_argument("--ids", required=True)
    args = parser.parse_args()
    if args.command == "run":
        if args.consent_failures:
            os.environ["ECABINET_BENCH_CONSENT_FAILURES"] = str(args.consent_failures)
        run(args)
    elif args.command == "plot":
        rows = [json.loads(x) for x in (ROOT / "bench" / "results.jsonl").read_text().splitlines()]
        plot(rows, ROOT / "bench" / "sfu-cpu.png")
    elif args.command == "sfu-server":
        asyncio.run(serve_sfu(args.port_file))
    else:
        asyncio.run(run_load(args.target, args.url, args.spec, args.ids.split(","), args.phase))


if __name__ == "__main__":
    main()
