"""Counter-proposals (iTIP COUNTER) the secretary decides on."""

from __future__ import annotations

from datetime import datetime

from .common import Input, Output


class CounterOut(Output):
    id: int
    meeting_id: int
    participant_id: int
    address: str
    starts_at: datetime
    ends_at: datetime
    comment: str
    status: str
    received_at: datetime


class CounterAccept(Input):
    confirm_conflicts: bool = False
