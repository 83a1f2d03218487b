# ruff: noqa: E501  (catalogue entries are one line each)
"""Vietnamese for the attendance record and the check-in at the hall (issue 21, item 2)."""

from __future__ import annotations

ATTENDANCE_VI: dict[str, str] = {
    "Stays in the room": "Thời gian trong phòng họp",
    "The record of the session: everyone who was in the room during it, with the times of each stay.": "Kết quả điểm danh của phiên họp: mọi người đã có mặt trong phòng họp trong thời gian họp, kèm thời gian từng lần vào, ra.",
    "Live: who is in the room now. Once the session has ended, the record counts everyone who was in the room during it.": "Trực tiếp: những người đang ở trong phòng họp. Khi phiên họp kết thúc, kết quả điểm danh tính mọi người đã có mặt trong thời gian họp.",
    "Check-in at the hall": "Điểm danh tại hội trường",
    "Tick the people who are in the hall: they count as present in person. Untick to go back to what the room recorded.": "Đánh dấu những người có mặt tại hội trường: họ được tính là có mặt trực tiếp. Bỏ đánh dấu để trở lại kết quả hệ thống ghi nhận.",
    "Checked in at the hall:": "Đã điểm danh tại hội trường:",
    "Check-in withdrawn:": "Đã bỏ điểm danh:",
}
