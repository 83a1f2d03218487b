"""Template filters that format values for people: file sizes in the page's language, an audit
entry's details as readable pairs (no JSON, no ``\\u`` escapes)."""

from __future__ import annotations

import json
from typing import Any

import jinja2

UNITS = (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024))


def human_size(size: int, language: str = "vi") -> str:
    """``0`` → ``0 KB``; ``5120`` → ``5 KB``; ``1_300_000`` → ``1,2 MB`` (``1.2 MB`` in English).

    Never "0.0 MB": below a megabyte the size is in kilobytes, at least 1 KB for a file."""
    if size <= 0:
        return "0 KB"
    for unit, scale in UNITS:
        if size >= scale or unit == "KB":
            value = size / scale
            text = f"{max(value, 1):.0f}" if unit == "KB" or value >= 100 else f"{value:.1f}"
            if text.endswith(".0"):
                text = text[:-2]
            return f"{text.replace('.', ',') if language == 'vi' else text} {unit}"
    raise AssertionError("unreachable")


@jinja2.pass_context
def filesize(context: Any, size: int | None) -> str:
    return human_size(int(size or 0), str(context.get("lang", "vi")))


def _readable(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if value is None or value == "":
        return "—"
    return str(value)


def details(data: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``{"sha256": "ab…", "present": [3, 4]}`` → ``[("sha256", "ab…"), ("present", "3, 4")]``."""
    return [(key.replace("_", " "), _readable(value)) for key, value in (data or {}).items()]


def install(env: jinja2.Environment) -> None:
    env.filters["filesize"] = filesize
    env.filters["audit_details"] = details
