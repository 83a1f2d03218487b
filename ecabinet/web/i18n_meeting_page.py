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

# The organizations directory page (templates/admin/organizations.html).
DIRECTORY_PAGE_VI: dict[str, str] = {
    "Search by name or slug": "Tìm theo tên hoặc mã",
    "e.g. tuyen quang, phuong ha giang": "ví dụ: tuyen quang, phuong ha giang",
    "All levels": "Tất cả các cấp",
    "Search": "Tìm",
    "Show the tree": "Xem theo cây",
    "Place in the tree": "Vị trí trong cây tổ chức",
    "Top": "Cấp cao nhất",
    "No organizations match.": "Không có cơ quan nào phù hợp.",
    "Under it": "Trực thuộc",
    "organizations": "cơ quan",
    "Pages": "Trang",
    "Page": "Trang",
    "(legacy level, abolished on 1 July 2025)": "(cấp cũ, đã bỏ từ ngày 01/7/2025)",
    "legacy": "cấp cũ",
}

# The scheduling form's picker (templates/meetings/form.html, static/js/meeting_form.js).
SCHEDULING_FORM_VI: dict[str, str] = {
    "Find a person, an endpoint or an organization": "Tìm người, điểm cầu hoặc cơ quan",
    "Invite the whole organization": "Mời cả cơ quan",
    "Hour": "Giờ",
}

# The agenda builder (templates/documents/agenda.html, static/js/agenda_builder.js).
AGENDA_BUILDER_VI: dict[str, str] = {
    "Presenter": "Người trình bày",
    "Presenting organization": "Cơ quan trình",
    "Edit the item": "Sửa nội dung",
    "planned end": "dự kiến kết thúc",
    "The agenda is published (version": "Đã ban hành chương trình (phiên bản",
    "); the participants are notified.": "); đã thông báo cho các thành phần tham dự.",
}
