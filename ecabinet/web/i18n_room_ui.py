"""Vietnamese for the room as its users live it: the floor in the room (the hand is the request
to speak), the vote dialog, the chair's confirmations, the icon controls and the views (merged
into :data:`ecabinet.web.i18n.VI`; the room page sends them to room*.js)."""

from __future__ import annotations

ROOM_UI_VI: dict[str, str] = {
    # the floor in the room (room_floor.js)
    "Give the floor": "Cho phát biểu",
    "Take the floor back": "Dừng phát biểu",
    "queue": "thứ tự",
    "Ask for the floor (raise hand)": "Đăng ký phát biểu (giơ tay)",
    "Lower hand (withdraw the request)": "Hạ tay (rút đăng ký)",
    "Raised hands (the speaking queue)": "Giơ tay (danh sách đăng ký phát biểu)",
}
