"""Approving minutes with comments nobody answered needs a confirmation on the page, which lists
them; the minutes page shows no hashes (they belong to the verification page)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.schemas.minutes import CommentIn, ReviewIn
from ecabinet.services import minutes

from ..conftest import World
from ..test_meeting_pages import browser_login
from .session_record import give_certificates, held_session


async def test_approving_with_unanswered_comments_asks_for_a_confirmation(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    await give_certificates(world, ["thuky", "botruong"])
    secretary = held.actor("thuky")
    mid = (await minutes.create(world.svc, secretary, held.meeting_id)).id
    await minutes.send_for_review(
        world.svc, secretary, mid, ReviewIn(reviewer_ids=[world["botruong"].id])
    )
    await minutes.comment(
        world.svc, held.actor("botruong"), mid, CommentIn(body="Bổ sung giờ khai mạc.")
    )
    await browser_login(client, "thuky")
    html = await (await client.get(f"/minutes/{mid}")).text()
    assert "Ý kiến chưa được trả lời: 1" in html and "Bổ sung giờ khai mạc." in html
    assert "SHA-256" not in html and "sha256" not in html.lower().replace("content_sha256", "")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {
        "csrf_token": csrf,
        "version": "1",
        "signer_0": str(world["thuky"].id),
        "signer_1": str(world["botruong"].id),
    }
    refused = await client.post(f"/minutes/{mid}/approve", data=form, allow_redirects=False)
    assert refused.status == 422
    assert "Còn ý kiến góp ý chưa được trả lời" in await refused.text()
    assert (await minutes.get(world.svc, secretary, mid)).status == "in_review"
    approved = await client.post(
        f"/minutes/{mid}/approve", data={**form, "confirm_open": "1"}, allow_redirects=False
    )
    assert approved.status == 303, await approved.text()
    assert (await minutes.get(world.svc, secretary, mid)).status == "approved_for_signature"
