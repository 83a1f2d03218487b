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
    # the room's controls and views (room_layout.js)
    "Meeting controls": "Điều khiển cuộc họp",
    "Gallery view": "Xem dạng lưới",
    "Speaker view": "Xem người phát biểu",
    "Devices": "Thiết bị",
    "Keyboard shortcut": "Phím tắt",
    # the vote dialog (vote_dialog.js) in the room and the reader
    "Later (Esc)": "Để sau (Esc)",
    "Vote now": "Biểu quyết ngay",
    "The vote has closed.": "Đã kết thúc biểu quyết.",
    "Close": "Đóng",
    # the chair's confirmations (confirm_dialog.js) on the console and in the room
    "Start anyway": "Vẫn bắt đầu",
    "There is no quorum: a vote can be opened once enough members are present (in the room or checked in at the hall).": "Chưa đủ số thành viên tham dự: chỉ mở biểu quyết được khi đủ số thành viên có mặt (trong phòng họp trực tuyến hoặc điểm danh tại hội trường).",
    "Start the session without a quorum?": "Bắt đầu phiên họp khi chưa đủ số thành viên?",
    "End the session for everyone? Votes and the floor close; this cannot be undone.": "Kết thúc phiên họp cho tất cả mọi người? Biểu quyết và đăng ký phát biểu sẽ đóng lại; không thể hoàn tác.",
}

# Service errors of the session (by stable code) shown in the console's page in Vietnamese
# (merged into :data:`ecabinet.web.i18n.ERRORS_VI`).
SESSION_ERRORS_VI: dict[str, str] = {
    "no_quorum": "Chưa đủ số thành viên tham dự theo quy định: chưa thể biểu quyết. Hãy chờ thêm thành viên vào phòng họp hoặc điểm danh có mặt tại hội trường.",
    "session_not_started": "Phiên họp chưa bắt đầu.",
    "session_started": "Phiên họp đã bắt đầu.",
    "session_not_in_progress": "Phiên họp chưa diễn ra hoặc đã kết thúc.",
    "consent_adopted": "Các nội dung không có ý kiến khác đã được thông qua.",
    "motion_open": "Đang có một biểu quyết mở: hãy kết thúc biểu quyết đó trước.",
    "motion_closed": "Biểu quyết đã kết thúc.",
    "already_requested": "Đồng chí đã đăng ký phát biểu.",
    "speech_state": "Lượt phát biểu đã thay đổi; hãy xem lại danh sách.",
    "no_vote_right": "Đồng chí không có quyền biểu quyết nội dung này.",
    "not_chair": "Chỉ chủ tọa được thực hiện thao tác này.",
    "positions_closed": "Đã hết thời gian đăng ký ý kiến trước phiên họp.",
    "invalid_transition": "Không thể chuyển cuộc họp sang trạng thái này.",
}

# The English texts of the vote dialog (static/js/vote_dialog.js, VOTE_TEXTS): the room and the
# reader send their translations to the browser.
VOTE_DIALOG_TEXTS: tuple[str, ...] = (
    "Agree",
    "Disagree",
    "Abstain",
    "Adopted",
    "Not adopted",
    "No quorum",
    "Voting open",
    "Voting closed",
    "Votes cast",
    "Later (Esc)",
    "Close",
    "Vote now",
    "You have voted",
    "For the member you stand in for",
    "Secret ballot: nobody can see how you voted.",
    "The vote has closed.",
    "Secret vote",
)


def session_error_texts(language: str) -> dict[str, str]:
    """The session's refusals by code for a page in ``language`` (English pages show the
    server's own message)."""
    return dict(SESSION_ERRORS_VI) if language == "vi" else {}
