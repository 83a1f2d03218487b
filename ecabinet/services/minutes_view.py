"""What a reader of the minutes sees: versions, reviewers, signing rounds (void ones too, with
their signatures marked void), comments, and the reader's own part in the workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    DocumentSignature,
    MeetingRole,
    MinutesComment,
    MinutesReviewer,
    MinutesSigningRound,
    MinutesStatus,
    MinutesVersion,
    RoundStatus,
    SigningDocument,
    User,
)
from . import seats
from .minutes_access import Access, versions_of


@dataclass
class VersionView:
    number: int
    title: str
    content_sha256: str
    note: str
    author_id: int | None
    author_name: str
    created_at: datetime


@dataclass
class VersionDetail(VersionView):
    content: str
    sections: list[str]


@dataclass
class SignerView:
    position: int
    user_id: int
    name: str
    signed_at: datetime | None
    void: bool  # signed on a round that a later change voided


@dataclass
class RoundView:
    id: int
    signing_document_id: int
    version: int
    status: str
    signers: list[SignerView]
    signed_count: int
    next_signer_id: int | None
    approved_at: datetime
    voided_at: datetime | None
    void_reason: str
    pdf_sha256: str


@dataclass
class ReviewerView:
    version: int
    user_id: int
    name: str
    requested_at: datetime


@dataclass
class YouView:
    is_secretary: bool
    is_chair: bool
    reviews_latest: bool
    may_comment: bool
    sign_position: int | None  # the actor's place in the open round's order
    may_sign_now: bool


@dataclass
class MinutesView:
    id: int
    meeting_id: int
    meeting_title: str
    status: str
    latest_version: int
    versions: list[VersionView]
    reviewers: list[ReviewerView]
    rounds: list[RoundView]
    you: YouView
    candidates: dict[int, str] = field(default_factory=dict)  # people who may review or sign
    chair_id: int | None = None


async def names_of(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows.all()}


def version_view(v: MinutesVersion, names: dict[int, str]) -> VersionView:
    return VersionView(
        v.number,
        v.title,
        v.content_sha256,
        v.note,
        v.author_id,
        names.get(v.author_id or 0, ""),
        v.created_at,
    )


async def candidates(session: AsyncSession, meeting_id: int) -> dict[int, str]:
    """The meeting's people (reviewers and signers are chosen among them)."""
    people = [p for p in await seats.participants_of(session, meeting_id) if p.user_id]
    return await names_of(session, {p.user_id for p in people if p.user_id})


async def view(session: AsyncSession, access: Access) -> MinutesView:
    minutes = access.minutes
    actor = access.seat.actor
    versions = await versions_of(session, minutes.id)
    numbers = {v.id: v.number for v in versions}
    reviewers = list(
        await session.scalars(
            select(MinutesReviewer)
            .where(MinutesReviewer.minutes_id == minutes.id)
            .order_by(MinutesReviewer.id)
        )
    )
    rounds = list(
        await session.scalars(
            select(MinutesSigningRound)
            .where(MinutesSigningRound.minutes_id == minutes.id)
            .order_by(MinutesSigningRound.id)
        )
    )
    ids = {v.author_id for v in versions if v.author_id} | {r.user_id for r in reviewers}
    ids |= {int(i) for r in rounds for i in r.signer_ids}
    names = await names_of(session, ids)
    round_views = []
    for r in rounds:
        doc = await session.get(SigningDocument, r.signing_document_id)
        assert doc is not None
        signed = {
            s.position: s.signed_at
            for s in await session.scalars(
                select(DocumentSignature).where(DocumentSignature.document_id == doc.id)
            )
        }
        signer_ids = [int(i) for i in r.signer_ids]
        round_views.append(
            RoundView(
                r.id,
                r.signing_document_id,
                numbers[r.version_id],
                r.status.value,
                [
                    SignerView(
                        n,
                        uid,
                        names.get(uid, ""),
                        signed.get(n),
                        r.status is RoundStatus.VOID and n in signed,
                    )
                    for n, uid in enumerate(signer_ids, start=1)
                ],
                doc.signed_count,
                signer_ids[doc.signed_count]
                if r.status is RoundStatus.OPEN and doc.signed_count < len(signer_ids)
                else None,
                r.approved_at,
                r.voided_at,
                r.void_reason,
                doc.pdf_sha256,
            )
        )
    latest = versions[-1]
    current = next((rv for rv in round_views if rv.status == RoundStatus.OPEN.value), None)
    reviews_latest = any(
        r.user_id == actor.user_id and r.version_id == latest.id for r in reviewers
    )
    in_review = minutes.status is MinutesStatus.IN_REVIEW
    position = None
    if current is not None:
        position = next((s.position for s in current.signers if s.user_id == actor.user_id), None)
    return MinutesView(
        minutes.id,
        minutes.meeting_id,
        access.seat.meeting.title,
        minutes.status.value,
        latest.number,
        [version_view(v, names) for v in reversed(versions)],
        [
            ReviewerView(numbers[r.version_id], r.user_id, names.get(r.user_id, ""), r.requested_at)
            for r in reviewers
        ],
        round_views,
        YouView(
            access.seat.is_secretary,
            access.seat.is_chair,
            reviews_latest,
            in_review and (reviews_latest or access.seat.is_secretary),
            position,
            current is not None and current.next_signer_id == actor.user_id,
        ),
        await candidates(session, minutes.meeting_id) if access.seat.is_secretary else {},
        await chair_of(session, minutes.meeting_id),
    )


async def chair_of(session: AsyncSession, meeting_id: int) -> int | None:
    people = await seats.participants_of(session, meeting_id)
    return next((p.user_id for p in people if p.role is MeetingRole.CHAIR and p.user_id), None)


@dataclass
class CommentView:
    id: int
    version: int
    author_id: int
    author_name: str
    section: str
    body: str
    changes_requested: bool
    created_at: datetime
    reply_to: int | None = None  # the first comment of the thread this one answers


@dataclass
class CommentThread:
    first: CommentView
    replies: list[CommentView]


def threads(comments: list[CommentView], version: int) -> list[CommentThread]:
    """The threads to show with ``version``: those started on it, and those answered on it
    (a reply is filed under the version under review when it was written), oldest first."""
    by_id = {c.id: CommentThread(c, []) for c in comments if c.reply_to is None}
    for c in comments:
        if c.reply_to is not None and c.reply_to in by_id:
            by_id[c.reply_to].replies.append(c)
    return [
        t
        for t in by_id.values()
        if t.first.version == version or any(r.version == version for r in t.replies)
    ]


def comment_view(row: MinutesComment, number: int, names: dict[int, str]) -> CommentView:
    return CommentView(
        row.id,
        number,
        row.author_id,
        names.get(row.author_id, ""),
        row.section,
        row.body,
        row.changes_requested,
        row.created_at,
        row.reply_to_id,
    )
