"""``python -m signaling.client``: logs in, gets a ticket, joins through the WebSocket."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient

from ..conftest import PASSWORD
from .conftest import Meeting, enter

ROOT = Path(__file__).resolve().parents[2]


async def test_room_client_joins_as_the_endpoint_and_leaves_when_the_meeting_ends(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "signaling.client",
        "--server",
        f"http://{client.host}:{client.port}",
        "--meeting",
        str(meeting.id),
        "--username",
        "vanhanh",
        "--password-stdin",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(PASSWORD.encode() + b"\n")
    await process.stdin.drain()
    process.stdin.close()
    try:
        entry = await chair.expect("participant", wait=20)
        while entry["participant"]["endpoint"] != meeting.endpoint_id:
            entry = await chair.expect("participant", wait=20)
        assert entry["participant"]["name"] == "Điểm cầu UBND tỉnh Nghệ An"
        assert process.stdout is not None
        async with asyncio.timeout(20):
            while b"joined meeting" not in await process.stdout.readline():
                pass
        await chair.send("end_meeting")
        async with asyncio.timeout(20):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert b'"type": "meeting_ended"' in stdout


async def test_room_client_reports_a_refusal(client: TestClient, meeting: Meeting) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "signaling.client",
        "--server",
        f"http://{client.host}:{client.port}",
        "--meeting",
        "999",
        "--username",
        "vanhanh",
        "--password-stdin",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(20):
        _, stderr = await process.communicate(PASSWORD.encode() + b"\n")
    assert process.returncode == 1
    assert b"refused: meeting_not_found" in stderr


async def test_room_client_shares_a_file_as_its_screen(
    client: TestClient, meeting: Meeting, tmp_path: Path
) -> None:
    """``--share FILE``: the file goes out as a screen source beside the camera; the room
    announces the share to everyone (``screen``)."""
    from signaling.clientmedia import write_test_clip

    screen = write_test_clip(tmp_path / "slides.h264", rgb=(30, 30, 220), gop=30)
    chair = await enter(client, "botruong", meeting.id)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "signaling.client",
        "--server",
        f"http://{client.host}:{client.port}",
        "--meeting",
        str(meeting.id),
        "--username",
        "vanhanh",
        "--password-stdin",
        "--share",
        str(screen),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(PASSWORD.encode() + b"\n")
    await process.stdin.drain()
    process.stdin.close()
    try:
        entry = await chair.expect("participant", wait=20)
        while entry["participant"]["endpoint"] != meeting.endpoint_id:
            entry = await chair.expect("participant", wait=20)
        site = entry["participant"]["participant"]
        async with asyncio.timeout(30):
            while b"sharing slides.h264 as the screen" not in await process.stdout.readline():
                pass
        shared = await chair.expect("screen", wait=20, participant=site)
        assert shared["previous"] is None
        await chair.send("end_meeting")
        async with asyncio.timeout(20):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
