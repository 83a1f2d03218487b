"""Find PostgreSQL and Redis on their default local ports when the suite is not told where they are.

``make test`` on a fresh machine should run the PostgreSQL and Redis legs wherever those servers
answer on 127.0.0.1 (the same database ``test`` and user ``postgres`` that ``.ci/run`` uses, so
the same safety rules hold: the suite owns that database and empties it). The rules:

- a variable that is **set** always wins, even when empty (``ECABINET_TEST_REDIS_URL=`` turns
  the Redis leg off without probing); nothing is probed for it;
- an **unset** variable is probed: PostgreSQL must accept a login and ``SELECT 1``, Redis must
  answer ``PING`` with ``PONG``; a server that answers is written into the environment (so
  test modules and xdist workers see it), one that does not leaves the leg skipped;
- :func:`summary` is the one line the suite prints about it (``None`` when nothing was probed).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import MutableMapping
from dataclasses import dataclass

from sqlalchemy.engine import make_url

POSTGRES_ENV = "ECABINET_TEST_POSTGRES_URL"
REDIS_ENV = "ECABINET_TEST_REDIS_URL"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class Probe:
    leg: str  # "PostgreSQL" / "Redis"
    env: str
    url: str
    found: bool  # the server answered; the URL is now in the environment
    reason: str = ""  # why not, when not found


def postgres_answers(url: str, timeout: float = TIMEOUT) -> str:
    """``""`` when PostgreSQL at ``url`` accepts the login and a query, else why not."""
    import asyncpg

    parts = make_url(url)

    async def check() -> None:
        conn = await asyncpg.connect(
            host=parts.host or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            database=parts.database,
            timeout=timeout,
        )
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    try:
        asyncio.run(asyncio.wait_for(check(), timeout * 2))
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


def redis_answers(url: str, timeout: float = TIMEOUT) -> str:
    """``""`` when the Redis server at ``url`` answers PING with PONG, else why not."""
    parts = make_url(url)
    try:
        with socket.create_connection(
            (parts.host or "127.0.0.1", parts.port or 6379), timeout=timeout
        ) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return "" if reply.startswith(b"+PONG") else f"unexpected reply {reply[:20]!r}"


def detect(
    environ: MutableMapping[str, str],
    *,
    postgres_url: str = DEFAULT_POSTGRES,
    redis_url: str = DEFAULT_REDIS,
) -> list[Probe]:
    """Probe each leg whose variable is unset; set it in ``environ`` when the server answers."""
    probes = []
    for leg, env, url, answers in (
        ("PostgreSQL", POSTGRES_ENV, postgres_url, postgres_answers),
        ("Redis", REDIS_ENV, redis_url, redis_answers),
    ):
        if env in environ:
            continue
        reason = answers(url)
        if not reason:
            environ[env] = url
        probes.append(Probe(leg, env, url, not reason, reason))
    return probes


def _where(url: str) -> str:
    parts = make_url(url)
    return f"{parts.host}:{parts.port}" + (f"/{parts.database}" if parts.database else "")


def summary(probes: list[Probe]) -> str | None:
    """The one line about the probed legs: which were found and used, which are skipped."""
    if not probes:
        return None
    said = []
    for p in probes:
        if p.found:
            said.append(f"{p.leg} found at {_where(p.url)}, its leg runs")
        else:
            said.append(
                f"{p.leg} leg SKIPPED (nothing usable at {_where(p.url)}: {p.reason}; set {p.env})"
            )
    return "local services: " + "; ".join(said)
