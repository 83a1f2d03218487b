# ruff: noqa: E501  (catalogue entries are one line each)
"""Vietnamese for the proposals of another time (iTIP COUNTER) on the meeting page (merged into
:data:`ecabinet.web.i18n.VI`)."""

from __future__ import annotations

COUNTERS_VI: dict[str, str] = {
    "Proposed times": "Đề xuất đổi giờ",
    "Proposed by": "Người đề xuất",
    "Proposed time": "Thời gian đề xuất",
    "Comment": "Ý kiến",
    "Accept and move the meeting": "Chấp nhận và dời cuộc họp",
    "Decline": "Không chấp nhận",
    "No proposal is waiting.": "Không có đề xuất nào đang chờ.",
    "The proposal is declined and the attendee is told.": "Đề xuất đã bị từ chối và người đề xuất đã được thông báo.",
}
