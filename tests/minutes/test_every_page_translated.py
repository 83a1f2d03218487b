"""Every page in both languages, over a meeting that has everything (agenda, documents, votes,
attendance, minutes with two versions in review, a conclusions notice with tasks, a ballot):
English pages show no raw key ("needs_action", "hybrid", "absent", "source_none" …) and
Vietnamese pages carry no English string."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, User
from ecabinet.schemas.governance import OpinionBallotIn
from ecabinet.schemas.minutes import ReviewIn, VersionIn
from ecabinet.services import minutes, opinion_ballots, session

from ..conftest import World
from ..live.conftest import upload_document
from ..tasks.helpers import plan, publish_with_tasks
from ..test_csrf_and_cookies import browser_login
from .page_text import english_in_vietnamese, raw_keys, text_nodes
from .session_record import give_certificates, held_session


async def _everything(client: TestClient, world: World, clock: FrozenClock) -> dict[str, int]:
    held = await held_session(world, clock)
    await give_certificates(world, ["thuky", "daibieu", "botruong"])
    svc, secretary = world.svc, held.actor("thuky")
    document = await upload_document(client, held.meeting_id, "Tờ trình Dự án Luật")
    await session.end(svc, held.actor("botruong"), held.meeting_id)
    notice = await publish_with_tasks(
        world,
        held.s,
        [[plan("Hoàn thiện hồ sơ dự án Luật", world.ministry, clock.now() + timedelta(days=5))]],
    )
    view = await minutes.create(svc, secretary, held.meeting_id)
    first = await minutes.version(svc, secretary, view.id, 1)
    await minutes.save(
        svc, secretary, view.id, VersionIn(content=first.content + "\nBổ sung.\n", base_version=1)
    )
    await minutes.send_for_review(
        svc, secretary, view.id, ReviewIn(reviewer_ids=[world["botruong"].id])
    )
    ballot = await opinion_ballots.create(
        svc,
        secretary,
        OpinionBallotIn(
            title="Xin ý kiến dự thảo Nghị định",
            question="Đồng chí có đồng ý?",
            deadline=clock.now() + timedelta(days=3),
            recipients=["botruong", "daibieu"],
        ),
    )
    return {
        "meeting": held.meeting_id,
        "document": document,
        "minutes": view.id,
        "task": notice.conclusions[0].tasks[0].id,
        "notice": notice.id,
        "ballot": ballot.id,
    }


def _pages(ids: dict[str, int]) -> list[str]:
    m, mid = ids["meeting"], ids["minutes"]
    return [
        "/",
        "/meetings",
        "/meetings?view=week",
        "/meetings/new",
        f"/meetings/{m}",
        f"/meetings/{m}/agenda",
        f"/meetings/{m}/documents",
        f"/meetings/{m}/distribution",
        f"/meetings/{m}/session",
        f"/meetings/{m}/attendance",
        f"/meetings/{m}/opinions",
        f"/meetings/{m}/conclusions",
        f"/meetings/{m}/audit",
        f"/meetings/{m}/minutes",
        f"/minutes/{mid}",
        f"/minutes/{mid}/diff?from=1&to=2",
        f"/minutes/{mid}/sign",
        f"/documents/{ids['document']}/read",
        "/ballots",
        "/ballots/new",
        f"/ballots/{ids['ballot']}",
        "/tasks",
        f"/tasks/{ids['task']}",
        "/verify",
        "/account/password",
        f"/meetings/{m}/board-book",
    ]


ADMIN_PAGES = ["/admin/organizations", "/admin/users", "/admin/endpoints", "/admin/audit"]


@pytest.mark.parametrize("language", ["en", "vi"])
async def test_every_page_speaks_the_viewers_language(
    client: TestClient, world: World, clock: FrozenClock, language: str
) -> None:
    ids = await _everything(client, world, clock)
    async with world.svc.db.transaction() as db:
        await db.execute(update(User).values(language=Language(language)))
    usernames = set(world.accounts)
    problems: dict[str, list[str]] = {}
    for username, pages in (
        ("thuky", _pages(ids)),
        ("botruong", _pages(ids)),
        ("admin", ADMIN_PAGES),
    ):
        await browser_login(client, username)
        async with world.svc.db.transaction() as db:  # the login form keeps the language
            await db.execute(update(User).values(language=Language(language)))
        for path in pages:
            resp = await client.get(path)
            if resp.status in (403, 404) and username == "botruong":
                continue  # the chair does not see the secretary's pages
            assert resp.status == 200, (username, path, resp.status)
            html = await resp.text()
            assert f'<html lang="{language}">' in html
            nodes = [n for n in text_nodes(html) if n not in usernames]
            found = raw_keys(nodes)
            if language == "vi":
                found += english_in_vietnamese(nodes)
            if found:
                problems[f"{username} {path}"] = sorted(set(found))
    assert not problems, problems
