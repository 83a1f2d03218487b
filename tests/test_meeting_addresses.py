"""Issue 19 item 2: an invited person the invitation cannot reach (no e-mail address: a user
created from the command line without ``--email``, or an endpoint whose operator has none) is
named on the meeting page for the secretary, who can fix it; the others do not see it."""

from __future__ import annotations

import re

from sqlalchemy import update

from ecabinet.models import User

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare
from .test_meeting_pages import browser_login

NOTE = "sẽ không nhận thư mời qua e-mail"


async def _without_address(world, *usernames: str) -> None:
    async with world.svc.db.transaction() as session:
        await session.execute(update(User).where(User.username.in_(usernames)).values(email=""))


async def test_the_secretary_sees_who_will_not_get_the_invitation(client, world):
    sched = await prepare(world)
    await _without_address(world, "daibieu", "vanhanh")
    headers = bearer(await api_login(client, "thuky"))
    body = meeting_body()
    body["participants"].append({"endpoint": sched.endpoint_id, "role": "member"})
    resp = await client.post("/api/meetings", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    meeting_id = (await resp.json())["id"]
    mailed = {m.to_address for m in await outbox(world)}
    assert mailed == {"botruong@chinhphu.vn"}, "only the chair has an address"

    await browser_login(client, "thuky")
    html = await (await client.get(f"/meetings/{meeting_id}")).text()
    alert = re.search(r"<p class=\"alert warn\" data-no-address>(.*?)</p>", html, re.S)
    assert alert, "the secretary is told"
    assert "Daibieu" in alert.group(1) and "Điểm cầu UBND tỉnh Nghệ An" in alert.group(1)
    assert "Botruong" not in alert.group(1)
    assert "Đề nghị quản trị viên bổ sung địa chỉ e-mail." in alert.group(1)
    rows = {
        name.strip(): NOTE in cell
        for name, cell in re.findall(r"<tr><td>([^<]+)(.*?)</td>", html, re.S)
    }
    assert rows == {"Botruong": False, "Daibieu": True, "Điểm cầu UBND tỉnh Nghệ An": True}

    client.session.cookie_jar.clear()
    await browser_login(client, "botruong")
    html = await (await client.get(f"/meetings/{meeting_id}")).text()
    assert NOTE not in html and "data-no-address" not in html, "members are not shown it"


async def test_nothing_is_shown_when_everyone_has_an_address(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=headers)
    meeting_id = (await resp.json())["id"]
    await browser_login(client, "thuky")
    html = await (await client.get(f"/meetings/{meeting_id}")).text()
    assert NOTE not in html and "data-no-address" not in html
