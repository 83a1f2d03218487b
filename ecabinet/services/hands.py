"""The raised hand is the request to speak (đăng ký phát biểu from the live room).

Raising the hand in the room enters the speaking queue (a ``live`` request on the current item,
if any), lowering it withdraws the participant's waiting requests; the hand others see is
nothing but "has a waiting request" (``signaling`` derives it from each session state). Asking
is allowed as soon as the room is open, before the chair starts the session: the request waits
and is in the queue when the session starts. Called by the signaling hub for a participant it
has authenticated (``p<participant id>``), as the system acting for them.
"""

from __future__ import annotations

from sqlalchemy import select

from ..models import (
    Meeting,
    MeetingStatus,
    Participant,
    SessionState,
    SpeechOrigin,
    SpeechRequest,
    SpeechStatus,
)
from . import seats
from .context import Services, perform
from .floor import OPEN, enqueue

LIVE = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


class _Unchanged(Exception):
    """Nothing to do: leave the transaction (and write no audit entry)."""


async def raise_hand(svc: Services, meeting_id: int, participant_id: int, *, by: int) -> bool:
    """Enter the queue unless already in it (or speaking). True if the queue changed."""
    try:
        await _raise(svc, meeting_id, participant_id, by)
    except _Unchanged:
        return False
    return True


async def _raise(svc: Services, meeting_id: int, participant_id: int, by: int) -> None:
    async with perform(svc, None, "floor.requested") as act:
        session = act.session
        meeting = await session.get(Meeting, meeting_id)
        row = await session.get(Participant, participant_id)
        if meeting is None or meeting.status not in LIVE:
            raise _Unchanged
        if row is None or row.meeting_id != meeting_id:
            raise _Unchanged
        already = await session.scalar(
            select(SpeechRequest.id).where(
                SpeechRequest.meeting_id == meeting_id,
                SpeechRequest.participant_id == participant_id,
                SpeechRequest.status.in_(OPEN),
            )
        )
        if already:
            raise _Unchanged
        state = await session.get(SessionState, meeting_id)
        item = state.current_item_id if state is not None and state.started_at else None
        now = svc.clock.now()
        request = enqueue(
            session,
            meeting_id,
            participant_id,
            item_id=item,
            by=by,
            origin=SpeechOrigin.LIVE,
            note="",
            now=now,
        )
        await session.flush()
        act.record("speech_request", request.id, meeting_id=meeting_id, hand=True, by=by)
        await seats.bump(session, meeting_id, now)


async def lower_hand(svc: Services, meeting_id: int, participant_id: int) -> bool:
    """Withdraw the participant's waiting requests. True if the queue changed."""
    try:
        await _lower(svc, meeting_id, participant_id)
    except _Unchanged:
        return False
    return True


async def _lower(svc: Services, meeting_id: int, participant_id: int) -> None:
    async with perform(svc, None, "floor.withdrawn") as act:
        rows = list(
            await act.session.scalars(
                select(SpeechRequest).where(
                    SpeechRequest.meeting_id == meeting_id,
                    SpeechRequest.participant_id == participant_id,
                    SpeechRequest.status == SpeechStatus.WAITING,
                )
            )
        )
        if not rows:
            raise _Unchanged
        now = svc.clock.now()
        for row in rows:
            row.status, row.ended_at = SpeechStatus.WITHDRAWN, now
            act.record("speech_request", row.id, meeting_id=meeting_id, hand=False)
        await seats.bump(act.session, meeting_id, now)
