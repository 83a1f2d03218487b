"""Logs are one JSON object per line with the request id and the user id, and never hold a
password or a token, whatever the request carried."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from ecabinet import logs
from tests.conftest import PASSWORD, api_login, bearer

QUIETED = ("aiohttp.access", "sqlalchemy.engine")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production log set-up (JSON, not debug) writing into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIETED}
    stream = io.StringIO()
    logs.configure("json", debug=False, stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


async def test_login_failed_login_and_api_call_log_no_password_or_token(client, world, json_log):
    wrong = "wrong-password-Zq8!"
    resp = await client.post("/api/auth/login", json={"username": "thuky", "password": wrong})
    assert resp.status == 401
    tokens = await api_login(client, "thuky")
    me = await client.get("/api/me", headers=bearer(tokens))
    assert me.status == 200
    resp = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert resp.status == 200
    renewed = await resp.json()
    bad = await client.get("/api/me", headers={"Authorization": "Bearer not.a.valid-token"})
    assert bad.status == 401

    text = json_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    secrets = (
        PASSWORD,
        wrong,
        tokens["access_token"],
        tokens["refresh_token"],
        renewed["access_token"],
        renewed["refresh_token"],
        "not.a.valid-token",
    )
    for secret in secrets:
        assert secret not in text
    access = [line for line in lines if line["logger"] == "ecabinet.access"]
    assert [(a["route"], a["status"]) for a in access] == [
        ("/api/auth/login", 401),
        ("/api/auth/login", 200),
        ("/api/me", 200),
        ("/api/auth/refresh", 200),
        ("/api/me", 401),
    ]
    assert len({a["request_id"] for a in access}) == 5
    assert [a.get("user_id") for a in access] == [None, None, world["thuky"].id, None, None]
    assert access[2]["request_id"] == me.headers["X-Request-Id"]
    assert access[4]["request_id"] == bad.headers["X-Request-Id"]


async def test_the_meeting_id_is_on_the_lines_of_a_meeting_route(client, world, json_log):
    tokens = await api_login(client, "thuky")
    await client.get("/api/meetings/4242/agenda", headers=bearer(tokens))
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert (line["route"], line["meeting_id"]) == ("/api/meetings/{id}/agenda", "4242")


def test_text_format_is_readable_in_development():
    stream = io.StringIO()
    handler = logs.build_handler("text", stream)
    record = logging.LogRecord("ecabinet", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    handler.handle(record)
    assert stream.getvalue().rstrip().endswith("INFO ecabinet [-] hello there")
