"""Micro-benchmark: SFU CPU per forwarded RTP packet, one publisher to K subscribers (not a test).

    python bench/sfu_micro.py [--subs 16] [--audio] [--window 10] [--rounds 3] [--profile FILE]

All the SFU does in this shape is forward: one 640x360 H.264 publisher (~71 RTP packets/s, plus
Opus 50 packets/s with ``--audio``) shown in the ``main`` slot of K endpoints. The measure is the
SFU process's own CPU time (utime+stime from /proc) over the window divided by the RTP packets
the subscribers received, so other processes on the machine change it much less than wall-clock
measures (they still cost cache and frequency; the load average is printed with every line).
Runs ``bench/sfu.py``'s machinery (same server, same light-rx load clients, same netns) and
prints one line per round plus the median. ``--profile FILE`` writes a cProfile of the SFU over
the measured window of the last round (``python -m pstats FILE``).

``perf stat -e instructions`` is not available on this VM (``<not supported>``), and callgrind
slows a DTLS/ICE peer setup past its timeouts, so CPU time per packet is the measure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import sfu  # noqa: E402
from sfuload import ensure_clips, shape_fanout  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subs", type=int, default=16)
    parser.add_argument("--audio", action="store_true")
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target", default="ours", choices=["ours", "janus"])
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--label", default="", help="free text recorded with the rows")
    args = parser.parse_args()
    if os.environ.get("ECABINET_BENCH_NETNS") != sfu.NETNS:
        sfu_file, sfu.__file__ = sfu.__file__, __file__  # re-exec this script in the netns
        try:
            sfu.ensure_netns()
        finally:
            sfu.__file__ = sfu_file
    ensure_clips()
    values = []
    with tempfile.TemporaryDirectory(prefix="sfu-micro-") as tmp:
        for index in range(args.rounds):
            if args.profile and index == args.rounds - 1:
                os.environ["ECABINET_BENCH_PROFILE"] = str(args.profile.resolve())
            shape = shape_fanout(args.subs, audio=args.audio)
            row = sfu.measure(args.target, shape, args.window, Path(tmp))
            row["load_avg"] = os.getloadavg()
            row["label"] = args.label
            values.append(row["us_per_pkt"] or float("nan"))
            print(sfu.summary_line(row), f"load={row['load_avg'][0]:.1f}", flush=True)
            with (ROOT / "bench" / "micro.jsonl").open("a") as out:
                out.write(json.dumps(row) + "\n")
    print(
        f"{args.target} fanout 1x{args.subs}{' +audio' if args.audio else ''}: "
        f"median {statistics.median(values):.1f} µs per forwarded packet "
        f"(rounds: {', '.join(f'{v:.1f}' for v in values)})"
    )


if __name__ == "__main__":
    main()
