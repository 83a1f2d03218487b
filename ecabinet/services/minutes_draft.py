"""The first draft of the minutes, written from what the session recorded: the meeting's time,
place, chair and secretary; attendance (present, absent, delegated; endpoints with head counts)
and the quorum; each agenda item in order with who spoke when, the votes on it (named: counts and
names; secret: counts only) and the chair's conclusion.

The draft is in Vietnamese, the language of the record, in the text format of
:mod:`minutes_render`. It is a starting point: the secretary edits it before review.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    AgendaItem,
    AttendanceStatus,
    ItemConclusion,
    Meeting,
    Motion,
    MotionStatus,
    NamedVote,
    Organization,
    SpeechRequest,
    User,
)
from . import attendance, session_times

STATUS_VI = {
    AttendanceStatus.PRESENT_IN_PERSON: "có mặt tại hội trường",
    AttendanceStatus.PRESENT_ONLINE: "có mặt trực tuyến",
    AttendanceStatus.ABSENT: "vắng mặt",
    AttendanceStatus.EXCUSED: "vắng mặt có lý do",
}
ROLE_VI = {
    "chair": "Chủ trì",
    "member": "Thành viên",
    "invitee": "Khách mời",
    "observer": "Dự thính",
}
MODE_VI = {
    "in_person": "trực tiếp",
    "online": "trực tuyến",
    "hybrid": "trực tiếp kết hợp trực tuyến",
}
CHOICE_VI = {"agree": "Tán thành", "disagree": "Không tán thành", "abstain": "Không biểu quyết"}
OUTCOME_VI = {
    "adopted": "được thông qua",
    "rejected": "không được thông qua",
    "no_quorum": "không đủ số thành viên để quyết định",
}


def _clock(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M")


def _day(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y")


def _time_line(meeting: Meeting, held: session_times.HeldTimes, zone: ZoneInfo) -> str:
    """The session's real times, with the schedule beside them when they differ."""
    end = _clock(held.ended_at, zone) if held.ended_at else "…"
    line = f"- Thời gian: từ {_clock(held.started_at, zone)} đến {end}"
    line += f" ngày {_day(held.started_at, zone)} ({meeting.time_zone})"
    scheduled = (_clock(meeting.starts_at, zone), _clock(meeting.ends_at, zone))
    if not held.from_schedule and scheduled != (_clock(held.started_at, zone), end):
        line += f"; theo lịch từ {scheduled[0]} đến {scheduled[1]}"
    return line + "."


async def _user_name(session: AsyncSession, user_id: int | None) -> str:
    user = await session.get(User, user_id) if user_id else None
    return user.full_name if user else ""


def _is_endpoint(row: attendance.AttendanceRow) -> bool:
    return not row.organization  # a person always belongs to an organization


def _attendance_lines(view: attendance.AttendanceView) -> list[str]:
    names = {r.participant_id: r.name for r in view.rows}
    lines = []
    for row in view.rows:
        if _is_endpoint(row):
            continue  # listed under the endpoints
        status = STATUS_VI[row.status]
        where = f", {row.organization}" if row.organization not in row.name else ""
        text = f"- {row.name}{where} — {ROLE_VI.get(row.role, row.role)}: {status}"
        if row.represented_by is not None and row.represented_by in names:
            text += f"; ủy quyền cho {names[row.represented_by]}"
        if row.deputy_for is not None and row.deputy_for in names:
            text += f" (dự thay {names[row.deputy_for]})"
        if row.note:
            text += f" — {row.note}"
        lines.append(text)
    return lines


def _endpoint_lines(view: attendance.AttendanceView) -> list[str]:
    lines = []
    for row in view.rows:
        if not _is_endpoint(row):
            continue
        present = row.status in attendance.PRESENT
        text = f"- {row.name}: {'đã kết nối' if present else 'không kết nối'}"
        if row.headcount:
            text += f", {row.headcount} người tham dự"
        lines.append(text)
    return lines


def _vote_lines(motion: Motion, named: list[tuple[str, str]]) -> list[str]:
    kind = "bỏ phiếu kín" if motion.secret else "biểu quyết công khai"
    lines = [f"Biểu quyết: {motion.title} ({kind})."]
    if motion.status is not MotionStatus.CLOSED or motion.result is None:
        return [*lines, "- Chưa kết thúc biểu quyết."]
    tally: dict[str, int] = motion.result.get("tally", {})
    counts = "; ".join(f"{CHOICE_VI.get(o, o)}: {n}" for o, n in tally.items())
    lines.append(f"- Kết quả: {counts} (số phiếu: {motion.result.get('votes_cast', 0)}).")
    if not motion.secret:
        by_choice: dict[str, list[str]] = defaultdict(list)
        for name, choice in named:
            by_choice[choice].append(name)
        for option in motion.options:
            if by_choice.get(option):
                lines.append(f"- {CHOICE_VI.get(option, option)}: {', '.join(by_choice[option])}.")
    decision: dict[str, Any] | None = motion.result.get("decision")
    if decision:
        outcome = OUTCOME_VI.get(decision.get("outcome", ""), decision.get("outcome", ""))
        lines.append(f"- Nội dung biểu quyết {outcome}.")
    elif motion.result.get("leading"):
        lines.append(f"- Nhiều phiếu nhất: {', '.join(motion.result['leading'])}.")
    return lines


async def draft(session: AsyncSession, meeting: Meeting, now: datetime) -> tuple[str, str]:
    """The title and the text of version 1."""
    zone = ZoneInfo(meeting.time_zone)
    view = await attendance.compute(session, meeting.id, now, record=True)
    held = await session_times.held_times(session, meeting)
    names = {r.participant_id: r.name for r in view.rows}
    chair = next((r.name for r in view.rows if r.role == "chair"), "")
    organization = await session.get(Organization, meeting.organization_id)
    items = (
        await session.execute(
            select(AgendaItem, ItemConclusion)
            .outerjoin(ItemConclusion, ItemConclusion.agenda_item_id == AgendaItem.id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    ).all()
    speeches = list(
        await session.scalars(
            select(SpeechRequest)
            .where(SpeechRequest.meeting_id == meeting.id, SpeechRequest.started_at.is_not(None))
            .order_by(SpeechRequest.started_at, SpeechRequest.id)
        )
    )
    motions = list(
        await session.scalars(
            select(Motion).where(Motion.meeting_id == meeting.id).order_by(Motion.id)
        )
    )
    named: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for vote in await session.scalars(
        select(NamedVote)
        .where(NamedVote.motion_id.in_([m.id for m in motions if not m.secret]))
        .order_by(NamedVote.member_id)
    ):
        named[vote.motion_id].append((names.get(vote.member_id, "?"), vote.choice))

    q = view.quorum
    lines = [
        "## I. Thời gian, địa điểm, thành phần",
        _time_line(meeting, held, zone),
        f"- Hình thức: {MODE_VI.get(meeting.mode.value, meeting.mode.value)}"
        + (f"; địa điểm: {meeting.room}." if meeting.room else "."),
        f"- Cơ quan tổ chức: {organization.name if organization else ''}.",
        f"- Chủ trì: {chair}.",
        f"- Thư ký: {await _user_name(session, meeting.secretary_id)}.",
        "",
        "### Thành phần tham dự",
        *_attendance_lines(view),
        f"- Số thành viên có mặt: {q.counted}/{q.members}"
        f" ({'đủ' if q.reached else 'không đủ'} số thành viên theo quy định, cần {q.required}).",
    ]
    endpoint_lines = _endpoint_lines(view)
    if endpoint_lines:
        lines += ["", "### Các điểm cầu", *endpoint_lines]
    lines += ["", "## II. Nội dung phiên họp"]
    for number, (item, conclusion) in enumerate(items, start=1):
        lines += ["", f"### {number}. {item.title}"]
        spoken = [s for s in speeches if s.agenda_item_id == item.id]
        for speech in spoken:
            assert speech.started_at is not None
            minutes = int(((speech.ended_at or now) - speech.started_at).total_seconds() // 60)
            lines.append(
                f"- {_clock(speech.started_at, zone)} — {names.get(speech.participant_id, '?')}"
                f" phát biểu ({max(minutes, 1)} phút)."
            )
        for motion in (m for m in motions if m.agenda_item_id == item.id):
            lines += ["", *_vote_lines(motion, named[motion.id])]
        if conclusion is not None:
            by = " (không có ý kiến khác)" if conclusion.by_consent else ""
            lines += ["", f"Kết luận của chủ trì{by}: {conclusion.text}"]
        else:
            lines += ["", "Kết luận của chủ trì: (chưa ghi nhận)"]
    general = [s for s in speeches if s.agenda_item_id is None]
    loose = [m for m in motions if m.agenda_item_id is None]
    if general or loose:
        lines += ["", "## III. Các nội dung khác"]
        for speech in general:
            assert speech.started_at is not None
            lines.append(
                f"- {_clock(speech.started_at, zone)} — {names.get(speech.participant_id, '?')}"
                " phát biểu."
            )
        for motion in loose:
            lines += ["", *_vote_lines(motion, named[motion.id])]
    lines += [
        "",
        f"## {'IV' if general or loose else 'III'}. Kết thúc",
        f"Phiên họp kết thúc lúc {_clock(held.ended_at, zone) if held.ended_at else '…'}."
        " Biên bản được ký số theo thứ tự, người chủ trì ký cuối cùng.",
    ]
    title = f"Biên bản: {meeting.title}"
    return title[:300], "\n".join(lines)
