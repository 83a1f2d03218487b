"""X-Forwarded-For is believed only from ECABINET_TRUSTED_PROXIES: behind the local nginx the
per-address login throttle and the access log see the real client; a client that writes the
header itself (spoofing) is still known by its TCP address."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from ecabinet import logs
from ecabinet.app import create_app
from ecabinet.clock import FrozenClock
from ecabinet.config import Settings, SettingsError
from ecabinet.web.proxies import client_ip
from tests.conftest import PASSWORD

LOCAL = ("127.0.0.1/32", "::1/128")


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        # Not configured: the header is nobody's word.
        ("203.0.113.5", ["198.51.100.1"], (), "203.0.113.5"),
        # An untrusted peer writes the header itself: ignored.
        ("203.0.113.5", ["198.51.100.1"], LOCAL, "203.0.113.5"),
        # The local nginx relays a client.
        ("127.0.0.1", ["198.51.100.1"], LOCAL, "198.51.100.1"),
        # The client wrote a false first hop; nginx appended the real address: the real one wins.
        ("127.0.0.1", ["10.9.9.9, 198.51.100.1"], LOCAL, "198.51.100.1"),
        # Two proxies in a row (a load balancer in 10.0.0.0/8, then nginx).
        ("127.0.0.1", ["198.51.100.1, 10.1.2.3"], (*LOCAL, "10.0.0.0/8"), "198.51.100.1"),
        # Several header lines are one list.
        ("127.0.0.1", ["198.51.100.1", "10.1.2.3"], (*LOCAL, "10.0.0.0/8"), "198.51.100.1"),
        # Garbage where the client should be: the trusted proxy is all we know.
        ("127.0.0.1", ["not-an-address"], LOCAL, "127.0.0.1"),
        ("127.0.0.1", ["198.51.100.1, <script>"], LOCAL, "127.0.0.1"),
        # Ports and IPv6.
        ("::1", ["[2001:db8::7]:51000"], LOCAL, "2001:db8::7"),
        ("127.0.0.1", ["198.51.100.1:4711"], LOCAL, "198.51.100.1"),
        # A trusted peer without the header is itself the client.
        ("127.0.0.1", [], LOCAL, "127.0.0.1"),
    ],
)
def test_client_address(peer: str, header: list[str], trusted: tuple[str, ...], expected: str):
    assert client_ip(peer, header, trusted) == expected


def test_a_malformed_trusted_proxy_is_refused_at_start() -> None:
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings(trusted_proxies=("127.0.0.1/33",))


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure("json", debug=False, stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


AppClient = Callable[[tuple[str, ...]], Awaitable[TestClient]]


@pytest.fixture
def app_with(settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> AppClient:
    async def make(trusted: tuple[str, ...]) -> TestClient:
        tuned = replace(
            settings,
            trusted_proxies=trusted,
            login_failures_per_address=3,
            login_failures_per_account=100,
        )
        return await aiohttp_client(create_app(tuned, clock=FrozenClock()))

    return make


async def login(client: TestClient, username: str, password: str, address: str) -> int:
    resp = await client.post(
        "/api/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )
    return resp.status


async def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(
    app_with: AppClient, world, json_log: io.StringIO
) -> None:
    client = await app_with(LOCAL)  # the test client connects from 127.0.0.1: "nginx"
    for _ in range(3):
        assert await login(client, "thuky", "wrong", "198.51.100.1") == 401
    assert await login(client, "thuky", PASSWORD, "198.51.100.1") == 429
    # Another client behind the same proxy is not punished for the first one's failures.
    assert await login(client, "thuky", PASSWORD, "198.51.100.2") == 200
    lines = [json.loads(x) for x in json_log.getvalue().splitlines()]
    clients = [x["client"] for x in lines if x["logger"] == "ecabinet.access"]
    assert clients == ["198.51.100.1"] * 4 + ["198.51.100.2"]


@pytest.mark.parametrize("trusted", [(), ("10.0.0.0/8",)], ids=["none", "others"])
async def test_a_spoofed_header_changes_nothing(
    app_with: AppClient, world, json_log: io.StringIO, trusted: tuple[str, ...]
) -> None:
    client = await app_with(trusted)  # 127.0.0.1 is not a trusted proxy here
    for n in range(3):
        assert await login(client, "thuky", "wrong", f"198.51.100.{n}") == 401
    # A fresh forged address does not escape the throttle of the real (TCP) address.
    assert await login(client, "thuky", PASSWORD, "198.51.100.99") == 429
    lines = [json.loads(x) for x in json_log.getvalue().splitlines()]
    clients = {x["client"] for x in lines if x["logger"] == "ecabinet.access"}
    assert clients == {"127.0.0.1"}
