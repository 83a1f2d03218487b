"""Two app processes sharing Redis: a reader connected to one sees a share made on the other."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from ecabinet.app import create_app
from ecabinet.config import Settings

from ..conftest import TEST_SECRET
from ..documents.helpers import Setup, setup_meetings
from .helpers import annotate, note

REDIS_URL = os.environ.get("ECABINET_TEST_REDIS_URL", "")
pytestmark = pytest.mark.redis


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    if not REDIS_URL:
        pytest.skip("Redis leg: set ECABINET_TEST_REDIS_URL (.ci/run does)")
    return Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        secret_key=TEST_SECRET,
        redis_url=REDIS_URL,
        bus_namespace=f"test-{secrets.token_hex(4)}:",  # apart from other runs on this Redis
    )


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def test_a_share_made_on_one_process_reaches_a_reader_on_another(
    s, settings, clock, aiohttp_client
):
    other = await aiohttp_client(create_app(settings, clock=clock))
    doc = await s.document(s.meeting_a)
    ws = await other.ws_connect(f"/ws/documents/{doc}", headers=s.h("botruong"))
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    await annotate(s, doc, "daibieu", note(body="Riêng"))
    shared = await annotate(s, doc, "daibieu", note(body="Qua Redis", visibility="meeting"))
    event = await ws.receive_json(timeout=5)
    assert event["type"] == "annotation" and event["annotation"]["id"] == shared["id"]
    assert event["annotation"]["body"] == "Qua Redis"
    await ws.close()
