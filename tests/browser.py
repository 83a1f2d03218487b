"""Headless Chromium for the browser tests: where it is, and how to start it on this machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
HEADLESS_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's chromium (or ECABINET_TEST_CHROMIUM); without it the test is skipped, saying why."""
    path = os.environ.get("ECABINET_TEST_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not Path(path).exists():
        pytest.skip(
            f"Chromium not found ({path or 'no chromium on PATH'}): apt-get install chromium "
            "or set ECABINET_TEST_CHROMIUM; .ci/run does both"
        )
    return path
