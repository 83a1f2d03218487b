"""The deputy search of the delegation form: people of one's own organization, matched without
tone marks or case, never the principal, someone already invited, or another organization; only
an invited person may search; a typed name resolves when it names one person; and the meeting
page shows a refused delegation as an error in the viewer's language."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from ecabinet.errors import NotFound, ValidationFailed
from ecabinet.models import Role, User
from ecabinet.services import deputies

from .conftest import World, api_login, bearer
from .governance import actor, make_session
from .test_meeting_pages import _csrf, browser_login


async def named(
    world: World, username: str, full_name: str, organization: int, title: str = ""
) -> None:
    await world.add_user(username, Role.MEMBER, organization)
    async with world.svc.db.transaction() as session:
        await session.execute(
            update(User).where(User.username == username).values(full_name=full_name, title=title)
        )


async def people(world: World) -> int:
    s = await make_session(world, ["daibieu"], items=0)
    await named(world, "thutruong", "Nguyễn Văn Thứ", world.ministry, "Thứ trưởng")
    await named(world, "vutruong", "Nguyễn Văn An", world.ministry, "Vụ trưởng")
    await named(world, "chutich", "Nguyễn Văn Tỉnh", world.province)
    await named(world, "dathoi", "Đặng Thị Hồi", world.ministry)
    return s.meeting_id


async def test_the_search_offers_only_who_could_stand_in(client: TestClient, world: World) -> None:
    meeting_id = await people(world)
    resp = await client.get(
        f"/api/meetings/{meeting_id}/deputies?q=nguyen%20van",
        headers=bearer(await api_login(client, "daibieu")),
    )
    assert resp.status == 200
    found = await resp.json()
    assert [p["username"] for p in found] == ["vutruong", "thutruong"]  # by name; no province
    assert found[1] == {
        "username": "thutruong",
        "full_name": "Nguyễn Văn Thứ",
        "title": "Thứ trưởng",
        "organization": "Bộ Y tế",
    }
    daibieu = actor(world, "daibieu")
    assert [
        p.username for p in await deputies.search(world.svc, daibieu, meeting_id, "DANG hoi")
    ] == ["dathoi"]
    everyone = {p.username for p in await deputies.search(world.svc, daibieu, meeting_id, "")}
    assert "botruong" not in everyone and "daibieu" not in everyone  # invited, and oneself
    assert await deputies.resolve(world.svc, daibieu, meeting_id, "thu truong") == "thutruong"
    with pytest.raises(ValidationFailed) as several:
        await deputies.resolve(world.svc, daibieu, meeting_id, "Nguyễn Văn")
    assert several.value.code == "deputy_ambiguous"
    with pytest.raises(NotFound):  # not invited: nothing to delegate, nobody to search
        await deputies.search(world.svc, actor(world, "vutruong"), meeting_id, "")
    outsider = await client.get(
        f"/api/meetings/{meeting_id}/deputies", headers=bearer(await api_login(client, "chutich"))
    )
    assert outsider.status == 404


@pytest.mark.parametrize(
    ("typed", "vietnamese", "english"),
    [
        (
            "Trần Quốc",
            "Không tìm thấy người nào trong cơ quan",
            "Nobody of your organization matches",
        ),
        ("Nguyễn Văn", "Có nhiều người trùng tên", "Several people match that name"),
    ],
)
async def test_a_refused_delegation_is_an_error_in_the_page(
    client: TestClient, world: World, typed: str, vietnamese: str, english: str
) -> None:
    meeting_id = await people(world)
    await browser_login(client, "daibieu")
    html = await (await client.get(f"/meetings/{meeting_id}")).text()
    resp = await client.post(
        f"/meetings/{meeting_id}/rsvp",
        data={
            "csrf_token": _csrf(html),
            "answer": "delegated",
            "deputy": typed,
            "reason": "Đi công tác",
        },
    )
    assert resp.status == 200 and "/meetings/" in str(resp.url) and "error=" in str(resp.url)
    page = await resp.text()
    assert f'<p class="alert error" role="alert" id="answer-error">{vietnamese}' in page
    assert "alert ok" not in page and "No such deputy" not in page
    assert "<details open>" in page  # the form is open again, to choose from the list
    async with world.svc.db.transaction() as session:
        await session.execute(update(User).where(User.username == "daibieu").values(language="en"))
    page = await (await client.get(resp.url.path_qs)).text()
    assert f'<p class="alert error" role="alert" id="answer-error">{english}' in page
