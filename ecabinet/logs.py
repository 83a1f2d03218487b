"""Logging set-up: one JSON object per line in production, readable text in development.

Every record carries the request id, and the user id and meeting id when the request knows them
(set through the context variables below; the request middleware and the session code set them).
What is logged is chosen by the code, never a request body: passwords, tokens and document
contents are not passed to the logger anywhere, and the formatter adds nothing from the request.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
meeting_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "meeting_id", default=None
)

LOG_FORMATS = ("json", "text")
# Attributes every LogRecord has; anything else was passed through ``extra=`` and is kept.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "user_id",
    "meeting_id",
    "taskName",
}


class ContextFilter(logging.Filter):
    """Copy the request id, user id and meeting id of the current task onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the access line passes its own (extra=)
            record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        record.meeting_id = meeting_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", "request_id", "user_id"?, "meeting_id"?, ...}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("user_id", "meeting_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def build_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    return handler


def configure(log_format: str, debug: bool, stream: TextIO | None = None) -> None:
    """Install the one root handler (replacing any earlier one)."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        handlers=[build_handler(log_format, stream)],
        force=True,
    )
    quiet = logging.INFO if debug else logging.WARNING
    # aiohttp's access line shows the raw path (ids, query strings): ecabinet.access replaces it.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # SQLAlchemy logs every statement with its parameters at INFO: never in production.
    logging.getLogger("sqlalchemy.engine").setLevel(quiet)
