"""Vietnamese for the meeting page's additions: the way into the live room
(templates/meetings/_room_entry.html) and the invited people invitations cannot reach."""

from __future__ import annotations

MEETING_PAGE_VI: dict[str, str] = {
    "Enter the meeting room": "Vào phòng họp",
    "Run the session": "Điều hành phiên họp",
    "The meeting room opens at": "Phòng họp mở lúc",
    "The meeting has ended; its room is closed.": "Cuộc họp đã kết thúc; phòng họp đã đóng.",
    "will not receive the invitation by e-mail": "sẽ không nhận thư mời qua e-mail",
    "These people have no e-mail address and will not receive the invitation by e-mail:": (
        "Những người sau chưa có địa chỉ e-mail và sẽ không nhận thư mời qua e-mail:"
    ),
    "Add their addresses": "Bổ sung địa chỉ e-mail",
    "Ask an administrator to add their addresses.": "Đề nghị quản trị viên bổ sung địa chỉ e-mail.",
}
