"""Which meeting an audit entry is about, so that the log can be read meeting by meeting.

``perform`` asks :func:`meeting_of` after the action body ran, in the same transaction. The
answer comes, in this order, from what the action said (``act.meeting_id``), from the subject
being the meeting itself, from a ``meeting_id`` the action recorded in its data, and last from
the subject's row (a document, a vote, a task …). Personal reading marks (annotations) are not
meeting events and are left out on purpose.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    AgendaItem,
    BoardBook,
    ConclusionNotice,
    Document,
    Minutes,
    Motion,
    Opinion,
    Participant,
    SpeechRequest,
    Task,
)

Lookup = Callable[[AsyncSession, int], Awaitable[int | None]]


def _column(model: Any) -> Lookup:
    async def lookup(session: AsyncSession, row_id: int) -> int | None:
        return await session.scalar(select(model.meeting_id).where(model.id == row_id))

    return lookup


SUBJECTS: dict[str, Lookup] = {
    "agenda_item": _column(AgendaItem),
    "board_book": _column(BoardBook),
    "conclusion_notice": _column(ConclusionNotice),
    "document": _column(Document),
    "minutes": _column(Minutes),
    "motion": _column(Motion),
    "opinion": _column(Opinion),
    "participant": _column(Participant),
    "speech_request": _column(SpeechRequest),
    "task": _column(Task),
}


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        return int(value)
    return None


async def meeting_of(
    session: AsyncSession, subject_type: str, subject_id: str | int, data: dict[str, Any]
) -> int | None:
    if subject_type == "meeting":
        return _as_id(subject_id)
    if subject_type == "annotation":
        return None
    recorded = _as_id(data.get("meeting_id"))
    if recorded is not None:
        return recorded
    lookup = SUBJECTS.get(subject_type)
    row_id = _as_id(subject_id)
    if lookup is None or row_id is None:
        return None
    return await lookup(session, row_id)
