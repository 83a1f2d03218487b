"""Issue 19 item 4: ``make test`` finds PostgreSQL and Redis on the default local ports when the
variables are unset, and says in one line which legs it skips (tests/local_services.py)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest

from . import local_services as ls


@pytest.fixture
def silent_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def not_redis() -> Iterator[int]:
    """A port where something answers, but not as Redis."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(64)
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield int(server.getsockname()[1])
    server.close()


def test_nothing_listening_leaves_both_legs_skipped_and_says_so_in_one_line(silent_port):
    environ: dict[str, str] = {}
    probes = ls.detect(
        environ,
        postgres_url=f"postgresql+asyncpg://postgres@127.0.0.1:{silent_port}/test",
        redis_url=f"redis://127.0.0.1:{silent_port}/0",
    )
    assert environ == {}, "nothing answered, so nothing is used"
    assert [(p.leg, p.found) for p in probes] == [("PostgreSQL", False), ("Redis", False)]
    line = ls.summary(probes)
    assert line is not None and "\n" not in line
    assert f"PostgreSQL leg SKIPPED (nothing usable at 127.0.0.1:{silent_port}/test" in line
    assert f"Redis leg SKIPPED (nothing usable at 127.0.0.1:{silent_port}/0" in line
    assert "set ECABINET_TEST_POSTGRES_URL" in line and "set ECABINET_TEST_REDIS_URL" in line


def test_a_set_variable_always_wins_even_empty(silent_port):
    environ = {
        ls.POSTGRES_ENV: "postgresql+asyncpg://postgres@127.0.0.1:5432/mine",
        ls.REDIS_ENV: "",
    }
    before = dict(environ)
    probes = ls.detect(
        environ,
        postgres_url=f"postgresql+asyncpg://postgres@127.0.0.1:{silent_port}/test",
        redis_url=f"redis://127.0.0.1:{silent_port}/0",
    )
    assert probes == [] and environ == before
    assert ls.summary(probes) is None, "nothing probed, nothing to say"


def test_a_server_that_is_not_redis_is_not_taken_for_one(not_redis):
    environ: dict[str, str] = {ls.POSTGRES_ENV: ""}
    [probe] = ls.detect(environ, redis_url=f"redis://127.0.0.1:{not_redis}/0")
    assert not probe.found and "unexpected reply" in probe.reason
    assert ls.REDIS_ENV not in environ


def test_answering_servers_are_used():
    """The servers this run was given (never the default ones: they belong to someone else)."""
    postgres, redis = os.environ.get(ls.POSTGRES_ENV), os.environ.get(ls.REDIS_ENV)
    if not postgres or not redis:
        pytest.skip("needs ECABINET_TEST_POSTGRES_URL and ECABINET_TEST_REDIS_URL to probe")
    environ: dict[str, str] = {}
    probes = ls.detect(environ, postgres_url=postgres, redis_url=redis)
    assert environ == {ls.POSTGRES_ENV: postgres, ls.REDIS_ENV: redis}
    assert all(p.found for p in probes)
    line = ls.summary(probes)
    assert line is not None and "SKIPPED" not in line and "PostgreSQL found at" in line


def test_a_wrong_database_name_is_not_used():
    postgres = os.environ.get(ls.POSTGRES_ENV)
    if not postgres:
        pytest.skip("needs ECABINET_TEST_POSTGRES_URL to find the server")
    wrong = postgres.rsplit("/", 1)[0] + "/no_such_database_here"
    environ: dict[str, str] = {ls.REDIS_ENV: ""}
    [probe] = ls.detect(environ, postgres_url=wrong)
    assert not probe.found and "no_such_database_here" in probe.reason
    assert environ == {ls.REDIS_ENV: ""}
