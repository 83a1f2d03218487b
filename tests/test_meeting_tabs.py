"""One tab bar on every page of a meeting: the same tabs in the same order, the current one
marked (and only it)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from .conftest import World
from .governance import make_session
from .test_meeting_pages import browser_login

NAV = re.compile(r'<nav class="tabs" aria-label="[^"]+">(.*?)</nav>', re.S)


async def test_every_meeting_page_has_the_same_tab_bar(client: TestClient, world: World) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    await browser_login(client, "thuky")
    m = s.meeting_id
    bars = {}
    for suffix in (
        "",
        "/agenda",
        "/documents",
        "/opinions",
        "/distribution",
        "/conclusions",
        "/audit",
    ):
        html = await (await client.get(f"/meetings/{m}{suffix}")).text()
        nav = NAV.search(html)
        assert nav is not None, suffix
        links = re.findall(r'<a href="([^"]+)"', nav.group(1))
        current = re.findall(r'<a href="([^"]+)" aria-current="page"', nav.group(1))
        assert current == [f"/meetings/{m}{suffix}"], (suffix, current)
        bars[suffix] = links
    first = bars[""]
    assert len(first) == 9 and f"/meetings/{m}/attendance" in first
    assert all(links == first for links in bars.values()), bars
