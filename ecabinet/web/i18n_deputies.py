# ruff: noqa: E501  (catalogue entries are one line each)
"""Text of the delegation form (ủy quyền) and of the answers' errors on the meeting page, by
stable code: the English beside the Vietnamese, since the page gets only the code back."""

from __future__ import annotations

RSVP_ERRORS: dict[str, str] = {
    "unknown_deputy": "Nobody of your organization matches that name.",
    "deputy_required": "Choose the deputy from the list.",
    "deputy_ambiguous": "Several people match that name: choose the deputy from the list.",
    "deputy_other_organization": "A deputy must belong to your own organization.",
    "deputy_already_invited": "The deputy is already a participant.",
    "delegation_reason_required": "Give the reason for the delegation.",
    "already_delegated": "You have already delegated this meeting.",
    "meeting_closed": "This meeting no longer takes answers.",
    "invalid_delegation": "An endpoint cannot delegate.",
    "invalid_answer": "The answer could not be read. Try again.",
}

RSVP_ERRORS_VI: dict[str, str] = {
    "unknown_deputy": "Không tìm thấy người nào trong cơ quan của đồng chí có tên như vậy.",
    "deputy_required": "Hãy chọn người dự thay trong danh sách.",
    "deputy_ambiguous": "Có nhiều người trùng tên: hãy chọn người dự thay trong danh sách.",
    "deputy_other_organization": "Người dự thay phải cùng cơ quan với đồng chí.",
    "deputy_already_invited": "Người này đã có trong thành phần dự họp.",
    "delegation_reason_required": "Hãy nêu lý do ủy quyền.",
    "already_delegated": "Đồng chí đã ủy quyền cho người khác dự cuộc họp này.",
    "meeting_closed": "Cuộc họp này không còn nhận trả lời.",
    "invalid_delegation": "Điểm cầu không thể ủy quyền.",
    "invalid_answer": "Không đọc được câu trả lời. Hãy thử lại.",
}

DEPUTIES_VI: dict[str, str] = {
    "Deputy": "Người dự thay",
    "Type part of a name, then choose from the list": "Gõ một phần họ tên rồi chọn trong danh sách",
    "People of your organization who could stand in for you": "Người trong cơ quan có thể dự thay đồng chí",
    "Nobody of your organization matches.": "Không có ai trong cơ quan khớp với từ đã gõ.",
    "results": "kết quả",
}
