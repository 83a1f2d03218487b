"""The audit log: append-only and tamper-evident.

Each entry's hash covers its canonical JSON and the previous entry's hash, so editing, deleting or
reordering any past entry breaks the chain at that point. Appends are serialised: on PostgreSQL
by a transaction-scoped advisory lock taken before the head is read (the next statement then sees
the head committed by whoever held the lock); on SQLite write transactions are already exclusive.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import AuditEvent

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 0x45434142  # "ECAB": the advisory lock that serialises appends


def entry_hash(
    *,
    seq: int,
    at: datetime,
    action: str,
    actor_id: int | None,
    address: str,
    subject_type: str,
    subject_id: str,
    data: dict[str, Any],
    prev_hash: str,
    meeting_id: int | None = None,
) -> str:
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "action": action,
        "actor_id": actor_id,
        "address": address,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "data": data,
    }
    if meeting_id is not None:  # entries written before the column existed hash as they did
        fields["meeting_id"] = meeting_id
    canonical = json.dumps(
        fields,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((canonical + prev_hash).encode()).hexdigest()


async def append(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    actor_id: int | None,
    address: str = "",
    subject_type: str = "",
    subject_id: str | int = "",
    data: dict[str, Any] | None = None,
    meeting_id: int | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction; it commits or rolls back with the action."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    head = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
        )
    ).first()
    seq, prev = (head.seq + 1, head.entry_hash) if head else (1, GENESIS_HASH)
    payload = json.loads(json.dumps(data or {}, default=str))
    event = AuditEvent(
        seq=seq,
        at=at,
        action=action,
        actor_id=actor_id,
        address=address,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=payload,
        prev_hash=prev,
        meeting_id=meeting_id,
    )
    event.entry_hash = entry_hash(
        seq=seq,
        at=at,
        action=action,
        actor_id=actor_id,
        address=address,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=payload,
        prev_hash=prev,
        meeting_id=meeting_id,
    )
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    length: int
    head_hash: str
    first_bad_seq: int | None

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Walk the whole chain; report the first entry whose hash or link does not hold."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    result = await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq))
    async for event in result:
        count += 1
        recomputed = entry_hash(
            seq=event.seq,
            at=event.at,
            action=event.action,
            actor_id=event.actor_id,
            address=event.address,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            data=event.data,
            prev_hash=prev,
            meeting_id=event.meeting_id,
        )
        if event.seq != expected_seq or event.prev_hash != prev or event.entry_hash != recomputed:
            return ChainReport(count, prev, expected_seq)
        prev = event.entry_hash
        expected_seq += 1
    return ChainReport(count, prev, None)
