# ruff: noqa: E501  (catalogue entries are one line each)
"""Vietnamese for labels and notices fixed by the every-page language check (issue 21, item 8)."""

from __future__ import annotations

PAGES_VI: dict[str, str] = {
    "Document title": "Tên tài liệu",
    "Choose a PDF file": "Chọn tệp PDF",
    "The board book is being built": "Bộ tài liệu họp đang được tạo",
    "Come back in a moment.": "Vui lòng quay lại sau ít phút.",
    "The board book could not be built. Build it again from the documents page.": "Không tạo được bộ tài liệu họp. Hãy tạo lại từ trang tài liệu.",
    "The board book is not built yet (or the documents changed since). Build it from the documents page, then download it.": "Bộ tài liệu họp chưa được tạo (hoặc tài liệu đã thay đổi sau lần tạo trước). Hãy tạo bộ tài liệu ở trang tài liệu rồi tải về.",
    "Back to the documents": "Quay lại trang tài liệu",
    "Text of the minutes": "Nội dung biên bản",
    "Comments without an answer:": "Ý kiến chưa được trả lời:",
    "I have read them and approve anyway": "Tôi đã đọc các ý kiến và vẫn phê duyệt",
    "The system": "Hệ thống",
    # what an audit entry is about
    "subject_meeting": "Cuộc họp",
    "subject_session": "Phiên họp",
    "subject_user": "Người dùng",
    "subject_document": "Tài liệu",
    "subject_motion": "Biểu quyết",
    "subject_agenda_item": "Nội dung chương trình",
    "subject_task": "Nhiệm vụ",
    "subject_participant": "Thành phần",
    "subject_organization": "Cơ quan",
    "subject_opinion_ballot": "Phiếu lấy ý kiến",
    "subject_opinion": "Ý kiến",
    "subject_minutes": "Biên bản",
    "subject_endpoint": "Điểm cầu",
    "subject_conclusion_notice": "Thông báo kết luận",
    "subject_board_book": "Bộ tài liệu họp",
    "subject_speech_request": "Đăng ký phát biểu",
    "subject_series": "Chuỗi cuộc họp",
    "subject_certificate_authority": "Tổ chức cấp chứng thư số",
    "subject_annotation": "Ghi chú",
    "subject_signer_credential": "Chứng thư số ký",
    "subject_signing_document": "Văn bản ký số",
}

# Session errors by code, shown by the pages' scripts (the JSON error's ``text``).
SESSION_ERRORS_VI: dict[str, str] = {
    "no_quorum": "Chưa đủ số thành viên có mặt để biểu quyết.",
    "motion_open": "Hãy kết thúc biểu quyết đang mở trước.",
    "motion_closed": "Biểu quyết đã kết thúc.",
    "already_voted": "Đồng chí đã biểu quyết.",
    "no_vote_right": "Đồng chí không có quyền biểu quyết nội dung này.",
    "invalid_choice": "Lựa chọn không hợp lệ.",
    "not_chair": "Chỉ chủ trì hoặc thư ký được thực hiện thao tác này.",
    "not_secretary": "Chỉ thư ký cuộc họp được thực hiện thao tác này.",
    "not_operator": "Đồng chí không vận hành điểm cầu này trong cuộc họp.",
    "not_participant": "Không phải thành phần dự họp.",
    "session_not_started": "Phiên họp chưa bắt đầu.",
    "session_started": "Phiên họp đã bắt đầu.",
    "session_not_in_progress": "Phiên họp chưa diễn ra hoặc đã kết thúc.",
    "consent_adopted": "Các nội dung không có ý kiến khác đã được thông qua.",
    "already_requested": "Đồng chí đã đăng ký phát biểu.",
    "invalid_transition": "Không thể chuyển sang trạng thái này.",
    "participant_not_found": "Không tìm thấy thành phần dự họp.",
    "unknown_agenda_item": "Không có nội dung này trong chương trình.",
    "open_comments": "Còn ý kiến góp ý chưa được trả lời: hãy đọc, hoặc xác nhận vẫn phê duyệt.",
}
