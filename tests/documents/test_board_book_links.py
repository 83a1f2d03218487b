"""Signed download links for the board book (SEC-C2, issue 19 item 9): the link works for its
owner, on its one path, with Range, until it expires or the owner's session ends; pasted to
another user, on another path, or used with another method, it does not."""

from __future__ import annotations

import pytest

from ecabinet.clock import FrozenClock
from ecabinet.errors import Unauthorized
from ecabinet.services import download_links
from ecabinet.services.auth import actor_from_access_token
from ecabinet.services.tokens import LEEWAY_SECONDS

from ..conftest import api_login, bearer
from .helpers import Setup, setup_meetings
from .pdfs import make_pdf
from .test_board_book import build


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def signed(s: Setup, headers: dict[str, str]) -> dict:
    resp = await s.client.get(f"/api/meetings/{s.meeting_a}/board-book/link", headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def error(resp) -> tuple[int, str]:
    return resp.status, (await resp.json())["error"]["code"]


async def test_a_signed_link_opens_the_book_for_its_owner_alone(s: Setup) -> None:
    await s.upload(s.meeting_a, make_pdf("Tờ trình luật", pages=2), title="Tờ trình")
    ready = await build(s, "daibieu")
    own = await s.client.get(ready["download_url"], headers=s.h("daibieu"))
    assert own.status == 200
    link = await signed(s, s.h("daibieu"))
    assert link["url"].startswith(f"/api/meetings/{s.meeting_a}/board-book/content?sig=")

    # no cookie, no token: the link alone opens it, as its owner would get it
    resp = await s.client.get(link["url"])
    assert resp.status == 200 and await resp.read() == await own.read()
    assert resp.headers["Cache-Control"] == "no-store"
    part = await s.client.get(link["url"], headers={"Range": "bytes=0-99"})
    assert part.status == 206 and len(await part.read()) == 100
    # the owner's own session with it: fine
    assert (await s.client.get(link["url"], headers=s.h("daibieu"))).status == 200

    # pasted to another user (who has a session of their own): refused
    other = await s.client.get(link["url"], headers=s.h("thuky"))
    assert await error(other) == (401, "link_not_yours")
    # the same signature on another path
    sig = link["url"].split("?", 1)[1]
    elsewhere = await s.client.get(f"/api/meetings/{s.meeting_b}/board-book/content?{sig}")
    assert await error(elsewhere) == (401, "link_not_valid_here")
    # a forged or damaged signature
    broken = await s.client.get(link["url"][:-4] + "AAAA")
    assert broken.status == 401
    # neither a link nor a session
    anonymous = await s.client.get(f"/api/meetings/{s.meeting_a}/board-book/content")
    assert await error(anonymous) == (401, "not_authenticated")


async def test_a_signed_link_expires(s: Setup, clock: FrozenClock) -> None:
    await s.upload(s.meeting_a, make_pdf("Tờ trình", pages=1), title="Tờ trình")
    await build(s, "daibieu")
    link = await signed(s, s.h("daibieu"))
    clock.advance(seconds=download_links.LINK_TTL.total_seconds() - 1)
    assert (await s.client.get(link["url"])).status == 200
    clock.advance(seconds=2 + LEEWAY_SECONDS)  # past it, and past the clock-skew leeway
    assert await error(await s.client.get(link["url"])) == (401, "token_expired")


async def test_a_signed_link_dies_with_its_session(s: Setup) -> None:
    await s.upload(s.meeting_a, make_pdf("Tờ trình", pages=1), title="Tờ trình")
    await build(s, "daibieu")
    tokens = await api_login(s.client, "daibieu")
    link = await signed(s, bearer(tokens))
    assert (await s.client.get(link["url"])).status == 200
    out = await s.client.post("/api/auth/logout", headers=bearer(tokens))
    assert out.status == 204
    assert await error(await s.client.get(link["url"])) == (401, "session_ended")


async def test_a_link_is_for_get_only_and_only_once_the_book_is_built(s: Setup) -> None:
    resp = await s.client.get(
        f"/api/meetings/{s.meeting_a}/board-book/link", headers=s.h("daibieu")
    )
    assert await error(resp) == (404, "board_book_not_ready")
    svc = s.world.svc
    token = s.h("daibieu")["Authorization"].split()[1]
    actor = await actor_from_access_token(svc, token, address="127.0.0.1")
    path = f"/api/meetings/{s.meeting_a}/board-book/content"
    sig = download_links.sign(svc, actor, path).url.split("sig=", 1)[1]
    with pytest.raises(Unauthorized) as refused:
        await download_links.owner_of(
            svc, sig, method="POST", path=path, address="127.0.0.1", presenter=None
        )
    assert refused.value.code == "link_not_valid_here"
    # a token of another kind (an access token) is no link
    with pytest.raises(Unauthorized):
        await download_links.owner_of(
            svc, token, method="GET", path=path, address="127.0.0.1", presenter=None
        )
