"""Integer path parameters, bounded once for every route (pages, JSON API, WebSockets).

A route declares an integer with a digits-only pattern (``{id:\\d+}``, ``{id:\\d{1,10}}``).
Such a value outside 1 … ``MAX_ID`` (the id columns' range) never reaches a handler: the JSON
API answers 422 ``invalid_path_parameter``, a page 404. The OpenAPI document reads the same
patterns (``integer_params``), so it states the bounds it enforces.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import lru_cache

from aiohttp import web

from ..errors import NotFound, ValidationFailed
from ..schemas.common import MAX_ID

_TEMPLATE_PARAM = re.compile(r"{(\w+)(?::([^{}]*(?:{[^{}]*}[^{}]*)*))?}")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>((?:[^()]|\\\(|\\\))*)\)")
_DIGITS = re.compile(r"\\d(\+|\{\d*,?\d*\})")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_integer_pattern(pattern: str | None) -> bool:
    return bool(pattern) and _DIGITS.fullmatch(pattern or "") is not None


def integer_params(template: str) -> tuple[str, ...]:
    """Names of the integer parameters of an aiohttp path template (``/a/{id:\\d+}``)."""
    return tuple(n for n, p in _TEMPLATE_PARAM.findall(template) if _is_integer_pattern(p))


@lru_cache(maxsize=512)
def _integer_groups(regex: str) -> tuple[str, ...]:
    return tuple(n for n, p in _REGEX_PARAM.findall(regex) if _is_integer_pattern(p))


def in_range(raw: str) -> bool:
    """Whether a digits-only path value is an id a column can hold."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_ID


def _route_integers(request: web.Request) -> tuple[str, ...]:
    resource = request.match_info.route.resource
    if resource is None:
        return ()
    pattern = resource.get_info().get("pattern")
    return _integer_groups(pattern.pattern) if isinstance(pattern, re.Pattern) else ()


@web.middleware
async def bounded_path_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    for name in _route_integers(request):
        if not in_range(request.match_info[name]):
            if request.path.startswith("/api/"):
                raise ValidationFailed(
                    f"'{name}' must be a whole number from 1 to {MAX_ID}.",
                    code="invalid_path_parameter",
                    details=[{"field": name, "in": "path"}],
                )
            raise NotFound("Not found.")
    return await handler(request)
