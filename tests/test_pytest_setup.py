"""Issue 19 item 10: the suite collects and runs without pytest-xdist (``-p no:xdist``), although
conftest.py marks the Redis tests with xdist's ``xdist_group`` (``--strict-markers`` is on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_redis_tests_run_without_xdist():
    env = {**os.environ, "ECABINET_TEST_REDIS_URL": "", "ECABINET_TEST_POSTGRES_URL": ""}
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
         "tests/annotations/test_two_processes.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "xdist_group" not in out
    assert "skipped" in out, "collected and run (the Redis leg skips: no Redis given)"
