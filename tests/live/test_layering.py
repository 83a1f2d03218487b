"""The service layer never imports the web layer, aiohttp or signaling (DESIGN.md §3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_services_import_neither_aiohttp_nor_signaling() -> None:
    modules = sorted(p.stem for p in (ROOT / "ecabinet/services").glob("*.py"))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('ecabinet.services.' + name)\n"
        "banned = ('aiohttp', 'signaling', 'aiortc')\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in banned or m.startswith('ecabinet.web'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
