"""Vietnamese for the home page's "to do" list (issue 21, item 11)."""

from __future__ import annotations

TODO_VI: dict[str, str] = {
    "To do": "Việc cần làm",
    "Nothing waits for you.": "Không có việc nào đang chờ đồng chí.",
    "Invitations to answer": "Giấy mời cần trả lời",
    "Minutes to review": "Biên bản cần cho ý kiến",
    "Signatures due": "Văn bản cần ký",
    "your turn to sign the minutes": "đến lượt đồng chí ký biên bản",
    "Tasks due within a week": "Nhiệm vụ đến hạn trong 7 ngày",
    "All the tasks due": "Xem tất cả nhiệm vụ đến hạn",
    "version": "phiên bản",
    "Not done": "Chưa hoàn thành",
}
