# ruff: noqa: S603, S607, S310, E501  (a benchmark driver: runs ip/janus, blocking /proc reads)
"""Janus VideoRoom side of bench/sfu.py: config, process start, REST client, peers.

Janus 1.1.2 (Debian ``janus``) runs from a generated config folder: HTTP transport on
127.0.0.1:8088 only, admin API off, every unused plugin/transport/logger/event handler disabled,
ICE only on ``jvb0`` (127.0.0.2) inside the benchmark's network namespace."""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from sfuload import JANUS_IP, Peer, make_tracks, tag_receivers

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
