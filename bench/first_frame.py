"""Browser benchmark (issue 19 item 3): time to the first remote frame from opening the room,
and the speaker switch after the chair gives the floor, measured in headless Chromium.

    .venv/bin/python bench/first_frame.py [--rounds 5] [--chromium /usr/bin/chromium] [--append]

A real ``run.py serve`` child (fresh SQLite data dir), two members joined with the Python room
client, each sending its own clip (640x360 and 320x180, so the page can tell them apart by the
decoded frame size), and the chair in Chromium with a fake camera (Playwright, as tests/live
does). Per round, in a fresh browser context:

- **first frame**: ``requestVideoFrameCallback`` on the main video, installed before the page's
  scripts run; its first callback's ``performance.now()`` is the time since the room page's
  navigation started (login done beforehand, so this is "opening the room").
- **switch**: the member not on the main video asks for the floor and the chair grants it
  (``POST …/floor/requests/{id}/grant``); the switch time runs from just before that request is
  sent to the first frame on the main video with the other member's frame size (wall clock of
  the same machine on both sides); then the speech is finished.

Prints one summary line (median and range of each) and, with ``--append``, adds it to
bench/RESULTS.md with the machine, the load average and the date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    SECRET,
    create_accounts,
    free_port,
    login,
    machine,
    server_env,
    wait_ready,
)
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from signaling.client import RoomClient  # noqa: E402
from signaling.clientmedia import ClipTrack, EncodedClip, write_test_clip  # noqa: E402
from signaling.sfu import MeetingCodec  # noqa: E402
from signaling.wsclient import SignalingSession, get_ticket  # noqa: E402
from tests.browser import HEADLESS_ARGS, MEDIA_ARGS  # noqa: E402

PASSWORD = "mật khẩu đo tải 2026"  # noqa: S105 (bench.load's throwaway accounts)
WATCH = (ROOT / "bench/first_frame_watch.js").read_text(encoding="utf-8")


async def member(
    http: aiohttp.ClientSession, base: str, username: str, meeting_id: int, clip: EncodedClip
) -> tuple[SignalingSession, RoomClient]:
    access = await login(http, base, username)
    ticket = await get_ticket(http, base, access, meeting_id)
    signaling = SignalingSession(http, ticket)
    await signaling.open()
    media = RoomClient(ticket.participant, video=ClipTrack(clip), codec=MeetingCodec.H264)
    await media.connect(signaling)
    return signaling, media


async def create_meeting(http: aiohttp.ClientSession, base: str, names: list[str]) -> int:
    headers = {"Authorization": f"Bearer {await login(http, base, 'thuky')}"}
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "title": "Đo thời gian khung hình đầu tiên",
        "starts_at": (now + timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "mode": "online",
        "status": "scheduled",
        "confirm_conflicts": True,
        "participants": [{"username": names[0], "role": "chair"}]
        + [{"username": u, "role": "member"} for u in names[1:]],
    }
    async with http.post(f"{base}/api/meetings", json=body, headers=headers) as resp:
        if resp.status != 201:
            raise RuntimeError(f"meeting: {resp.status} {await resp.text()}")
        return int((await resp.json())["id"])


async def api(
    http: aiohttp.ClientSession, method: str, url: str, token: str, body: object = None
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.request(method, url, json=body or {}, headers=headers) as resp:
        if resp.status >= 400:
            raise RuntimeError(f"{method} {url}: {resp.status} {await resp.text()}")
        return dict(await resp.json())


async def run(args: argparse.Namespace, base: str, http: aiohttp.ClientSession) -> str:
    from playwright.async_api import async_playwright

    names = ["thanhvien000", "thanhvien001", "thanhvien002"]
    meeting_id = await create_meeting(http, base, names)
    folder = Path(tempfile.mkdtemp(prefix="ecab-ff-"))
    big = EncodedClip.load(
        write_test_clip(folder / "a.h264", rgb=(30, 200, 30), width=640, height=360, gop=30)
    )
    small = EncodedClip.load(write_test_clip(folder / "b.h264", rgb=(200, 30, 30), gop=30))
    members = {
        names[1]: await member(http, base, names[1], meeting_id, big),
        names[2]: await member(http, base, names[2], meeting_id, small),
    }
    widths = {
        members[names[1]][0].ticket.participant: 640,
        members[names[2]][0].ticket.participant: 320,
    }
    who = {s.ticket.participant: name for name, (s, _) in members.items()}
    m = f"{base}/api/meetings/{meeting_id}"
    chair_token = await login(http, base, names[0])
    tokens = {name: await login(http, base, name) for name in names[1:]}
    await api(http, "POST", f"{m}/session/start", chair_token)
    first: list[float] = []
    switch: list[float] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=args.chromium, args=HEADLESS_ARGS + MEDIA_ARGS
        )
        for _ in range(args.rounds):
            context = await browser.new_context(base_url=base)
            await context.add_init_script(WATCH)
            page = await context.new_page()
            await page.goto("/login")
            await page.fill("input[name=username]", names[0])
            await page.fill("input[name=password]", PASSWORD)
            await page.click("form button.primary")
            await page.wait_for_url(lambda u: "/login" not in u)
            await page.goto(f"/meetings/{meeting_id}/room")
            await page.wait_for_function("() => window.__frames.length > 0", timeout=60_000)
            first.append(await page.evaluate("window.__frames[0].since") / 1000)
            if args.detail:
                marks = await page.evaluate("window.__marks")
                print("round:", marks, "first frame", round(first[-1] * 1000))
            await page.wait_for_function("() => window.ecabinetRoom.slots.main", timeout=30_000)
            shown = await page.evaluate("window.ecabinetRoom.slots.main")
            target = next(p for p in widths if p != shown)
            await asyncio.sleep(1.0)  # settle: the main video plays
            queue = await api(http, "POST", f"{m}/floor/requests", tokens[who[target]])
            request = next(r for r in queue["queue"] if f"p{r['participant_id']}" == target)  # type: ignore[attr-defined, index]
            mark = time.time() * 1000
            await api(http, "POST", f"{m}/floor/requests/{request['id']}/grant", chair_token)
            await page.wait_for_function(
                f"() => window.__frames.some((f) => f.at > {mark} && f.width === {widths[target]})",
                timeout=30_000,
            )
            at = await page.evaluate(
                f"window.__frames.find((f) => f.at > {mark} && f.width === {widths[target]}).at"
            )
            switch.append((at - mark) / 1000)
            await api(http, "POST", f"{m}/floor/requests/{request['id']}/finish", chair_token)
            await context.close()
        await browser.close()
    for signaling, media in members.values():
        await media.close()
        await signaling.close()

    def summary(values: list[float]) -> str:
        ms = sorted(v * 1000 for v in values)
        return f"median {statistics.median(ms):.0f} ms (min {ms[0]:.0f}, max {ms[-1]:.0f})"

    return (
        f"first remote frame {summary(first)}; speaker switch {summary(switch)}; "
        f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}"
    )


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument(
        "--chromium", default=os.environ.get("ECABINET_TEST_CHROMIUM", "/usr/bin/chromium")
    )
    p.add_argument("--append", action="store_true", help="add the result to bench/RESULTS.md")
    p.add_argument("--detail", action="store_true", help="print each round's in-page milestones")
    p.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="serve this checkout (e.g. another worktree, to compare before/after)",
    )
    args = p.parse_args()
    data = Path(tempfile.mkdtemp(prefix="ecab-ff-data-"))
    settings = Settings(
        data_dir=data, database_url=f"sqlite+aiosqlite:///{data}/ecabinet.db", secret_key=SECRET
    )
    await asyncio.to_thread(upgrade, settings.database_url)
    await create_accounts(settings, 3)
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 (as bench.load.start_server)
        [sys.executable, "run.py", "serve", "--workers", "1"],
        cwd=args.server_root,
        env=server_env(settings, port),
        stdout=(data / "server.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base)
            line = await run(args, base, http)
    finally:
        server.terminate()
        server.wait(timeout=20)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{stamp}: {line} (load before {load_before:.1f}); {machine()}")
    if args.append:
        with (ROOT / "bench/RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(f"\n- {stamp}: {line} (before: {load_before:.1f}). {machine()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
