"""Issue 19 item 5: the directory page stays usable with thousands of organizations (34 provinces
and their communes since July 2025): one level of the tree at a time with the path to it, a
search by name or slug with or without diacritics, paging, and a parent picker without communes."""

from __future__ import annotations

import re

from ecabinet.models import Organization, OrganizationLevel
from ecabinet.web.appkeys import services_key

from .test_meeting_pages import browser_login

PROVINCES, COMMUNES_EACH = 34, 100  # 3,400 communes + 34 provinces + the world's three


async def _national_directory(client, world) -> dict[str, int]:
    svc = client.app[services_key]
    ids: dict[str, int] = {}
    async with svc.db.transaction() as session:
        provinces = [
            Organization(
                slug=f"tinh-{n:02d}",
                name=f"Tỉnh Thử Nghiệm {n:02d}",
                level=OrganizationLevel.PROVINCE,
                parent_id=world.government,
            )
            for n in range(PROVINCES)
        ]
        session.add_all(provinces)
        await session.flush()
        for n, province in enumerate(provinces):
            session.add_all(
                Organization(
                    slug=f"xa-{n:02d}-{k:03d}",
                    name=f"Xã Bình An {n:02d}-{k:03d}",
                    level=OrganizationLevel.COMMUNE,
                    parent_id=province.id,
                )
                for k in range(COMMUNES_EACH)
            )
        dong_van = Organization(
            slug="dong-van",
            name="Xã Đồng Văn",
            level=OrganizationLevel.COMMUNE,
            parent_id=provinces[7].id,
        )
        session.add(dong_van)
        await session.flush()
        ids["province"], ids["dong_van"] = provinces[7].id, dong_van.id
    return ids


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td>", body)


def _count(html: str) -> str:
    match = re.search(r"<p class=\"muted\" data-org-count>([^<]+)</p>", html)
    assert match
    return match.group(1).strip()


async def test_thousands_of_organizations_page_by_page_and_by_the_tree(client, world):
    ids = await _national_directory(client, world)
    await browser_login(client, "admin")

    top = await (await client.get("/admin/organizations")).text()
    assert _rows(top) == ["Văn phòng Chính phủ"], "the top of the tree"
    assert re.search(r'data-children="(\d+)"', top).group(1) == str(PROVINCES + 2)

    under_gov = await (await client.get(f"/admin/organizations?parent={world.government}")).text()
    assert len(_rows(under_gov)) == 36 and _count(under_gov) == "1–36 / 36"
    assert "Xã Bình An" not in under_gov, "one level at a time"
    assert under_gov.count("<option") < 60, "the parent picker holds no communes"

    province = await (await client.get(f"/admin/organizations?parent={ids['province']}")).text()
    assert _count(province) == "1–50 / 101"
    assert _rows(province)[0] == "Xã Bình An 07-000" and len(_rows(province)) == 50
    crumbs = province.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert "Văn phòng Chính phủ" in crumbs and "Tỉnh Thử Nghiệm 07" in crumbs
    last = await (await client.get(f"/admin/organizations?parent={ids['province']}&page=3")).text()
    assert _rows(last) == ["Xã Đồng Văn"] and _count(last) == "101–101 / 101"
    assert 'rel="next"' not in last and 'rel="prev"' in last

    communes = await (await client.get("/admin/organizations?level=commune")).text()
    assert _count(communes) == f"1–50 / {PROVINCES * COMMUNES_EACH + 1}"
    beyond = await (await client.get("/admin/organizations?level=commune&page=9999")).text()
    assert _count(beyond) == "3401–3401 / 3401", "a page past the end shows the last one"
    assert "Trang 69 / 69" in beyond


async def test_search_finds_by_name_or_slug_with_or_without_diacritics(client, world):
    await _national_directory(client, world)
    await browser_login(client, "admin")
    for query in ("Đồng Văn", "đồng văn", "dong van", "XA DONG", "dong-van"):
        html = await (await client.get("/admin/organizations", params={"q": query})).text()
        assert _rows(html) == ["Xã Đồng Văn"], query
    html = await (await client.get("/admin/organizations", params={"q": "bình an 12-"})).text()
    assert _count(html) == "1–50 / 100"
    html = await (
        await client.get("/admin/organizations", params={"q": "thu nghiem", "level": "province"})
    ).text()
    assert _count(html) == f"1–34 / {PROVINCES}"
    for query in ("%", "_", "\\"):
        html = await (await client.get("/admin/organizations", params={"q": query})).text()
        assert "Không có cơ quan nào phù hợp." in html, "LIKE wildcards are searched as text"


async def test_a_renamed_organization_is_found_by_its_new_name(client, world):
    await browser_login(client, "admin")
    page = await client.get(f"/admin/organizations?edit={world.province}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    resp = await client.post(
        f"/admin/organizations/{world.province}",
        data={"csrf_token": token, "name": "Tỉnh Tuyên Quang", "parent_id": str(world.government)},
    )
    assert resp.status == 200, await resp.text()
    html = await (await client.get("/admin/organizations", params={"q": "tuyen quang"})).text()
    assert _rows(html) == ["Tỉnh Tuyên Quang"]
