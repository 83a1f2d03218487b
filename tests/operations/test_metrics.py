"""``/metrics`` speaks Prometheus (parsed with prometheus-client's own parser), labels requests by
route and never by raw path, counts login failures and the outbox backlog, and is readable only
from loopback or with the metrics token; ``/readyz`` names the dependency that is down."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ecabinet.app import create_app
from ecabinet.models import OutboxMail, OutboxStatus
from ecabinet.web.metrics import metrics_key
from tests.conftest import api_login, bearer

REDIS_URL = os.environ.get("ECABINET_TEST_REDIS_URL", "")


async def scrape(client, headers=None) -> dict[tuple[str, frozenset], float]:
    resp = await client.get("/metrics", headers=headers or {})
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_measured_by_route_never_by_raw_path(client, world):
    tokens = await api_login(client, "thuky")
    for meeting_id in (987654, 987655):
        resp = await client.get(f"/api/meetings/{meeting_id}", headers=bearer(tokens))
        assert resp.status == 404
    await client.get("/no/such/page/12345")

    samples = await scrape(client)
    route = "/api/meetings/{id}"
    count = "ecabinet_http_request_duration_seconds_count"
    assert value(samples, count, method="GET", route=route) == 2
    assert value(samples, "ecabinet_http_responses_total", method="GET", route=route, status="404")
    assert value(samples, count, method="GET", route="unmatched") == 1
    assert value(samples, count, method="POST", route="/api/auth/login") == 1
    labels = {v for (_, lbls) in samples for _, v in lbls}
    assert not any("987654" in label or "12345" in label for label in labels)


async def test_login_failures_are_counted(client, world):
    for _ in range(2):
        resp = await client.post(
            "/api/auth/login", json={"username": "thuky", "password": "wrong password!"}
        )
        assert resp.status == 401
    await api_login(client, "thuky")  # a success is not a failure

    samples = await scrape(client)
    assert value(samples, "ecabinet_login_failures_total", reason="credentials") == 2


async def test_outbox_backlog_is_counted_at_scrape_time(client, svc, clock):
    async with svc.db.transaction() as session:
        for n, status in enumerate([OutboxStatus.PENDING] * 3 + [OutboxStatus.SENT]):
            session.add(
                OutboxMail(
                    to_address=f"x{n}@example.gov.vn",
                    subject="s",
                    text_body="b",
                    status=status,
                    next_attempt_at=clock.now() + timedelta(hours=1),
                    created_at=clock.now(),
                )
            )
    assert value(await scrape(client), "ecabinet_outbox_backlog") == 3


async def test_open_websockets_gauge_is_driven_by_the_api_signaling_uses(client):
    metrics = client.app[metrics_key]
    with metrics.websocket("meeting"), metrics.websocket("meeting"):
        samples = await scrape(client)
        assert value(samples, "ecabinet_websockets_open", kind="meeting") == 2
    assert value(await scrape(client), "ecabinet_websockets_open", kind="meeting") == 0


async def test_two_apps_in_one_process_keep_their_own_registries(settings, clock, aiohttp_client):
    first = await aiohttp_client(create_app(settings, clock=clock))
    second = await aiohttp_client(create_app(settings, clock=clock))
    await first.get("/healthz")
    await first.get("/healthz")
    count = "ecabinet_http_request_duration_seconds_count"
    assert value(await scrape(first), count, method="GET", route="/healthz") == 2
    assert value(await scrape(second), count, method="GET", route="/healthz") == 0


async def test_metrics_relayed_by_a_proxy_are_refused_like_a_missing_page(client):
    resp = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"


async def test_metrics_token_is_required_when_configured(settings, clock, aiohttp_client):
    from dataclasses import replace

    token = "metrics-token-0123456789abcdef"
    client = await aiohttp_client(create_app(replace(settings, metrics_token=token), clock=clock))
    assert (await client.get("/metrics")).status == 404
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 404
    samples = await scrape(client, {"Authorization": f"Bearer {token}"})
    assert ("ecabinet_outbox_backlog", frozenset()) in samples


async def test_readyz_checks_the_database(client):
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "checks": ["database"]}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_readyz_is_503_naming_a_redis_that_went_away(settings, clock, aiohttp_client):
    """The signaling bus needs Redis to start (it subscribes at start-up); when Redis goes away
    later, the node stays alive but says it is not ready, naming Redis."""
    from dataclasses import replace

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs the redis-server binary to run a Redis that can be stopped")
    port = _closed_port()
    proc = await asyncio.create_subprocess_exec(
        *[server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        client = await aiohttp_client(create_app(replace(settings, redis_url=url), clock=clock))
        assert (await client.get("/readyz")).status == 200
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
        resp = await client.get("/readyz")
        assert resp.status == 503
        body = await resp.json()
        assert body["status"] == "unavailable"
        assert set(body["failures"]) == {"redis"}
        assert (await client.get("/healthz")).status == 200  # alive, just not ready
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.redis
async def test_readyz_with_a_reachable_redis(settings, clock, aiohttp_client):
    from dataclasses import replace

    if not REDIS_URL:
        pytest.skip("Redis leg: set ECABINET_TEST_REDIS_URL (.ci/run does)")
    client = await aiohttp_client(create_app(replace(settings, redis_url=REDIS_URL), clock=clock))
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert (await resp.json())["checks"] == ["database", "redis"]
