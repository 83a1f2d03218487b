"""Running the server: one process, or N worker processes sharing one port (SO_REUSEPORT).

Graceful shutdown (SIGTERM or SIGINT), handled by aiohttp's runner in each process:

1. the listening socket is closed (with several workers, the others keep accepting);
2. idle keep-alive connections are closed; ``app.on_shutdown`` hooks run — the live meeting's
   hub appends one that tells every client to reconnect and closes the peer connections;
3. requests in flight are given ``SHUTDOWN_TIMEOUT`` seconds to finish;
4. the ``cleanup_ctx`` exits run in reverse: the mail sender finishes the batch it is sending
   (each mail is marked sent in the database as soon as the SMTP server accepted it), then the
   database engine is closed.

With ``--workers N`` a small supervisor (this module) starts N children, restarts one that dies,
and on SIGTERM passes the signal to every child and waits for them. Mail delivery is safe with
several workers: a mail is claimed in a transaction (``SKIP LOCKED`` on PostgreSQL, the write lock
on SQLite) before it is sent. The live meeting's media of one meeting must stay in one process:
see docs/deploy.md, "Several processes".

Once a serving process has started (every module imported, the app and its services built), its
objects are moved out of the garbage collector's sight (``gc.freeze``): a full collection then
walks only what was made since, instead of ~270 000 start-up objects (a 60–160 ms pause on the
event loop that every request in flight waits out).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import time
from dataclasses import replace
from types import FrameType

from . import logs
from .config import Settings

log = logging.getLogger("ecabinet.serve")
SHUTDOWN_TIMEOUT = 20.0  # systemd's TimeoutStopSec must be longer (docs/deploy.md)
RESTART_DELAY = 1.0
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'


def node_name(settings: Settings, worker: int) -> str:
    """This process's stable name: a process started later in its place (same host, port and
    worker number) knows the earlier one is dead and takes over its media pins."""
    return settings.node_name or f"{socket.gethostname()}:{settings.port}/{worker}"


def serve(settings: Settings, *, reuse_port: bool = False, worker: int = 0) -> None:
    """Serve in this process until SIGTERM/SIGINT; then shut down gracefully."""
    from aiohttp import web

    from .app import create_app

    settings = replace(settings, node_name=node_name(settings, worker))
    app = create_app(settings)
    app.on_startup.append(_freeze_start_up_objects)  # last: after the cleanup_ctx start-ups
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_format=ACCESS_LOG_FORMAT,
        reuse_port=reuse_port,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    log.info("stopped")


async def _freeze_start_up_objects(_app: object) -> None:
    gc.collect()
    gc.freeze()
    log.info("%d start-up objects frozen out of the garbage collector", gc.get_freeze_count())


def _worker(settings: Settings, number: int) -> None:
    logs.configure(settings.log_format, settings.debug)
    log.info("worker %d (pid %d) serving", number, os.getpid())
    serve(settings, reuse_port=True, worker=number)


def serve_workers(settings: Settings, workers: int) -> int:
    """Start ``workers`` processes on one port; supervise them until SIGTERM/SIGINT."""
    settings = settings.with_secret()  # one key for all workers, chosen before they start
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start(number: int) -> multiprocessing.process.BaseProcess:
        process = context.Process(
            target=_worker, args=(settings, number), name=f"ecabinet-worker-{number}"
        )
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        log.info("signal %d: stopping %d workers", signum, len(children))
        for child in children.values():
            if child.is_alive() and child.pid:
                os.kill(child.pid, signal.SIGTERM)

    children = {n: start(n) for n in range(1, workers + 1)}
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        for number, child in list(children.items()):
            child.join(timeout=0.2)
            if child.is_alive():
                continue
            del children[number]
            if not stopping:
                log.error("worker %d exited with %s; restarting it", number, child.exitcode)
                time.sleep(RESTART_DELAY)
                children[number] = start(number)
    return 0
