"""Helpers for the scheduling tests: e-mail addresses for the world's people, an endpoint, and
meeting bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ecabinet.models import OutboxMail, User
from ecabinet.schemas.directory import EndpointIn
from ecabinet.services import directory

from .conftest import World

DOMAIN = "chinhphu.vn"


@dataclass
class Scheduling:
    world: World
    endpoint_id: int

    def email(self, username: str) -> str:
        return f"{username}@{DOMAIN}"


async def prepare(world: World) -> Scheduling:
    """Give everyone an address and the province an endpoint operated by ``vanhanh``."""
    svc = world.svc
    async with svc.db.transaction() as session:
        await session.execute(update(User).values(email=User.username + "@" + DOMAIN))
    endpoint = await directory.create_endpoint(
        svc,
        None,
        EndpointIn(
            slug="nghe-an-ubnd",
            name="Điểm cầu UBND tỉnh Nghệ An",
            organization_id=world.province,
            operator_id=world["vanhanh"].id,
        ),
    )
    return Scheduling(world, endpoint.id)


async def set_email(world: World, username: str) -> None:
    async with world.svc.db.transaction() as session:
        await session.execute(
            update(User).where(User.username == username).values(email=f"{username}@{DOMAIN}")
        )


def meeting_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Phiên họp Chính phủ thường kỳ tháng 12",
        "starts_at": "2026-12-03T09:00:00+07:00",
        "ends_at": "2026-12-03T11:30:00+07:00",
        "mode": "hybrid",
        "room": "Phòng họp A, VPCP",
        "participants": [
            {"username": "botruong", "role": "chair"},
            {"username": "daibieu", "role": "member"},
        ],
    }
    body.update(overrides)
    return body


async def outbox(world: World) -> list[OutboxMail]:
    async with world.svc.db.reading() as session:
        return list(await session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
