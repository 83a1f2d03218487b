"""Every integer a client sends is bounded to its column's range: 2^64 anywhere is a 422 with a
stable code on every operation of the OpenAPI document (never a 500 from SQL), and a page
with an id out of range is a 404.

The walk is driven by the document itself, so a new operation is covered as soon as it exists.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web

from ecabinet.schemas.common import MAX_ID, Input
from ecabinet.web.api import ApiRegistry, require_bounded_integers
from ecabinet.web.path_params import integer_params

from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare
from .test_meeting_pages import browser_login

HUGE = 2**64


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _integer_slots(
    schema: dict[str, Any], doc: dict[str, Any], loc: tuple[str, ...] = (), depth: int = 0
) -> list[tuple[str, ...]]:
    """Where a body schema holds an integer, as pydantic's error location ("0": an item)."""
    schema = _resolve(schema, doc)
    if depth > 6:
        return []
    if schema.get("type") == "integer":
        return [loc]
    found: list[tuple[str, ...]] = []
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        found += _integer_slots(option, doc, loc, depth + 1)
    if "items" in schema:
        found += _integer_slots(schema["items"], doc, (*loc, "0"), depth + 1)
    for name, sub in schema.get("properties", {}).items():
        found += _integer_slots(sub, doc, (*loc, name), depth + 1)
    return found


def _body_for(loc: tuple[str, ...]) -> Any:
    """The smallest JSON that puts 2^64 at ``loc`` ("0" is an array index)."""
    if not loc:
        return HUGE
    head, rest = loc[0], loc[1:]
    return [_body_for(rest)] if head == "0" else {head: _body_for(rest)}


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
    ]


def _path(path: str, huge: str | None = None) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(HUGE) if m.group(1) == huge else "1", path)


async def _status(resp: web.Response) -> tuple[int, str]:
    body = await resp.json() if resp.content_type == "application/json" else {}
    return resp.status, body.get("error", {}).get("code", "")


@pytest.fixture
async def admin(client, world) -> dict[str, str]:
    return bearer(await api_login(client, "admin"))


async def test_a_huge_integer_in_any_path_or_query_parameter_is_a_422(client, world, admin):
    doc = await (await client.get("/api/openapi.json")).json()
    tried = 0
    for method, path, op in _operations(doc):
        for param in op.get("parameters", []):
            if param["schema"].get("type") != "integer":
                continue
            assert param["schema"]["maximum"] <= MAX_ID, (method, path, param)
            if param["in"] == "path":
                url, query = _path(path, param["name"]), {}
            else:
                url, query = _path(path), {param["name"]: str(HUGE)}
            body = {} if "requestBody" in op else None
            resp = await client.request(method, url, params=query, json=body, headers=admin)
            status, code = await _status(resp)
            assert status == 422 and code, (method, path, param["name"], status, code)
            tried += 1
    assert tried > 100  # the walk did run over the document


async def test_a_huge_integer_anywhere_in_a_json_body_is_a_422_naming_it(client, world, admin):
    doc = await (await client.get("/api/openapi.json")).json()
    tried = 0
    for method, path, op in _operations(doc):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        for loc in _integer_slots(content["application/json"]["schema"], doc):
            resp = await client.request(method, _path(path), json=_body_for(loc), headers=admin)
            status, code = await _status(resp)
            assert (status, code) == (422, "validation_failed"), (method, path, loc, status)
            details = (await resp.json())["error"]["details"]
            fields = {d["field"]: d["type"] for d in details}
            assert fields.get(".".join(loc)) == "less_than_equal", (method, path, loc, details)
            tried += 1
    assert tried > 30


async def test_the_rsvp_for_an_endpoint_beyond_64_bits_is_a_422(client, world, admin):
    """The fuzzer's finding: an OverflowError from SQLite, a 500, before the bound."""
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post("/api/meetings", json=meeting_body(), headers=secretary)
    meeting = await resp.json()
    member = bearer(await api_login(client, "botruong"))
    for endpoint in (HUGE, MAX_ID + 1, 0):
        resp = await client.post(
            f"/api/meetings/{meeting['id']}/rsvp",
            json={"answer": "accepted", "endpoint": endpoint},
            headers=member,
        )
        assert await _status(resp) == (422, "validation_failed")


@pytest.mark.parametrize("raw", ["0", str(MAX_ID + 1), "9999999999", str(HUGE), "9" * 5000])
async def test_path_ids_out_of_the_column_range_are_refused_before_sql(client, world, admin, raw):
    resp = await client.get(f"/api/meetings/{raw}", headers=admin)
    assert await _status(resp) == (422, "invalid_path_parameter")
    resp = await client.get(f"/api/meetings/{MAX_ID}", headers=admin)
    assert resp.status == 404  # the largest id is a valid id that is simply not there


async def test_pages_with_an_id_out_of_range_are_not_found(client, world, app):
    await browser_login(client, "admin")
    pages = 0
    for resource in app.router.resources():
        template = resource.canonical
        info = resource.get_info()
        formatter = info.get("formatter", "")
        if template.startswith(("/api/", "/static")) or "pattern" not in info:
            continue
        names = integer_params(_aiohttp_template(info["pattern"].pattern))
        if not names:
            continue
        for raw in ("0", str(MAX_ID + 1), "9999999999", str(HUGE)):
            url = re.sub(r"{(\w+)}", lambda m, r=raw, n=names: r if m[1] in n else "x", formatter)
            if any(route.method == "GET" for route in resource):
                resp = await client.get(url, allow_redirects=False)
                assert resp.status == 404, (url, resp.status)
        pages += 1
    assert pages > 10


def _aiohttp_template(regex: str) -> str:
    """``(?P<id>\\d{1,10})`` back to ``{id:\\d{1,10}}``, for ``integer_params``."""
    return re.sub(r"\(\?P<(\w+)>((?:[^()]|\\\(|\\\))*)\)", r"{\1:\2}", regex)


def test_a_body_with_an_unbounded_integer_cannot_be_declared():
    class Loose(Input):
        organization_id: int

    with pytest.raises(TypeError, match="organization_id"):
        require_bounded_integers(Loose)
    registry = ApiRegistry()
    with pytest.raises(TypeError):
        registry.route("POST", "/api/x", summary="x", body=Loose)
