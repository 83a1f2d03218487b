"""Review threads on the minutes: the secretary (or another reviewer) answers a comment; the
answer joins the comment's thread (one level), takes its section, tells the comment's author by
mail, and the page shows it under the comment. Bad replies get stable codes."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from ecabinet.clock import FrozenClock
from ecabinet.models import AuditEvent, OutboxMail

from ..conftest import World, api_login, bearer
from ..test_csrf_and_cookies import browser_login
from .session_record import held_session


async def _code(resp) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return resp.status, (await resp.json())["error"]["code"]


async def test_a_reply_joins_the_thread_tells_its_author_and_shows_under_the_comment(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    h = {n: bearer(await api_login(client, n)) for n in ("thuky", "daibieu", "botruong")}
    mid = (
        await (
            await client.post(f"/api/meetings/{held.meeting_id}/minutes", headers=h["thuky"])
        ).json()
    )["id"]
    base = f"/api/minutes/{mid}"
    reviewers = [world["daibieu"].id, world["botruong"].id]
    resp = await client.post(f"{base}/review", json={"reviewer_ids": reviewers}, headers=h["thuky"])
    assert resp.status == 200, await resp.text()

    resp = await client.post(
        f"{base}/comments",
        json={"body": "Thiếu tên một đại biểu.", "section": "Thành phần tham dự",
              "changes_requested": True},
        headers=h["daibieu"],
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    first = (await resp.json())["id"]
    resp = await client.post(
        f"{base}/comments", json={"body": "Đã bổ sung.", "reply_to": first}, headers=h["thuky"]
    )
    assert resp.status == 201, await resp.text()
    answer = await resp.json()
    assert answer["reply_to"] == first and answer["section"] == "Thành phần tham dự"
    assert answer["changes_requested"] is False
    # an answer to the answer joins the same thread
    resp = await client.post(
        f"{base}/comments", json={"body": "Cảm ơn.", "reply_to": answer["id"]}, headers=h["daibieu"]
    )
    assert resp.status == 201 and (await resp.json())["reply_to"] == first

    # bad replies: a section of its own, a change request, a comment that is not on these minutes
    for body, code in (
        ({"body": "x", "reply_to": first, "section": "Thành phần tham dự"}, "invalid_reply"),
        ({"body": "x", "reply_to": first, "changes_requested": True}, "invalid_reply"),
        ({"body": "x", "reply_to": 999_999}, "comment_not_found"),
    ):
        resp = await client.post(f"{base}/comments", json=body, headers=h["botruong"])
        assert await _code(resp) == ((422 if code == "invalid_reply" else 404), code), body
    resp = await client.post(
        f"{base}/comments", json={"body": "x", "reply_to": "1; drop"}, headers=h["botruong"]
    )
    assert resp.status == 422

    listed = await (await client.get(f"{base}/comments", headers=h["botruong"])).json()
    assert [(c["body"], c["reply_to"]) for c in listed] == [
        ("Thiếu tên một đại biểu.", None),
        ("Đã bổ sung.", first),
        ("Cảm ơn.", first),
    ]
    async with world.svc.db.reading() as session:
        mails = list(
            await session.scalars(select(OutboxMail).where(OutboxMail.purpose == "minutes_reply"))
        )
        audited = list(
            await session.scalars(
                select(AuditEvent.data).where(AuditEvent.action == "minutes.comment")
            )
        )
    # the thread's author hears of the secretary's answer; nobody is told of their own words
    assert [m.to_address.split("@")[0] for m in mails] == ["daibieu"]
    assert f"/minutes/{mid}" in mails[0].text_body
    assert [a.get("reply_to") for a in audited] == [None, first, first]

    # the page shows the answers under the comment, with a reply form for a reviewer
    await browser_login(client, "botruong")
    page = await (await client.get(f"/minutes/{mid}")).text()
    thread = page.split(f'data-comment="{first}"', 1)[1].split("</section>", 1)[0]
    assert "Đã bổ sung." in thread and "Cảm ơn." in thread and 'class="minutes-replies"' in thread
    assert f'name="reply_to" value="{first}"' in page
