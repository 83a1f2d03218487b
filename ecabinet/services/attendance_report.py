"""The attendance report of a meeting (biên bản điểm danh) as CSV and PDF.

The PDF uses the project's DejaVu Sans registration (:mod:`ecabinet.files.fonts`), which has every
Vietnamese letter with its tone mark; the CSV starts with a BOM so spreadsheet programs read UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..files import fonts
from ..models import Meeting
from .attendance import AttendanceRow, AttendanceView

Translate = Callable[[str], str]
COLUMNS = (
    "Name",
    "Organization",
    "Role",
    "Member",
    "Status",
    "Source",
    "First joined",
    "Last left",
    "Minutes online",
    "Stays in the room",
    "People in the room",
    "Note",
)


def _time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M %d/%m/%Y") if value else ""


def stays(row: AttendanceRow, zone: ZoneInfo) -> str:
    """Each stay in the live room as ``09:02–10:15`` (``09:02–…`` while still there)."""
    return "; ".join(
        f"{s.joined_at.astimezone(zone):%H:%M}–"
        + (f"{s.left_at.astimezone(zone):%H:%M}" if s.left_at else "…")
        for s in row.stays
    )


def rows(view: AttendanceView, zone: ZoneInfo, _: Translate) -> list[list[str]]:
    return [
        [
            r.name,
            r.organization,
            _(r.role),
            _("yes") if r.is_member else "",
            _(r.status.value),
            _(f"source_{r.source}"),
            _time(r.first_joined_at, zone),
            _time(r.last_left_at, zone),
            str(r.online_seconds // 60),
            stays(r, zone),
            "" if r.headcount is None else str(r.headcount),
            r.note,
        ]
        for r in view.rows
    ]


def _quorum_line(view: AttendanceView, _: Translate) -> str:
    q = view.quorum
    verdict = _("Quorum reached") if q.reached else _("No quorum")
    return f"{verdict}: {q.counted}/{q.members} ({_('required')} {q.required})"


def to_csv(meeting: Meeting, view: AttendanceView, zone: ZoneInfo, _: Translate) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([meeting.title])
    writer.writerow([_quorum_line(view, _)])
    writer.writerow([_(c) for c in COLUMNS])
    writer.writerows(rows(view, zone, _))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_pdf(meeting: Meeting, view: AttendanceView, zone: ZoneInfo, _: Translate) -> bytes:
    fonts.register_fonts()
    title = ParagraphStyle("title", fontName=fonts.BOLD, fontSize=14, leading=18)
    body = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=9, leading=11)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=fonts.text(f"{_('Attendance')} – {meeting.title}"),
    )
    when = _time(meeting.starts_at, zone)
    header = [
        Paragraph(fonts.text(f"{_('Attendance')}: {meeting.title}"), title),
        Paragraph(fonts.text(f"{when} · {_quorum_line(view, _)}"), body),
        Spacer(1, 4 * mm),
    ]
    data = [[Paragraph(fonts.text(_(c)), body) for c in COLUMNS]]
    data += [[Paragraph(fonts.text(cell), body) for cell in row] for row in rows(view, zone, _)]
    table = Table(
        data,
        repeatRows=1,
        colWidths=[
            38 * mm,
            32 * mm,
            18 * mm,
            14 * mm,
            24 * mm,
            22 * mm,
            24 * mm,
            24 * mm,
            14 * mm,
            24 * mm,
            14 * mm,
            25 * mm,
        ],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    doc.build([*header, table])
    return buffer.getvalue()
