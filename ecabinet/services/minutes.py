"""The minutes (biên bản): created from the session's record, edited as immutable versions,
sent to reviewers who comment. Who may do what is in :mod:`minutes_access`; approval and signing
are in :mod:`minutes_signing`; the allowed steps are the table in :mod:`minutes_workflow`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import (
    MeetingStatus,
    Minutes,
    MinutesComment,
    MinutesReviewer,
    MinutesStatus,
    MinutesVersion,
    RoundStatus,
    SigningDocument,
)
from ..schemas.minutes import CommentIn, ReviewIn, VersionIn
from . import minutes_draft, minutes_notices, minutes_render, seats
from .actor import Actor
from .context import Services, perform
from .minutes_access import Access, latest_version, load, minutes_id_of, open_round, versions_of
from .minutes_view import (
    CommentView,
    MinutesView,
    VersionDetail,
    candidates,
    comment_view,
    names_of,
    version_view,
    view,
)
from .minutes_workflow import VOIDS_ROUND, Event, next_status
from .permissions import Permission

HELD = (MeetingStatus.IN_PROGRESS, MeetingStatus.ENDED, MeetingStatus.CLOSED)


async def get(svc: Services, actor: Actor, minutes_id: int) -> MinutesView:
    async with svc.db.reading() as session:
        access = await load(session, actor, minutes_id)
        access.require_read()
        return await view(session, access)


async def get_for_meeting(svc: Services, actor: Actor, meeting_id: int) -> MinutesView:
    async with svc.db.reading() as session:
        minutes_id = await minutes_id_of(session, actor, meeting_id)
    return await get(svc, actor, minutes_id)


async def version(svc: Services, actor: Actor, minutes_id: int, number: int) -> VersionDetail:
    async with svc.db.reading() as session:
        access = await load(session, actor, minutes_id)
        access.require_read()
        row = await session.scalar(
            select(MinutesVersion).where(
                MinutesVersion.minutes_id == minutes_id, MinutesVersion.number == number
            )
        )
        if row is None:
            raise NotFound("No such version.", code="version_not_found")
        names = await names_of(session, {row.author_id} if row.author_id else set())
    base = version_view(row, names)
    return VersionDetail(
        **base.__dict__, content=row.content, sections=minutes_render.sections(row.content)
    )


async def diff(
    svc: Services, actor: Actor, minutes_id: int, old: int, new: int
) -> tuple[minutes_render.Diff, VersionDetail, VersionDetail]:
    a = await version(svc, actor, minutes_id, old)
    b = await version(svc, actor, minutes_id, new)
    return minutes_render.diff(a.number, a.content, b.number, b.content), a, b


# --- the secretary's and the reviewers' actions -------------------------------------------


def _new_version(
    minutes: Minutes, number: int, title: str, content: str, note: str, actor: Actor, now: datetime
) -> MinutesVersion:
    return MinutesVersion(
        minutes_id=minutes.id,
        number=number,
        title=title,
        content=content,
        content_sha256=minutes_render.content_hash(title, content),
        note=note,
        author_id=actor.user_id,
        created_at=now,
    )


async def create(svc: Services, actor: Actor, meeting_id: int) -> MinutesView:
    """Minutes for a meeting that has been held, version 1 written from the session's record."""
    async with perform(svc, actor, "minutes.create", Permission.MINUTES_WRITE) as act:
        seat = await seats.seat(act.session, actor, meeting_id)
        seat.require_secretary()
        if seat.meeting.status not in HELD:
            raise Conflict("Minutes are written once the meeting is held.", code="meeting_not_held")
        if await act.session.scalar(select(Minutes.id).where(Minutes.meeting_id == meeting_id)):
            raise Conflict("The meeting already has minutes.", code="minutes_exist")
        now = svc.clock.now()
        title, content = await minutes_draft.draft(act.session, seat.meeting, now)
        minutes = Minutes(
            meeting_id=meeting_id,
            status=MinutesStatus.DRAFT,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        act.session.add(minutes)
        await act.session.flush()
        first = _new_version(minutes, 1, title, content, "", actor, now)
        act.session.add(first)
        await act.session.flush()
        act.record(
            "minutes", minutes.id, meeting_id=meeting_id, version=1, sha256=first.content_sha256
        )
        return await view(act.session, Access(minutes, seat, False, False))


async def save(svc: Services, actor: Actor, minutes_id: int, data: VersionIn) -> MinutesView:
    """A new version. After approval this voids the open signing round (its signatures stay on
    record, shown as void) and the workflow returns to draft."""
    async with perform(svc, actor, "minutes.save", Permission.MINUTES_WRITE) as act:
        access = await load(act.session, actor, minutes_id, lock=True)
        access.require_secretary()
        minutes = access.minutes
        status = next_status(minutes.status, Event.SAVE)
        latest = await latest_version(act.session, minutes.id)
        if data.base_version is not None and data.base_version != latest.number:
            raise Conflict(
                f"Version {latest.number} was saved since you started editing version "
                f"{data.base_version}; reload and merge your changes.",
                code="stale_version",
            )
        now = svc.clock.now()
        voided: dict[str, int] = {}
        if minutes.status in VOIDS_ROUND:
            current = await open_round(act.session, minutes.id)
            if current is not None:
                doc = await act.session.get(SigningDocument, current.signing_document_id)
                current.status, current.voided_at = RoundStatus.VOID, now
                current.void_reason = f"Version {latest.number + 1} saved by {actor.full_name}."
                voided = {
                    "voided_round": current.id,
                    "voided_signatures": doc.signed_count if doc else 0,
                }
        row = _new_version(
            minutes,
            latest.number + 1,
            data.title or latest.title,
            data.content,
            data.note,
            actor,
            now,
        )
        act.session.add(row)
        minutes.status, minutes.updated_at = status, now
        await act.session.flush()
        act.record("minutes", minutes.id, version=row.number, sha256=row.content_sha256, **voided)
        return await view(act.session, access)


async def send_for_review(
    svc: Services, actor: Actor, minutes_id: int, data: ReviewIn
) -> MinutesView:
    """Ask participants of the meeting to review the latest version."""
    async with perform(svc, actor, "minutes.review", Permission.MINUTES_WRITE) as act:
        access = await load(act.session, actor, minutes_id, lock=True)
        access.require_secretary()
        minutes = access.minutes
        status = next_status(minutes.status, Event.SEND_FOR_REVIEW)
        people = await candidates(act.session, minutes.meeting_id)
        wanted = list(dict.fromkeys(data.reviewer_ids))
        if any(uid not in people for uid in wanted):
            raise ValidationFailed(
                "Reviewers are chosen among the meeting's participants.",
                code="reviewer_not_participant",
            )
        latest = await latest_version(act.session, minutes.id)
        already = set(
            await act.session.scalars(
                select(MinutesReviewer.user_id).where(MinutesReviewer.version_id == latest.id)
            )
        )
        now = svc.clock.now()
        added = [uid for uid in wanted if uid not in already]
        for uid in added:
            act.session.add(
                MinutesReviewer(
                    minutes_id=minutes.id,
                    version_id=latest.id,
                    user_id=uid,
                    requested_by=actor.user_id,
                    requested_at=now,
                )
            )
        minutes.status, minutes.updated_at = status, now
        await act.session.flush()
        mailed = await minutes_notices.review_requested(
            act.session, svc, access.seat.meeting, minutes.id, latest.number, added
        )
        act.record("minutes", minutes.id, version=latest.number, reviewers=added, mailed=mailed)
        access.reviewer = access.reviewer or actor.user_id in added
        return await view(act.session, access)


async def comment(svc: Services, actor: Actor, minutes_id: int, data: CommentIn) -> CommentView:
    """A reviewer's comment (or change request) on the version under review."""
    async with perform(svc, actor, "minutes.comment") as act:
        access = await load(act.session, actor, minutes_id)
        access.require_read()
        minutes = access.minutes
        next_status(minutes.status, Event.COMMENT)
        latest = await latest_version(act.session, minutes.id)
        reviews = await act.session.scalar(
            select(MinutesReviewer.id).where(
                MinutesReviewer.version_id == latest.id, MinutesReviewer.user_id == actor.user_id
            )
        )
        if reviews is None and not access.seat.is_secretary:
            raise Forbidden("Only this version's reviewers comment on it.", code="not_a_reviewer")
        if data.changes_requested and reviews is None:
            raise Forbidden("Only reviewers request changes.", code="not_a_reviewer")
        thread = await _thread(act.session, minutes.id, data) if data.reply_to else None
        section = thread.section if thread else data.section
        if section and not thread and section not in minutes_render.sections(latest.content):
            raise ValidationFailed("This version has no such section.", code="unknown_section")
        row = MinutesComment(
            minutes_id=minutes.id,
            version_id=latest.id,
            author_id=actor.user_id,
            section=section,
            body=data.body,
            changes_requested=data.changes_requested,
            reply_to_id=thread.id if thread else None,
            created_at=svc.clock.now(),
        )
        act.session.add(row)
        await act.session.flush()
        mailed = 0
        if thread is not None and thread.author_id != actor.user_id:
            mailed = await minutes_notices.replied(
                act.session, svc, access.seat.meeting, minutes.id, row.id, thread.author_id
            )
        act.record(
            "minutes",
            minutes.id,
            version=latest.number,
            comment_id=row.id,
            section=section,
            changes_requested=data.changes_requested,
            reply_to=row.reply_to_id,
            mailed=mailed,
        )
        names = await names_of(act.session, {actor.user_id})
        return comment_view(row, latest.number, names)


async def _thread(session: AsyncSession, minutes_id: int, data: CommentIn) -> MinutesComment:
    """The first comment of the thread that ``data`` answers (a reply to a reply joins the same
    thread). Replies carry no section of their own and request no changes."""
    if data.section or data.changes_requested:
        raise ValidationFailed(
            "A reply takes its thread's section and requests no changes.", code="invalid_reply"
        )
    parent = await session.get(MinutesComment, data.reply_to)
    if parent is None or parent.minutes_id != minutes_id:
        raise NotFound("No such comment on these minutes.", code="comment_not_found")
    if parent.reply_to_id is not None:
        parent = await session.get(MinutesComment, parent.reply_to_id)
        assert parent is not None  # a foreign key
    return parent


async def comments(
    svc: Services, actor: Actor, minutes_id: int, number: int | None = None
) -> list[CommentView]:
    """Comments on one version (or all), oldest first."""
    async with svc.db.reading() as session:
        access = await load(session, actor, minutes_id)
        access.require_read()
        numbers = {v.id: v.number for v in await versions_of(session, minutes_id)}
        query = select(MinutesComment).where(MinutesComment.minutes_id == minutes_id)
        if number is not None:
            ids = [vid for vid, n in numbers.items() if n == number]
            query = query.where(MinutesComment.version_id.in_(ids))
        rows = list(await session.scalars(query.order_by(MinutesComment.id)))
        names = await names_of(session, {r.author_id for r in rows})
    return [comment_view(r, numbers[r.version_id], names) for r in rows]
