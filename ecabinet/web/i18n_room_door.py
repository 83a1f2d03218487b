"""Vietnamese for the way into a meeting's live room (templates/meetings/_room_entry.html)."""

from __future__ import annotations

ROOM_DOOR_VI: dict[str, str] = {
    "Enter the meeting room": "Vào phòng họp",
    "Run the session": "Điều hành phiên họp",
    "The meeting room opens at": "Phòng họp mở lúc",
    "The meeting has ended; its room is closed.": "Cuộc họp đã kết thúc; phòng họp đã đóng.",
}
