"""Vietnamese for the session in the meeting room, the reader's presenter mode and the ballot
form (merged into :data:`ecabinet.web.i18n.VI`)."""

from __future__ import annotations

ROOM_SESSION_VI: dict[str, str] = {
    # the session panel in the room
    "You have the floor — unmute?": "Bạn được phát biểu — bật micrô?",
    "Not now": "Để sau",
    "Follow in the reader": "Theo dõi trong trình đọc",
    "is presenting": "đang trình bày",
    "page": "trang",
    "on the current item": "về nội dung đang họp",
    "No current item": "Chưa chọn nội dung",
    "Nobody has the floor.": "Chưa có ai phát biểu.",
    "The session has not started.": "Phiên họp chưa bắt đầu.",
    "Secret vote": "Bỏ phiếu kín",
    "The session is in progress.": "Phiên họp đang diễn ra.",
    "The session has ended.": "Phiên họp đã kết thúc.",
    "Agree": "Đồng ý",
    "Disagree": "Không đồng ý",
    "Abstain": "Không biểu quyết",
    "Adopted": "Được thông qua",
    "Not adopted": "Không được thông qua",
    "Voting open": "Đang biểu quyết",
    "Voting closed": "Đã kết thúc biểu quyết",
    "Secret ballot: nobody can see how you voted.": "Bỏ phiếu kín: không ai biết đồng chí chọn gì.",
    # the chair's console
    "Live updates": "Đang cập nhật trực tiếp",
    "Live updates interrupted; checking every 30 s": "Mất kết nối cập nhật trực tiếp; kiểm tra lại mỗi 30 giây",
    # the reader following a presenter
    "Present": "Trình bày",
    "Stop presenting": "Dừng trình bày",
    "You are presenting: everyone follows your page and zoom.": "Bạn đang trình bày: mọi người theo trang và mức phóng to của bạn.",
    "Following the presenter": "Đang theo người trình bày",
    "Following paused": "Đã tạm dừng theo dõi",
    "Follow the presenter": "Theo người trình bày",
    "Presenting refused: only the chair, the speaker or the presenter of the current item may present, and only a document of this meeting.": "Không thể trình bày: chỉ chủ tọa, người đang phát biểu hoặc người trình bày nội dung đang họp được trình bày, và chỉ tài liệu của phiên họp này.",
    "Open the meeting room to follow the presenter.": "Mở phòng họp để theo dõi người trình bày.",
    # the ballot form
    "Send a ballot": "Gửi phiếu lấy ý kiến",
    "New opinion ballot": "Phiếu lấy ý kiến mới",
    "Title": "Tiêu đề",
    "Explanatory text": "Nội dung giải trình",
    "Recipients": "Người nhận",
    "Choose the members who answer.": "Chọn các thành viên trả lời phiếu.",
    "Remind before the deadline (hours)": "Nhắc trước hạn (giờ)",
    "Attached documents (PDF)": "Tài liệu kèm theo (PDF)",
    "Attached documents": "Tài liệu kèm theo",
    "Send the ballot": "Gửi phiếu",
    "Sending…": "Đang gửi…",
    "The ballot has been sent.": "Đã gửi phiếu lấy ý kiến.",
    "Opinion ballot": "Phiếu lấy ý kiến",
    "Only PDF files can be attached.": "Chỉ đính kèm được tệp PDF.",
    "The file is larger than the upload limit.": "Tệp lớn hơn giới hạn tải lên.",
    "The ballot has been sent, but an attachment was refused (only PDF files within the upload limit).": "Đã gửi phiếu, nhưng có tài liệu đính kèm bị từ chối (chỉ nhận tệp PDF trong giới hạn dung lượng).",
}

# Every English text the room's session panel shows (room_session.js); the room page sends
# their translations to the browser with the room's own strings.
ROOM_SESSION_STRINGS: tuple[str, ...] = (
    "Quorum reached",
    "No quorum",
    "required",
    "Withdraw",
    "Nobody has asked for the floor.",
    "No votes yet.",
    "Votes cast",
    "For the member you stand in for",
    "You have voted",
    *ROOM_SESSION_VI,
)
