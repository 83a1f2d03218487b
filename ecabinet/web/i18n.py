"""User-facing text in Vietnamese and English. Source strings are English; the Vietnamese
catalogue below is the default language. A test checks every template string has a translation."""

from __future__ import annotations

from aiohttp import web

from .appkeys import actor_key
from .i18n_meetings import MEETINGS_VI
from .i18n_room import ROOM_VI

LANGUAGES = ("vi", "en")

VI: dict[str, str] = {
    **MEETINGS_VI,
    **ROOM_VI,
    "e-Cabinet": "Phòng họp không giấy",
    "Government e-Cabinet": "Hệ thống e-Cabinet Chính phủ",
    "Log in": "Đăng nhập",
    "Log out": "Đăng xuất",
    "Username": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Home": "Trang chủ",
    "Administration": "Quản trị",
    "Organizations": "Cơ quan",
    "Organization": "Cơ quan",
    "Users": "Người dùng",
    "Endpoints": "Điểm cầu",
    "Endpoint": "Điểm cầu",
    "API documentation": "Tài liệu API",
    "Language": "Ngôn ngữ",
    "Name": "Tên",
    "Full name": "Họ và tên",
    "Title": "Chức vụ",
    "Email": "Thư điện tử",
    "Role": "Vai trò",
    "Level": "Cấp",
    "Parent": "Cơ quan cấp trên",
    "Slug": "Mã",
    "Location": "Địa điểm",
    "Capacity": "Sức chứa",
    "Operator": "Người vận hành",
    "Status": "Trạng thái",
    "Active": "Đang hoạt động",
    "Disabled": "Đã khoá",
    "Disable": "Khoá",
    "Enable": "Mở khoá",
    "Reset password": "Đặt lại mật khẩu",
    "Create": "Tạo mới",
    "Save": "Lưu",
    "Actions": "Thao tác",
    "None": "Không có",
    "Add an organization": "Thêm cơ quan",
    "Add a user": "Thêm người dùng",
    "Add an endpoint": "Thêm điểm cầu",
    "Leave empty to generate one": "Để trống để hệ thống tự tạo",
    "New password for": "Mật khẩu mới của",
    "Give it to the user; it will not be shown again.": "Hãy trao cho người dùng; mật khẩu sẽ không hiển thị lại.",
    "Saved.": "Đã lưu.",
    "Welcome": "Xin chào",
    "Your account": "Tài khoản của bạn",
    "Upcoming meetings": "Cuộc họp sắp tới",
    "No meetings are scheduled for you yet.": "Chưa có cuộc họp nào được lên lịch cho bạn.",
    "Directory": "Danh bạ",
    "connected meeting rooms": "phòng họp trực tuyến",
    "people": "người",
    "Paperless meetings of the Government, with online sessions linking ministries and provinces.": "Họp không giấy của Chính phủ, với phiên họp trực tuyến kết nối các bộ, ngành và địa phương.",
    "Something went wrong": "Đã có lỗi xảy ra",
    "Back to the home page": "Về trang chủ",
    "Page not found": "Không tìm thấy trang",
    "You are not allowed to see this page": "Bạn không có quyền xem trang này",
    "Request id": "Mã yêu cầu",
    "Every JSON endpoint of this server.": "Mọi điểm cuối JSON của máy chủ này.",
    "Machine-readable document": "Tài liệu dạng máy đọc",
    "Requires login": "Cần đăng nhập",
    "Public": "Công khai",
    "Request body": "Nội dung yêu cầu",
    "Response": "Phản hồi",
    "admin": "quản trị viên",
    "secretary": "thư ký",
    "member": "thành viên",
    "delegate": "đại biểu",
    "operator": "vận hành điểm cầu",
    "government": "Chính phủ",
    "ministry": "bộ, ngành",
    "province": "tỉnh, thành phố",
    "district": "huyện",
    "commune": "xã",
    "Vietnamese": "Tiếng Việt",
    "English": "Tiếng Anh",
    "Skip to content": "Chuyển đến nội dung",
}

CATALOGUES: dict[str, dict[str, str]] = {"vi": VI, "en": {}}


def translate(language: str, text: str) -> str:
    return CATALOGUES.get(language, {}).get(text, text)


def request_language(request: web.Request, default: str) -> str:
    """The logged-in user's choice, else the ``lang`` cookie, else the server default."""
    actor = request.get(actor_key)
    if actor is not None:
        return str(actor.language)
    cookie = request.cookies.get("lang", "")
    return cookie if cookie in LANGUAGES else default
