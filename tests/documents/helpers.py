"""Meetings with documents for the document tests, built through the real API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from ecabinet.models import Role

from ..conftest import World, api_login, bearer
from ..scheduling import meeting_body, prepare
from .pdfs import make_pdf


@dataclass
class Setup:
    client: TestClient
    world: World
    headers: dict[str, dict[str, str]]
    meeting_a: int
    meeting_b: int

    def h(self, username: str) -> dict[str, str]:
        return self.headers[username]

    async def upload(
        self,
        meeting_id: int,
        data: bytes | None = None,
        *,
        as_user: str = "thuky",
        filename: str = "Tờ trình.pdf",
        **fields: str,
    ) -> aiohttp.ClientResponse:
        form = aiohttp.FormData(quote_fields=False)  # as browsers send names: raw UTF-8
        for name, value in fields.items():
            form.add_field(name, value)
        form.add_field(
            "file",
            make_pdf() if data is None else data,
            filename=filename,
            content_type="application/pdf",
        )
        return await self.client.post(
            f"/api/meetings/{meeting_id}/documents", data=form, headers=self.h(as_user)
        )

    async def document(self, meeting_id: int, **fields: str) -> int:
        resp = await self.upload(meeting_id, **fields)
        assert resp.status == 201, await resp.text()
        return int((await resp.json())["id"])


async def setup_meetings(client: TestClient, world: World) -> Setup:
    """Meeting A: chair botruong, member daibieu. Meeting B: chair botruong, member khach.

    ``daibieu`` takes part in A only; ``khach`` (a delegate of the province) in B only;
    ``thuky2`` is a secretary of another organization (the ministry); ``admin`` is an admin.
    """
    await world.add_user("khach", Role.DELEGATE, world.province)
    await world.add_user("thuky2", Role.SECRETARY, world.ministry)
    await world.add_user("thutruong", Role.MEMBER, world.ministry)
    await prepare(world)
    headers = {
        name: bearer(await api_login(client, name))
        for name in ("thuky", "botruong", "daibieu", "khach", "thuky2", "admin", "thutruong")
    }
    ids = []
    for title, member, start in (
        ("Phiên họp A", "daibieu", "2026-12-03T09:00:00+07:00"),
        ("Phiên họp B", "khach", "2026-12-04T09:00:00+07:00"),
    ):
        body = meeting_body(
            title=title,
            starts_at=start,
            ends_at=start.replace("09:00", "11:00"),
            participants=[
                {"username": "botruong", "role": "chair"},
                {"username": member, "role": "member"},
            ],
        )
        resp = await client.post("/api/meetings", json=body, headers=headers["thuky"])
        assert resp.status == 201, await resp.text()
        ids.append((await resp.json())["id"])
    return Setup(client, world, headers, ids[0], ids[1])


async def participants(setup: Setup, meeting_id: int) -> dict[str, Any]:
    resp = await setup.client.get(f"/api/meetings/{meeting_id}", headers=setup.h("thuky"))
    return {p["username"]: p for p in (await resp.json())["participants"] if p["username"]}
