"""Who reads a published conclusions notice (issue 19, item 15): its recipients and the organizing
office, by the one rule in ``conclusion_access`` — and nobody by role alone. Every role is tried on
every surface that shows a notice (the JSON notice, its PDF, the meeting's list, the meeting's
conclusions page, the mail's link); a draft is for the organizing office only."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.models import Role

from ..conftest import World, api_login, bearer
from .test_task_access import setup

# The meeting: chair botruong and member daibieu of the ministry (Bộ Y tế), the Nghệ An endpoint
# operated by vanhanh; tasks for the ministry (the district co-operating) and the province;
# organized by the Government Office, whose secretary thuky is the meeting's.
STANDING = {
    "thuky": "office",  # the meeting's secretary
    "thuky_vp": "office",  # another secretary of the organizing office
    "botruong": "recipient",  # the chair
    "daibieu": "recipient",  # a member
    "vanhanh": "recipient",  # the operator of an invited endpoint
    "chuyenvien": "recipient",  # a user of the province (invited endpoint, given a task)
    "huyen": "recipient",  # a user of the district co-operating on a task
    "thuky_yte": "recipient",  # a secretary of the ministry whose members took part
    "thuky_taichinh": "none",  # a secretary of a ministry with no part in the meeting
    "thuky_hatinh": "none",  # a secretary of a province with no part
    "taichinh": "none",  # a member of that ministry
    "admin": "none",  # an administrator (of the organizing office, but taking no part)
    "anonymous": "anonymous",
}


def expected(standing: str, notice: int, draft: int) -> dict[str, object]:
    office, recipient = standing == "office", standing == "recipient"
    reads = office or recipient
    no = 401 if standing == "anonymous" else 404
    login = 303 if standing == "anonymous" else 404  # pages send a stranger to the login form
    return {
        "notice": 200 if reads else no,
        "notice pdf": 200 if reads else no,
        "draft": 200 if office else no,
        "draft pdf": 404 if office else no,  # no PDF until published
        "list": [notice, draft] if office else [notice] if recipient else no,
        "page": 200 if reads else login,
        "mail link": 303 if reads else login,
        "draft link": 303 if office else login,
    }


async def _outcome(
    client: TestClient, headers: dict[str, str], meeting_id: int, notice: int, draft: int
) -> dict[str, object]:
    seen: dict[str, object] = {}
    for name, path in (
        ("notice", f"/api/conclusions/{notice}"),
        ("notice pdf", f"/api/conclusions/{notice}/pdf"),
        ("draft", f"/api/conclusions/{draft}"),
        ("draft pdf", f"/api/conclusions/{draft}/pdf"),
        ("list", f"/api/meetings/{meeting_id}/conclusions"),
        ("page", f"/meetings/{meeting_id}/conclusions"),
        ("mail link", f"/conclusions/{notice}"),
        ("draft link", f"/conclusions/{draft}"),
    ):
        resp = await client.get(path, headers=headers, allow_redirects=False)
        seen[name] = resp.status
        if name == "list" and resp.status == 200:
            seen[name] = [n["id"] for n in await resp.json()]
    return seen


async def test_a_published_notice_is_for_its_recipients_and_the_organizing_office(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    notice, _, _, draft = await setup(world, clock)
    await world.add_user("thuky_vp", Role.SECRETARY, world.government)
    await world.add_user("thuky_yte", Role.SECRETARY, world.ministry)
    await world.add_user("thuky_taichinh", Role.SECRETARY, world["taichinh"].organization_id)
    await world.add_user("thuky_hatinh", Role.SECRETARY, world["hatinh"].organization_id)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.get(f"/api/conclusions/{notice}", headers=secretary)
    meeting_id = (await resp.json())["meeting_id"]
    got, wanted = {}, {}
    for who, standing in STANDING.items():
        headers = {} if who == "anonymous" else bearer(await api_login(client, who))
        got[who] = await _outcome(client, headers, meeting_id, notice, draft)
        wanted[who] = expected(standing, notice, draft)
    assert got == wanted


async def test_a_reader_who_does_not_manage_cannot_change_a_notice(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    notice, _, _, draft = await setup(world, clock)
    await world.add_user("thuky_yte", Role.SECRETARY, world.ministry)
    headers = bearer(await api_login(client, "thuky_yte"))
    resp = await client.patch(f"/api/conclusions/{notice}", json={"title": "x"}, headers=headers)
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "secretary_only"
    resp = await client.post(f"/api/conclusions/{draft}/publish", headers=headers)
    assert resp.status == 404  # a draft is not theirs to see


async def test_a_task_links_to_its_notice_only_for_those_who_may_read_it(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    """Overseeing tasks (every secretary) shows the task, not the notice: no dead link."""
    _, ministry_task, _, _ = await setup(world, clock)
    await world.add_user("thuky_taichinh", Role.SECRETARY, world["taichinh"].organization_id)
    link = "/conclusions#notice-"
    for who, linked in (("thuky_taichinh", False), ("daibieu", True), ("thuky", True)):
        headers = bearer(await api_login(client, who))
        resp = await client.get(f"/api/tasks/{ministry_task}", headers=headers)
        assert resp.status == 200, who
        assert (await resp.json())["may_read_notice"] is linked, who
        page = await client.get(f"/tasks/{ministry_task}", headers=headers)
        assert page.status == 200 and (link in await page.text()) is linked, who
