"""The service layer never imports the web layer, the aiohttp server, aiortc or signaling
(DESIGN.md §3). (aiohttp's HTTP *client*, which a library may use underneath, is allowed.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BANNED = ("aiohttp.web", "aiortc", "signaling", "ecabinet.web")


def test_services_import_neither_the_web_layer_nor_signaling() -> None:
    modules = sorted(p.stem for p in (ROOT / "ecabinet/services").glob("*.py"))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('ecabinet.services.' + name)\n"
        f"banned = {BANNED!r}\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if any(m == b or m.startswith(b + '.') for b in banned))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
