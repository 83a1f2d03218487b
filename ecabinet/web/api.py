"""JSON API plumbing: one decorator declares a route, its auth, its body and response models.

The same declaration parses the request (415 / 400 / 413 / 422 with a stable ``code``), serializes
the response, and feeds the OpenAPI document, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema

from ..errors import BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from ..schemas.common import MAX_ID, MAX_INT, ErrorResponse
from ..services.actor import Actor
from ..services.context import Services
from .appkeys import services_key
from .path_params import integer_params
from .session import require_actor

__all__ = ["MAX_ID", "MAX_INT", "ApiRegistry", "ApiRequest", "IntQuery", "read_json"]


@dataclass(frozen=True)
class IntQuery:
    """An integer query parameter: the registry refuses a value outside its bounds (422)."""

    description: str
    minimum: int = 1
    maximum: int = MAX_ID
    code: str = "invalid_parameter"
    required: bool = False

    def parse(self, name: str, raw: str) -> int:
        ok = raw.isascii() and raw.isdigit() and len(raw) <= 12
        value = int(raw) if ok else -1
        if not self.minimum <= value <= self.maximum:
            raise ValidationFailed(
                f"'{name}' must be a whole number from {self.minimum} to {self.maximum}.",
                code=self.code,
                details=[{"field": name, "in": "query"}],
            )
        return value


@dataclass
class ApiRequest:
    """What an API handler gets: the request, the caller, the parsed body and the services."""

    request: web.Request
    actor: Actor
    body: Any
    services: Services

    def id(self, name: str = "id") -> int:
        """A numeric path parameter; out-of-range values are simply not found."""
        raw = self.request.match_info[name]
        value = int(raw) if raw.isdigit() and len(raw) < 12 else 0
        if not 0 < value <= MAX_ID:
            raise NotFound("Not found.")
        return value

    def query(self, name: str, default: str = "") -> str:
        return self.request.query.get(name, default)[:200]

    def query_int(self, name: str) -> int | None:
        """A declared ``IntQuery`` parameter, already checked by the registry; None if absent."""
        raw = self.request.query.get(name, "")
        return int(raw) if raw else None


Handler = Callable[[ApiRequest], Awaitable[Any]]


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    handler: Handler
    name: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    response: Any
    status: int
    auth: bool
    query: dict[str, str | IntQuery] = field(default_factory=dict)
    description: str = ""
    errors: tuple[int, ...] = ()
    consumes: dict[str, Any] | None = None

    def error_statuses(self) -> list[int]:
        """Every error status this operation can answer, derived from its declaration.

        Authentication: 401 and 403 (the permission, or a browser's missing CSRF token); an
        operation without it is throttled (429). A path parameter, or a body (which may refer to
        other objects): 404; an integer path parameter, a query
        parameter or a body: 422 (``invalid_path_parameter``, ``invalid_parameter``…). A body:
        400 / 413 / 415. A write: 409 (a unique rule or the object's state). ``errors`` adds
        what only the handler knows (e.g. 503 when the CA is not configured).
        """
        codes = {401, 403} if self.auth else {400, 401, 429}
        if "{" in self.path or (self.auth and (self.body is not None or self.consumes)):
            codes.add(404)  # the object in the path, or one the body refers to
        if integer_params(self.path) or self.query:
            codes.add(422)
        if self.body is not None or self.consumes:
            codes |= {400, 413, 415, 422}
        if self.method != "GET":
            codes.add(409)
        return sorted(codes | set(self.errors))

    def check_query(self, request: web.Request) -> None:
        for name, param in self.query.items():
            raw = request.query.get(name, "")
            if isinstance(param, IntQuery) and (raw or param.required):
                param.parse(name, raw)


async def read_json(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "Send the body as JSON with 'Content-Type: application/json'.",
            code="json_required",
        )
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge("The request body is too large.") from exc
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from exc
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise ValidationFailed(
            "Some fields are missing or invalid.",
            details=[
                {
                    "field": ".".join(str(p) for p in err["loc"]),
                    "message": err["msg"],
                    "type": err["type"],
                }
                for err in exc.errors(include_url=False, include_input=False)
            ],
        ) from exc


class ApiRegistry:
    """Every JSON endpoint, in the order declared."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        auth: bool = True,
        tags: tuple[str, ...] = (),
        query: dict[str, str | IntQuery] | None = None,
        errors: tuple[int, ...] = (),
        consumes: dict[str, Any] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare a JSON endpoint. ``consumes``: the request body's schema per media type
        when the handler reads it itself (multipart uploads, a raw PDF); ``errors``: statuses
        the declaration cannot tell (see ``Operation.error_statuses``)."""
        for model in (body, *(consumes or {}).values()):
            if isinstance(model, type) and issubclass(model, BaseModel):
                require_bounded_integers(model)

        def decorator(handler: Handler) -> Handler:
            self.operations.append(
                Operation(
                    method=method,
                    path=path,
                    summary=summary,
                    handler=handler,
                    name=f"api.{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}",
                    tags=tags,
                    body=body,
                    response=response,
                    status=status,
                    auth=auth,
                    query=query or {},
                    description=(handler.__doc__ or "").strip(),
                    errors=errors,
                    consumes=consumes,
                )
            )
            return handler

        return decorator

    def install(self, app: web.Application) -> None:
        for op in self.operations:
            app.router.add_route(op.method, op.path, _wrap(op), name=op.name)

    def openapi(self, *, title: str, version: str) -> dict[str, Any]:
        return build_openapi(self.operations, title=title, version=version)


def _unbounded_integers(schema: Any, defs: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    if isinstance(schema, list):
        return [u for i, s in enumerate(schema) for u in _unbounded_integers(s, defs, where, seen)]
    if not isinstance(schema, dict):
        return []
    found: list[str] = []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            found += _unbounded_integers(defs.get(name, {}), defs, name, seen)
    if schema.get("type") == "integer" and not (
        ({"minimum", "exclusiveMinimum"} & schema.keys())
        and ({"maximum", "exclusiveMaximum"} & schema.keys())
    ):
        found.append(where)
    for key, sub in schema.items():
        if key == "properties" and isinstance(sub, dict):
            found += [u for n, s in sub.items() for u in _unbounded_integers(s, defs, n, seen)]
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties", "prefixItems"):
            found += _unbounded_integers(sub, defs, where, seen)
    return found


def require_bounded_integers(model: type[BaseModel]) -> None:
    """Refuse, at declaration, a request body with an integer that has no range.

    An unbounded integer would reach SQL and overflow its column (a 500); with a range it is a
    422 that the OpenAPI document states. Use ``schemas.common.Id`` for ids.
    """
    schema = model.model_json_schema(mode="validation")
    unbounded = _unbounded_integers(schema, schema.get("$defs", {}), model.__name__, set())
    if unbounded:
        names = sorted(set(unbounded))
        raise TypeError(f"{model.__name__}: integer fields without a range: {names}")


def _wrap(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    adapter = TypeAdapter(op.response) if op.response is not None else None

    async def handler(request: web.Request) -> web.StreamResponse:
        services = request.app[services_key]
        # A GET's session check and the use case's read share one transaction (db.py); other
        # methods may wait for a body (an upload) and keep their own.
        scope = services.db.request_scope() if op.method == "GET" else nullcontext()
        async with scope:
            actor = await require_actor(request) if op.auth else None
            op.check_query(request)
            body = await read_json(request, op.body) if op.body is not None else None
            ctx = ApiRequest(request, actor, body, services)  # type: ignore[arg-type]
            result = await op.handler(ctx)
        if isinstance(result, web.StreamResponse):
            return result
        if op.status == 204 or result is None:
            return web.Response(status=204)
        payload = adapter.dump_json(result) if adapter else json.dumps(result).encode()
        return web.Response(body=payload, status=op.status, content_type="application/json")

    handler.__name__ = op.handler.__name__
    return handler


ERROR_STATUSES = {
    400: "Malformed request (e.g. invalid JSON).",
    401: "Not authenticated, or the token is invalid or expired.",
    403: "Authenticated but not allowed (or CSRF token missing).",
    404: "No such object, or not visible to you.",
    409: "Conflicts with existing data.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "A field is missing or invalid.",
    429: "Too many requests; see Retry-After.",
    503: "A part of the platform this needs is not configured or not available.",
}


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _query_param(name: str, param: str | IntQuery) -> dict[str, Any]:
    required = False
    if isinstance(param, IntQuery):
        schema = {"type": "integer", "minimum": param.minimum, "maximum": param.maximum}
        desc, required = param.description, param.required
    else:
        schema, desc = {"type": "string"}, param
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": desc,
    }


def build_openapi(operations: list[Operation], *, title: str, version: str) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorResponse}
    for op in operations:
        if op.body is not None:
            models.add(op.body)
        for body_schema in (op.consumes or {}).values():
            if isinstance(body_schema, type) and issubclass(body_schema, BaseModel):
                models.add(body_schema)
    ref = "#/components/schemas/{model}"
    _, defs = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=ref,
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        integers = integer_params(op.path)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": ID_SCHEMA if name in integers else {"type": "string"},
            }
            for name in re.findall(r"{(\w+)(?::[^}]*)?}", op.path)
        ]
        params += [_query_param(name, param) for name, param in op.query.items()]
        responses: dict[str, Any] = {}
        if op.response is not None:
            schema = TypeAdapter(op.response).json_schema(ref_template=ref, mode="serialization")
            schemas.update(schema.pop("$defs", {}))
            responses[str(op.status)] = {
                "description": "Success",
                "content": {"application/json": {"schema": schema}},
            }
        else:
            responses[str(op.status)] = {"description": "Success, no content"}
        for code in op.error_statuses():
            responses[str(code)] = {
                "description": ERROR_STATUSES[code],
                "content": {
                    "application/json": {"schema": {"$ref": ref.format(model="ErrorResponse")}}
                },
            }
        operation: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": list(op.tags),
            "responses": responses,
        }
        if op.description:
            operation["description"] = op.description
        if params:
            operation["parameters"] = params
        content: dict[str, Any] = {}
        if op.body is not None:
            content["application/json"] = {"schema": {"$ref": ref.format(model=op.body.__name__)}}
        for media_type, body_schema in (op.consumes or {}).items():
            if isinstance(body_schema, type) and issubclass(body_schema, BaseModel):
                body_schema = {"$ref": ref.format(model=body_schema.__name__)}
            content[media_type] = {"schema": body_schema}
        if content:
            operation["requestBody"] = {"required": True, "content": content}
        operation["security"] = [{"bearer": []}, {"cookie": []}] if op.auth else []
        openapi_path = re.sub(r"{(\w+):[^}]*}", r"{\1}", op.path)
        paths.setdefault(openapi_path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "ecab_session",
                    "description": "Browser session; state-changing requests also need the "
                    "X-CSRF-Token header.",
                },
            },
        },
    }
