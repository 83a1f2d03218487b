"""Vietnamese for the meeting form's dates written dd/mm/yyyy (issue 21, item 9)."""

from __future__ import annotations

FORM_DATES_VI: dict[str, str] = {
    "Date": "Ngày",
    "dd/mm/yyyy": "ngày/tháng/năm",
    "Dates are written day/month/year, e.g. 03/12/2026; times as 24-hour HH:MM.": (
        "Ngày viết theo ngày/tháng/năm, ví dụ 03/12/2026; giờ theo 24 giờ, ví dụ 14:30."
    ),
}
