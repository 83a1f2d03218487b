"""``python -m signaling.client``: log in, get a join ticket, join with a :class:`RoomClient`
playing a clip (or a generated test pattern), stay until the meeting ends or we are removed.
The socket reconnects by itself (signaling/wsclient.py) and renews its ticket when refused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from .wsclient import SignalingError, SignalingSession, Ticket, get_ticket, login


async def run(
    server: str,
    meeting_id: int,
    username: str,
    password: str,
    *,
    play: Path | None = None,
    endpoint: int | None = None,
    seconds: float | None = None,
    share: Path | None = None,
) -> int:
    """Join and stay until the meeting ends, the chair removes us, or ``seconds`` pass.

    With ``share`` (an encoded clip, like ``play``) the client also shares it as its screen,
    beside its camera, once it has joined (refused if someone else already shares)."""
    from .client import RoomClient
    from .clientmedia import ClipTrack, EncodedClip, write_test_clip

    def show(message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind in ("welcome", "lobby", "admitted", "denied", "removed", "muted", "meeting_ended"):
            print(json.dumps(message, ensure_ascii=False), flush=True)
        elif kind == "error":
            print(f"error {message.get('code')}: {message.get('message')}", file=sys.stderr)

    async with aiohttp.ClientSession() as session:
        access = await login(session, server, username, password)
        ticket = await get_ticket(session, server, access, meeting_id, endpoint=endpoint)

        async def renew() -> Ticket:
            return await get_ticket(session, server, access, meeting_id, endpoint=endpoint)

        signaling = SignalingSession(session, ticket, on_message=show, renew=renew)
        await signaling.open()
        with tempfile.TemporaryDirectory() as folder:
            clip_path = play or write_test_clip(Path(folder) / "pattern.h264", gop=60)
            clip = EncodedClip.load(clip_path)
        media = RoomClient(
            ticket.participant,
            video=ClipTrack(clip),
            codec=clip.codec,
            share_line=share is not None,
            ice_servers=ticket.rtc_ice_servers(),
        )
        try:
            try:
                await media.connect(signaling)
            except SignalingError:
                if signaling.close_code is None:
                    raise
                return _exit_code(signaling.close_code)  # closed while joining (meeting over)
            print(f"joined meeting {meeting_id} as {ticket.participant}", flush=True)
            if share is not None:
                try:
                    await media.share(ClipTrack(EncodedClip.load(share)))
                    print(f"sharing {share.name} as the screen", flush=True)
                except SignalingError as exc:
                    print(f"cannot share: {exc.code}: {exc.message}", file=sys.stderr)
            with contextlib.suppress(TimeoutError):
                await signaling.wait_for(
                    lambda: signaling.close_code is not None, limit=seconds or 10**9
                )
        finally:
            await media.close()
            await signaling.close()
    return _exit_code(signaling.close_code)


def _exit_code(close_code: int | None) -> int:
    """0 when we left or the meeting ended; 1 when we were refused, removed or cut off."""
    return 0 if close_code in (None, 1000, 4410) else 1


def run_cli(
    server: str,
    meeting: str,
    username: str,
    password: str,
    play: Path | None,
    endpoint: int | None = None,
    share: Path | None = None,
) -> int:
    if not meeting.isdigit():
        print("--meeting must be a meeting number", file=sys.stderr)
        return 2
    try:
        return asyncio.run(
            run(
                server,
                int(meeting),
                username,
                password,
                play=play,
                endpoint=endpoint,
                share=share,
            )
        )
    except SignalingError as exc:
        print(f"refused: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
