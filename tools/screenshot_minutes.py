"""Screenshots of the minutes pages for docs/minutes.md.

    python tools/screenshot_minutes.py docs/screenshot-minutes.png [--diff D.png] [--pdf F.pdf]

Starts the app on a throw-away data directory with the demo data, runs the first regular
Government session through the services (agenda, attendance, a speech, a named vote,
conclusions), has the secretary write the minutes, correct them, send them for review, approve
them for signature (secretary, a minister, the Prime Minister last) and sign first; then, in
headless Chromium, saves the Prime Minister's view of the minutes page (and the diff page).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from aiohttp import web  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from screenshot import CHROMIUM_ARGS, chromium_path  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ecabinet.app import create_app  # noqa: E402
from ecabinet.clock import FrozenClock  # noqa: E402
from ecabinet.config import Settings  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.models import AttendanceStatus, Meeting, Participant, User  # noqa: E402
from ecabinet.schemas.agenda import AgendaItemIn  # noqa: E402
from ecabinet.schemas.governance import (  # noqa: E402
    AttendanceCorrectionIn,
    ConclusionIn,
    CurrentItemIn,
    GrantIn,
    MotionIn,
    SpeechRequestIn,
    VoteIn,
)
from ecabinet.schemas.minutes import ApproveIn, CommentIn, ReviewIn, VersionIn  # noqa: E402
from ecabinet.services import (  # noqa: E402
    agenda,
    attendance,
    floor,
    minutes,
    minutes_signing,
    pki,
    session,
    votes,
)
from ecabinet.services.actor import Actor  # noqa: E402
from ecabinet.services.context import Services  # noqa: E402
from ecabinet.services.seed import seed_demo  # noqa: E402
from ecabinet.web.appkeys import services_key  # noqa: E402

ITEMS = [
    ("Tờ trình dự án Luật Dữ liệu (sửa đổi)", "Chính phủ thống nhất thông qua; giao Bộ Công an "
     "tiếp thu ý kiến thành viên, hoàn thiện hồ sơ trình Quốc hội."),
    ("Báo cáo tình hình kinh tế - xã hội tháng 11", "Đồng ý với báo cáo; các bộ, địa phương "
     "tập trung giải ngân vốn đầu tư công trong tháng 12."),
    ("Đề án phòng, chống thiên tai khu vực miền Trung", "Giao Bộ Nông nghiệp và Môi trường chủ "
     "trì, phối hợp các tỉnh hoàn thiện Đề án trước ngày 20/12."),
]  # fmt: skip


def actor_of(user: User) -> Actor:
    return Actor(
        user.id, user.username, user.full_name, user.role, user.organization_id,
        user.language, "screenshot",
    )  # fmt: skip


async def run_session(svc: Services, clock: FrozenClock) -> tuple[int, dict[str, User]]:
    async with svc.db.reading() as db:
        meeting = await db.scalar(
            select(Meeting)
            .where(Meeting.title == "Phiên họp Chính phủ thường kỳ")
            .order_by(Meeting.starts_at)
            .limit(1)
        )
        assert meeting is not None
        rows = list(
            await db.scalars(select(Participant).where(Participant.meeting_id == meeting.id))
        )
        users = {u.username: u for u in await db.scalars(select(User))}
    by_id = {u.id: u for u in users.values()}
    clock.advance(seconds=(meeting.starts_at - clock.now()).total_seconds() + 120)
    secretary, chair = actor_of(users["thuky"]), actor_of(users["thutuong"])
    items = [
        await agenda.add_item(svc, secretary, meeting.id, AgendaItemIn(title=title))
        for title, _ in ITEMS
    ]
    await session.start(svc, chair, meeting.id)
    people = [r for r in rows if r.user_id]
    for n, row in enumerate(people):
        status = AttendanceStatus.EXCUSED if n == len(people) - 1 else (
            AttendanceStatus.PRESENT_IN_PERSON if n % 3 else AttendanceStatus.PRESENT_ONLINE
        )  # fmt: skip
        await attendance.correct(
            svc, secretary, meeting.id, AttendanceCorrectionIn(participant_id=row.id, status=status)
        )
    speaker = actor_of(next(u for name, u in sorted(users.items()) if name.startswith("botruong-")))
    for item, (_, conclusion) in zip(items, ITEMS, strict=True):
        clock.advance(minutes=7)
        await session.set_current(svc, chair, meeting.id, CurrentItemIn(agenda_item_id=item.id))
        if item is items[0]:
            view = await floor.request(
                svc, speaker, meeting.id, SpeechRequestIn(agenda_item_id=item.id)
            )
            await floor.grant(svc, chair, meeting.id, view.queue[0].id, GrantIn())
            clock.advance(minutes=5)
            await floor.finish(svc, chair, meeting.id, view.queue[0].id)
            motion = await votes.open_motion(
                svc, chair, meeting.id, MotionIn(title=ITEMS[0][0], agenda_item_id=item.id)
            )
            for n, row in enumerate(people[:-1]):
                choice = "agree" if n % 7 else "abstain"
                await votes.cast(
                    svc, actor_of(by_id[row.user_id]), motion.id, VoteIn(choice=choice)
                )  # type: ignore[index]
            await votes.close(svc, chair, motion.id)
        await session.conclude(svc, chair, meeting.id, item.id, ConclusionIn(text=conclusion))
    clock.advance(minutes=20)
    await session.end(svc, chair, meeting.id)
    return meeting.id, users


async def write_minutes(svc: Services, meeting_id: int, users: dict[str, User]) -> int:
    secretary, chair = actor_of(users["thuky"]), actor_of(users["thutuong"])
    minister = next(u for name, u in users.items() if name.startswith("botruong-"))
    for user in (users["thuky"], minister, users["thutuong"]):
        await pki.issue_certificate(svc, None, user.id)
    view = await minutes.create(svc, secretary, meeting_id)
    text = (await minutes.version(svc, secretary, view.id, 1)).content
    text = text.replace(
        "Phiên họp kết thúc lúc", "Thủ tướng Chính phủ phát biểu bế mạc. Phiên họp kết thúc lúc"
    )
    await minutes.save(svc, secretary, view.id, VersionIn(content=text, note="Bổ sung phần bế mạc"))
    await minutes.send_for_review(
        svc, secretary, view.id, ReviewIn(reviewer_ids=[chair.user_id, minister.id])
    )
    section = (await minutes.version(svc, chair, view.id, 2)).sections[0]
    await minutes.comment(
        svc, actor_of(minister), view.id,
        CommentIn(body="Đề nghị ghi rõ thành phần khách mời.", section=section),
    )  # fmt: skip
    await minutes_signing.approve(
        svc, secretary, view.id,
        ApproveIn(version=2, signer_ids=[secretary.user_id, minister.id, chair.user_id]),
    )  # fmt: skip
    await minutes_signing.sign(svc, secretary, view.id)
    return view.id


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="ecabinet-minutes-") as tmp:
        data_dir = Path(tmp)
        url = f"sqlite+aiosqlite:///{data_dir / 'ecabinet.db'}"
        await asyncio.to_thread(upgrade, url)
        clock = FrozenClock(datetime.now(UTC))
        settings = Settings(
            data_dir=data_dir, database_url=url, ca_passphrase=secrets.token_urlsafe(24)
        )
        app = create_app(settings, clock=clock)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            svc = app[services_key]
            passwords = {u.username: u.password for u in await seed_demo(svc)}
            meeting_id, users = await run_session(svc, clock)
            minutes_id = await write_minutes(svc, meeting_id, users)
            if args.pdf:
                found = await minutes_signing.pdf(svc, actor_of(users["thuky"]), minutes_id)
                args.pdf.write_bytes(found.data)
            base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                context = await browser.new_context(
                    base_url=base_url, viewport={"width": 1280, "height": 900}, locale="vi-VN"
                )
                page = await context.new_page()
                await page.goto("/login")
                await page.fill("input[name=username]", "thutuong")
                await page.fill("input[name=password]", passwords["thutuong"])
                await page.click("button.primary")
                await page.wait_for_url(f"{base_url}/**")
                await page.goto(f"/minutes/{minutes_id}")
                await page.screenshot(path=str(args.out), full_page=True)
                print(f"wrote {args.out}")
                if args.diff:
                    await page.goto(f"/minutes/{minutes_id}/diff?from=1&to=2")
                    await page.screenshot(path=str(args.diff), full_page=True)
                    print(f"wrote {args.diff}")
                await browser.close()
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--diff", type=Path)
    parser.add_argument("--pdf", type=Path)
    asyncio.run(main(parser.parse_args()))
