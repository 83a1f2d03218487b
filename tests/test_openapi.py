"""``/api/openapi.json`` is a valid OpenAPI 3.1 document that describes every JSON route the
server really has, and the docs page renders it."""

from __future__ import annotations

import html
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator, validate

UNDOCUMENTED = {"/api/openapi.json"}  # the document itself


async def _document(client) -> dict[str, Any]:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    return await resp.json()  # type: ignore[no-any-return]


def _api_routes(client) -> set[tuple[str, str]]:
    routes = set()
    for route in client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/") and path not in UNDOCUMENTED and route.method != "HEAD":
            routes.add((route.method.lower(), path))
    return routes


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


async def test_document_is_valid_openapi_3_1(client, world):
    doc = await _document(client)
    assert doc["openapi"] == "3.1.0"
    # Raises OpenAPIValidationError naming the first problem (schemas checked as JSON Schema).
    validate(doc, cls=OpenAPIV31SpecValidator)


async def test_every_api_route_is_documented_with_its_method(client, world):
    doc = await _document(client)
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    routes = _api_routes(client)
    assert len(routes) >= 14
    assert routes == documented


async def test_every_request_body_and_ref_points_to_an_existing_schema(client, world):
    doc = await _document(client)
    schemas = doc["components"]["schemas"]
    bodies = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                assert media in ("application/json", "multipart/form-data", "application/pdf")
                ref = body["schema"].get("$ref")
                assert ref is None or ref.rsplit("/", 1)[-1] in schemas, (method, path, media)
            if method in ("post", "patch", "put") and "application/json" in content:
                bodies += 1
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.startswith("#/components/schemas/"), (method, path)
                schema = schemas[ref.rsplit("/", 1)[-1]]
                assert schema["type"] == "object" and schema["properties"], (method, path)
                assert schema.get("additionalProperties") is False, (method, path)  # strict input
            assert "operationId" in op and op["summary"], (method, path)
            assert any(code.startswith("2") for code in op["responses"]), (method, path)
    assert bodies >= 8
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[-1] in schemas, ref


async def test_authenticated_operations_say_so(client, world):
    doc = await _document(client)
    public = {
        path for path, ops in doc["paths"].items() for op in ops.values() if not op["security"]
    }
    # the board book's content takes a session or a signed link (?sig=, SEC-C2) and checks them
    # itself
    board_book = "/api/meetings/{id}/board-book/content"
    assert public == {"/api/auth/login", "/api/auth/refresh", "/api/ca.pem", board_book}
    assert doc["paths"]["/api/admin/users"]["get"]["responses"]["403"]


async def test_docs_page_lists_every_operation(client, world):
    doc = await _document(client)
    resp = await client.get("/docs/api")
    assert resp.status == 200
    page = html.unescape(await resp.text())
    for path, ops in doc["paths"].items():
        assert f"<code>{path}</code>" in page, path
        for method, op in ops.items():
            assert f'id="{op["operationId"]}"' in page, (method, path)
            assert op["summary"] in page, (method, path)


async def test_cross_field_rules_are_in_the_schema_as_pydantic_applies_them(client, world):
    """The document says what the models refuse (RSVP delegation, one of username/endpoint),
    so a client validating against it is not surprised by a 422."""
    import json

    import jsonschema
    from pydantic import ValidationError

    from ecabinet.schemas.meetings import ParticipantRef, RsvpIn

    doc = await _document(client)
    for model, bodies in (
        (
            RsvpIn,
            [
                {"answer": "accepted"},
                {"answer": "needs_action"},
                {"answer": "delegated"},
                {"answer": "delegated", "delegate_username": "x"},
                {"answer": "delegated", "delegate_username": "x", "reason": "Bận công tác"},
                {"answer": "accepted", "delegate_username": "x"},
                {"answer": "declined", "delegate_username": None},
            ],
        ),
        (
            ParticipantRef,
            [
                {"username": "a"},
                {"endpoint": 3},
                {"username": "a", "endpoint": 3},
                {},
                {"username": "a", "endpoint": None},
            ],
        ),
    ):
        schema = {**doc["components"]["schemas"][model.__name__], "components": doc["components"]}
        schema = jsonschema.validators.Draft202012Validator(schema)  # refs: its own components
        for body in bodies:
            try:
                model.model_validate_json(json.dumps(body))  # as the API parses a body
                accepted = True
            except ValidationError:
                accepted = False
            assert schema.is_valid(body) == accepted, (model.__name__, body)
