"""``run.py serve`` whose SFU gathers ICE host candidates on 127.0.0.1 only, as the test's aiortc
clients do (aioice leaves loopback out by default). Used by the chaos test:
``python tests/operations/serve_on_loopback.py serve``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import aioice.ice

ROOT = Path(__file__).resolve().parents[2]

if __name__ == "__main__":
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    sys.path.insert(0, str(ROOT))
    sys.argv = [str(ROOT / "run.py"), *sys.argv[1:]]
    runpy.run_path(str(ROOT / "run.py"), run_name="__main__")
