"""Base classes and shared field types of every request and response body.

Integers a client sends are bounded here, once: an id is ``Id`` (1 … ``MAX_ID``, the range of
the INTEGER columns ids are stored in — PostgreSQL's int4; SQLite's would take 2^63−1), so a
number too large for the column is a 422 before it reaches SQL. ``web.api.ApiRegistry`` refuses
to declare a body with an unbounded integer.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1
"""The largest value an id column holds (INTEGER, 32 bits on PostgreSQL)."""

MAX_INT = 2**31 - 1
"""The largest value any INTEGER column holds."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdOrZero = Annotated[int, Field(ge=0, le=MAX_ID)]
IdList = Annotated[list[Id], Field(max_length=500)]


class Input(BaseModel):
    """Request bodies: unknown fields and loose types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(Output):
    code: str
    message: str
    details: Any | None = None


class ErrorResponse(Output):
    error: ErrorDetail
