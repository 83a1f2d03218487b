"""``python -m ecabinet.signer``: open the token, then serve the e-Cabinet page on loopback."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys

from aiohttp import web

from .agent import make_app
from .confirm import ConsoleConfirmer
from .token import Token, TokenError

DEFAULT_PORT = 8731


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m ecabinet.signer",
        description="Sign e-Cabinet documents with the key on your own token (PKCS#11).",
    )
    p.add_argument("--module", required=True, help="the token's PKCS#11 library (.so / .dll)")
    p.add_argument("--token", required=True, help="the token's label")
    p.add_argument("--key-label", default="", help="which key, when the token holds several")
    p.add_argument(
        "--origin",
        action="append",
        required=True,
        help="the e-Cabinet address allowed to ask (https://host[:port]); repeatable",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to confirm a request")
    p.add_argument(
        "--pin-env",
        default="",
        help="read the PIN from this environment variable instead of asking (automation)",
    )
    return p.parse_args(argv)


async def serve(args: argparse.Namespace, pin: str) -> None:
    try:
        token = await asyncio.to_thread(Token, args.module, args.token, pin, args.key_label)
    except TokenError as exc:
        print(f"Không mở được thẻ ký số / cannot open the token: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    confirmer = ConsoleConfirmer(args.timeout)
    await confirmer.start()
    origins = frozenset(o.rstrip("/") for o in args.origin)
    runner = web.AppRunner(make_app(token, confirmer, origins), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    identity = token.identity
    port = runner.addresses[0][1]  # the one asked for, or the one given for --port 0
    print(
        f"Sẵn sàng / ready: http://127.0.0.1:{port} · "
        f"{identity.certificate.subject.rfc4514_string()} · {identity.fingerprint}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await confirmer.stop()
    token.close()


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    pin = os.environ.get(args.pin_env, "") if args.pin_env else ""
    if not pin:
        pin = getpass.getpass("PIN của thẻ / token PIN: ")
    asyncio.run(serve(args, pin))


if __name__ == "__main__":
    main()
