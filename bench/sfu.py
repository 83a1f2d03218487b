# ruff: noqa: S603, S607, S310  (a benchmark driver: runs ip/janus, blocking /proc reads)
"""SFU benchmark: our aiortc MediaRoom against Janus VideoRoom on the same load (not a test).

    python bench/sfu.py run [--targets ours,janus] [--shapes 4x8,national] [--window 15]
                             [--rounds 1] [--pin]

Prints ONE summary line per (target, shape) and round: SFU process CPU (% of one core, from
/proc/<pid>/stat utime+stime over the measured window), CPU µs per delivered packet, delivered
packets/s, min/mean fps and loss at the subscribers, join time, RSS. Appends raw rows to
bench/results.jsonl and draws bench/sfu-cpu.png (CPU against delivered packets/s). With both
targets, one more line per shape: our CPU per packet over Janus's, pooled over the rounds.
``--pin`` puts the SFU (every thread) on the last CPU and the load clients on the others, as in
production (one SFU process per core); without it the scheduler mixes them on both cores.

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
sys.path.insert(0, str(ROOT / "bench"))

from janusroom import start_janus  # noqa: E402
from sfuload import JANUS_IP, SHAPES, Shape, ensure_clips, run_load, serve_sfu  # noqa: E402

NETNS = "janusbench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PEERS_PER_LOADER = 22


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


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of a process (and, inherited, the threads it starts later) on these CPUs."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(task.name), cpus)


def placement(pinned: bool) -> tuple[set[int], set[int]] | None:
    """(SFU CPUs, load client CPUs) for ``--pin``, or None to leave it to the scheduler."""
    if not pinned:
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--pin needs two CPUs or more")
    return {cpus[-1]}, set(cpus[:-1])


# -- orchestration -----------------------------------------------------------------------------


@dataclass
class Running:
    proc: subprocess.Popen[str]
    ready: dict[str, Any] = field(default_factory=dict)


def spawn_loaders(
    target: str, url: str, spec: Path, ids: list[str], phase: str, cpus: set[int] | None = None
) -> list[Running]:
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
        if cpus is not None:
            pin(proc.pid, cpus)
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


def measure(
    target: str,
    shape: Shape,
    window: float,
    workdir: Path,
    cpus: tuple[set[int], set[int]] | None = None,
) -> dict[str, Any]:
    spec = workdir / f"{shape.name}.json"
    spec.write_text(json.dumps({"peers": [asdict(p) for p in shape.peers]}))
    server, url = (start_ours if target == "ours" else start_janus)(workdir)
    sfu_cpus, client_cpus = cpus if cpus is not None else (None, None)
    if sfu_cpus is not None:
        pin(server.pid, sfu_cpus)
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
                    target, url, spec, order[start : start + PEERS_PER_LOADER], "all", client_cpus
                )
                wait_ready(chunk)
                loaders += chunk
        else:
            loaders = spawn_loaders(target, url, spec, publishers, "publish", client_cpus)
            wait_ready(loaders)
            subscribers = [p.id for p in shape.peers if p.feeds]
            more = spawn_loaders(target, url, spec, subscribers, "subscribe", client_cpus)
            wait_ready(more)
            loaders += more
        join_wall = time.monotonic() - t0
        join_cpu = cpu_seconds(server.pid) - cpu0
        time.sleep(3.0)  # warm-up
        busy0, total0 = machine_busy()
        cpu_a, wall_a = cpu_seconds(server.pid), time.monotonic()
        clients_a = sum(cpu_seconds(x.proc.pid) for x in loaders)
        profile_to = os.environ.get("ECABINET_BENCH_PROFILE") if target == "ours" else None
        if profile_to:
            _post(url + "/profile", {"start": True})
        spy_to = os.environ.get("ECABINET_BENCH_PYSPY") if target == "ours" else None
        spy = None
        if spy_to:  # sampling profile (py-spy, not a requirement) of the window, collapsed stacks
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "-p",
                    str(server.pid),
                    "-d",
                    str(int(window)),
                    "-r",
                    "250",
                    "-f",
                    "raw",
                    "-o",
                    spy_to,
                    "-n",
                ],
                stdout=subprocess.DEVNULL,
            )
        tell(loaders, "START")
        time.sleep(window)
        if profile_to:
            _post(url + "/profile", {"stop": profile_to})
        if spy is not None:
            spy.wait(30)
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
        "pinned": cpus is not None,
    }


def _post(url: str, body: dict[str, Any]) -> None:
    import urllib.request

    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request).read()


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
        for _ in range(args.rounds):  # interleaved: ours, Janus, ours, Janus … per shape
            for shape_name in args.shapes.split(","):
                for target in args.targets.split(","):
                    shape = SHAPES[shape_name]()
                    row = measure(target, shape, args.window, Path(tmp), placement(args.pin))
                    rows.append(row)
                    print(summary_line(row), flush=True)
                    with (ROOT / "bench" / "results.jsonl").open("a") as out:
                        out.write(json.dumps(row) + "\n")
                    time.sleep(2)
    for line in ratio_lines(rows):
        print(line, flush=True)
    plot(rows, ROOT / "bench" / "sfu-cpu.png")


def ratio_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Per shape measured for both targets: our CPU per packet over Janus's, pooled over the
    rounds (total CPU over total packets, so a round's noise weighs by its packets), and each
    round's ratio."""

    def pooled(target: str, shape: str) -> tuple[float, list[float]]:
        mine = [r for r in rows if r["target"] == target and r["shape"] == shape]
        packets = sum(r["pkts_per_s"] for r in mine)
        return sum(r["us_per_pkt"] * r["pkts_per_s"] for r in mine) / packets, [
            r["us_per_pkt"] for r in mine
        ]

    lines = []
    for shape in dict.fromkeys(r["shape"] for r in rows):
        if not {"ours", "janus"} <= {r["target"] for r in rows if r["shape"] == shape}:
            continue
        (ours, each_ours), (janus, each_janus) = pooled("ours", shape), pooled("janus", shape)
        rounds = ", ".join(f"{o / j:.2f}" for o, j in zip(each_ours, each_janus, strict=False))
        lines.append(
            f"ratio {shape}: ours {ours:.1f} / janus {janus:.1f} us/pkt = {ours / janus:.2f}x "
            f"pooled over {len(each_ours)} round(s) (each: {rounds})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("--targets", default="ours,janus")
    p_run.add_argument("--shapes", default="4x8,national")
    p_run.add_argument("--window", type=float, default=15.0)
    p_run.add_argument("--rounds", type=int, default=1, help="repeat, interleaving the targets")
    p_run.add_argument(
        "--pin", action="store_true", help="the SFU on the last CPU, the load clients on the rest"
    )
    p_run.add_argument("--consent-failures", type=int, help="aioice tolerance (default 6)")
    p_plot = sub.add_parser("plot", help="redraw bench/sfu-cpu.png from rows of results.jsonl")
    p_plot.add_argument("--since", default="", help="only rows measured from this UTC date on")
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
        plot([r for r in rows if r.get("at", "") >= args.since], ROOT / "bench" / "sfu-cpu.png")
    elif args.command == "sfu-server":
        asyncio.run(serve_sfu(args.port_file))
    else:
        asyncio.run(run_load(args.target, args.url, args.spec, args.ids.split(","), args.phase))


if __name__ == "__main__":
    main()
