"""Issue 19 item 5: the demo directory has Vietnam's structure since 1 July 2025: merged provinces
under their current names, communes and wards directly under a province, no districts; the
directory page browses it as a tree and finds a ward typed without diacritics."""

from __future__ import annotations

import re

from sqlalchemy import select

from ecabinet.models import Language, Organization, OrganizationLevel, Role
from ecabinet.schemas.directory import UserIn
from ecabinet.services import directory, seed

from .conftest import PASSWORD
from .test_directory_pages import _rows
from .test_meeting_pages import browser_login


async def _tree(svc) -> dict[str, Organization]:
    async with svc.db.reading() as session:
        return {o.slug: o for o in await session.scalars(select(Organization))}


async def test_the_demo_directory_is_the_post_2025_structure(svc):
    await seed.seed_demo(svc)
    orgs = await _tree(svc)
    by_id = {o.id: o for o in orgs.values()}
    names = {o.name for o in orgs.values()}
    assert {"Tỉnh Tuyên Quang", "Tỉnh Lào Cai", "Tỉnh Thái Nguyên"} <= names
    for gone in ("Tỉnh Hà Giang", "Tỉnh Yên Bái", "Tỉnh Bắc Kạn"):
        assert gone not in names, f"{gone} was merged in July 2025"
    assert not [o for o in orgs.values() if o.level is OrganizationLevel.DISTRICT]

    [government] = [o for o in orgs.values() if o.parent_id is None]
    assert government.level is OrganizationLevel.GOVERNMENT
    for org in orgs.values():
        parent = by_id.get(org.parent_id) if org.parent_id else None
        if org.level in (OrganizationLevel.MINISTRY, OrganizationLevel.PROVINCE):
            assert parent is government, org.name
        if org.level is OrganizationLevel.COMMUNE:
            assert parent is not None and parent.level is OrganizationLevel.PROVINCE, org.name

    def under(slug: str) -> set[str]:
        return {o.name for o in orgs.values() if o.parent_id == orgs[slug].id}

    assert {"Phường Hà Giang 1", "Phường Hà Giang 2", "Xã Đồng Văn"} <= under("tuyen-quang")
    assert {"Phường Yên Bái", "Phường Sa Pa"} <= under("lao-cai")
    assert {"Phường Bắc Kạn", "Phường Phan Đình Phùng"} <= under("thai-nguyen")
    assert orgs["tuyen-quang-phuong-ha-giang-1"].name == "Phường Hà Giang 1"


async def test_the_directory_page_browses_the_demo_tree(client, svc):
    await seed.seed_demo(svc)
    orgs = await _tree(svc)
    # The demo admin's password is generated; log in as a fresh admin of the same office.
    await directory.create_user(
        svc,
        None,
        UserIn(
            username="quantri",
            full_name="Quản trị",
            role=Role.ADMIN,
            organization_id=orgs["vpcp"].id,
            password=PASSWORD,
            language=Language.VI,
        ),
    )
    await browser_login(client, "quantri")
    province = orgs["tuyen-quang"]
    html = await (await client.get(f"/admin/organizations?parent={province.id}")).text()
    assert "Phường Hà Giang 1" in _rows(html) and "Xã Mèo Vạc" in _rows(html)
    html = await (await client.get("/admin/organizations", params={"q": "ha giang"})).text()
    assert _rows(html) == ["Phường Hà Giang 1", "Phường Hà Giang 2"]
    assert re.search(r"<td>Tỉnh Tuyên Quang</td>", html), "each match names its province"
