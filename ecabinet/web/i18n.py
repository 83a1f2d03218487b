"""User-facing text in Vietnamese and English. Source strings are English; the Vietnamese
catalogue below is the default language. A test checks every template string has a translation."""

from __future__ import annotations

from aiohttp import web

from .appkeys import actor_key
from .i18n_attendance import ATTENDANCE_VI
from .i18n_counters import COUNTERS_VI
from .i18n_deputies import DEPUTIES_VI, RSVP_ERRORS_VI
from .i18n_en import EN
from .i18n_form_dates import FORM_DATES_VI
from .i18n_governance import GOVERNANCE_VI
from .i18n_meeting_page import (
    AGENDA_BUILDER_VI,
    DIRECTORY_PAGE_VI,
    MEETING_PAGE_VI,
    SCHEDULING_FORM_VI,
)
from .i18n_meetings import MEETINGS_VI
from .i18n_minutes import MINUTES_ERRORS_VI, MINUTES_VI
from .i18n_minutes_editor import MINUTES_EDITOR_VI
from .i18n_pages import PAGES_VI
from .i18n_pages import SESSION_ERRORS_VI as PAGES_SESSION_ERRORS_VI
from .i18n_reader import READER_VI
from .i18n_room import ROOM_VI
from .i18n_room_session import ROOM_SESSION_VI
from .i18n_room_ui import ROOM_UI_VI, SESSION_ERRORS_VI
from .i18n_signing import SIGNING_ERRORS_VI, SIGNING_VI
from .i18n_sso import SSO_ERRORS_VI, SSO_VI
from .i18n_tasks import TASKS_ERRORS_VI, TASKS_VI
from .i18n_todo import TODO_VI

LANGUAGES = ("vi", "en")

VI: dict[str, str] = {
    **MEETINGS_VI,
    **COUNTERS_VI,
    **GOVERNANCE_VI,
    **ATTENDANCE_VI,
    **DEPUTIES_VI,
    **TODO_VI,
    **PAGES_VI,
    **MINUTES_VI,
    **MINUTES_EDITOR_VI,
    **FORM_DATES_VI,
    **ROOM_VI,
    **MEETING_PAGE_VI,
    **DIRECTORY_PAGE_VI,
    **SCHEDULING_FORM_VI,
    **AGENDA_BUILDER_VI,
    **ROOM_SESSION_VI,
    **ROOM_UI_VI,
    **READER_VI,
    **TASKS_VI,
    **SIGNING_VI,
    **SSO_VI,
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
    # agenda and documents
    "Add an item": "Thêm nội dung",
    "Add": "Thêm",
    "Agenda item": "Nội dung chương trình",
    "Agenda": "Chương trình họp",
    "Board book": "Bộ tài liệu họp",
    "Build the board book": "Tạo bộ tài liệu họp",
    "Classification": "Độ mật",
    "Cover, agenda and every document in one PDF, with bookmarks.": "Bìa, chương trình và toàn bộ tài liệu trong một tệp PDF, có mục lục.",
    "Distribution": "Phân phối tài liệu",
    "Document": "Tài liệu",
    "Documents": "Tài liệu",
    "Download": "Tải về",
    "Drop a PDF here, or choose a file": "Kéo thả tệp PDF vào đây hoặc chọn tệp",
    "Item": "Nội dung",
    "No agenda items yet.": "Chưa có nội dung nào.",
    "No changes since the last published version.": "Không có thay đổi so với bản đã gửi.",
    "No documents have been distributed yet.": "Chưa phân phối tài liệu nào.",
    "No documents yet.": "Chưa có tài liệu.",
    "Not published yet": "Chưa gửi",
    "Older version": "Bản cũ",
    "Open": "Mở",
    "Planned minutes": "Thời lượng (phút)",
    "Publish and notify participants": "Gửi và thông báo thành phần dự họp",
    "Publish": "Gửi chương trình",
    "Published version": "Bản đã gửi",
    "Read an older version": "Đã đọc bản cũ",
    "Read status": "Tình trạng đọc",
    "Read": "Đã đọc",
    "Recipient": "Người nhận",
    "Remind everyone with unread documents": "Nhắc những người chưa đọc tài liệu",
    "Remove": "Xóa",
    "Total": "Tổng",
    "Unread": "Chưa đọc",
    "Upload a document": "Tải lên tài liệu",
    "Upload": "Tải lên",
    "Version": "Phiên bản",
    "Withdraw": "Thu hồi",
    "Withdrawn": "Đã thu hồi",
    "at most": "tối đa",
    "min": "phút",
    "pages": "trang",
    "restricted": "giới hạn người nhận",
    "Meeting": "Cuộc họp",
    "Move down": "Chuyển xuống",
    "Move up": "Chuyển lên",
    "pending": "chưa thảo luận",
    "under_discussion": "đang thảo luận",
    "concluded": "đã kết luận",
    "deferred": "hoãn",
    "added": "thêm",
    "removed": "bỏ",
    "moved": "đổi thứ tự",
    "changed": "sửa",
    "public": "công khai",
    "internal": "nội bộ",
    "confidential": "hạn chế phổ biến",
    "secret": "mật",
    "building": "đang tạo",
    "ready": "sẵn sàng",
    "failed": "lỗi",
    "Change password": "Đổi mật khẩu",
    "Edit": "Sửa",
    "Cancel": "Huỷ",
    "Current password": "Mật khẩu hiện tại",
    "New password": "Mật khẩu mới",
    "New password again": "Nhập lại mật khẩu mới",
    "You were given a generated password. Choose your own before you continue.": "Bạn đang dùng mật khẩu do hệ thống cấp. Hãy đặt mật khẩu của riêng bạn trước khi tiếp tục.",
    "The username or password is incorrect.": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "Too many failed logins. Try again later.": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.",
    # Signatures and audit (issue 8)
    "Verify a signed PDF": "Kiểm tra tệp PDF đã ký số",
    "Verify signatures": "Kiểm tra chữ ký số",
    "PDF file": "Tệp PDF",
    "Verify": "Kiểm tra",
    "Result": "Kết quả",
    "Trusted: the platform's certificate authority and the configured national root certificates.": "Được tin cậy: tổ chức cấp chứng thư số của hệ thống và các chứng thư số gốc quốc gia đã cấu hình.",
    "Download the platform CA certificate": "Tải chứng thư số gốc của hệ thống",
    "Audit log": "Nhật ký hệ thống",
    "Subject type": "Loại đối tượng",
    "Subject ID": "Mã đối tượng",
    "Action": "Thao tác",
    "Verify the chain": "Kiểm tra chuỗi băm",
    "Filter": "Lọc",
    "The audit chain is intact.": "Chuỗi nhật ký toàn vẹn.",
    "The audit chain is broken at entry": "Chuỗi nhật ký bị phá vỡ tại bản ghi",
    "Time": "Thời gian",
    "User": "Người dùng",
    "Subject": "Đối tượng",
    "Details": "Chi tiết",
    "No entries.": "Không có bản ghi.",
    "Older entries": "Bản ghi cũ hơn",
}

CATALOGUES: dict[str, dict[str, str]] = {"vi": VI, "en": EN}


def translate(language: str, text: str) -> str:
    return CATALOGUES.get(language, {}).get(text, text)


def request_language(request: web.Request, default: str) -> str:
    """The logged-in user's choice, else the ``lang`` cookie, else the server default."""
    actor = request.get(actor_key)
    if actor is not None:
        return str(actor.language)
    cookie = request.cookies.get("lang", "")
    return cookie if cookie in LANGUAGES else default


# Service errors by stable code, for pages shown in Vietnamese (JSON keeps the English message;
# API clients translate by code).
ERRORS_VI: dict[str, str] = {
    "csrf_failed": "Biểu mẫu đã hết hạn hoặc không xuất phát từ trang này. Hãy tải lại trang và thử lại.",
    "permission_denied": "Bạn không có quyền thực hiện thao tác này.",
    "forbidden": "Bạn không có quyền thực hiện thao tác này.",
    "not_found": "Không tìm thấy nội dung yêu cầu.",
    "not_authenticated": "Bạn chưa đăng nhập.",
    "session_ended": "Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.",
    "invalid_credentials": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "login_throttled": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.",
    "duplicate_slug": "Mã này đã được sử dụng.",
    "duplicate_username": "Tên đăng nhập này đã được sử dụng.",
    "organization_not_found": "Không tìm thấy cơ quan.",
    "user_not_found": "Không tìm thấy người dùng.",
    "endpoint_not_found": "Không tìm thấy điểm cầu.",
    "organization_cycle": "Không thể đặt một cơ quan làm cấp dưới của chính nó.",
    "not_an_operator": "Người vận hành điểm cầu phải có vai trò vận hành.",
    "self_lockout": "Bạn không thể tự khoá tài khoản hoặc bỏ vai trò quản trị của chính mình.",
    "weak_password": "Mật khẩu phải có ít nhất 10 ký tự.",
    "wrong_password": "Mật khẩu hiện tại không đúng.",
    "password_unchanged": "Mật khẩu mới phải khác mật khẩu hiện tại.",
    "password_mismatch": "Hai lần nhập mật khẩu mới không khớp.",
    "validation_failed": "Một số trường còn thiếu hoặc không hợp lệ.",
    "integrity_conflict": "Thay đổi xung đột với dữ liệu hiện có.",
    "method_not_allowed": "Phương thức không được hỗ trợ.",
    "payload_too_large": "Dữ liệu gửi lên quá lớn.",
    "internal_error": "Đã có lỗi không mong muốn xảy ra.",
    "file_required": "Hãy chọn một tệp để tải lên.",
    "certificate_expired": "Chứng thư số đã hết hạn.",
    "certificate_not_yet_valid": "Chứng thư số chưa có hiệu lực.",
    "certificate_wrong_usage": "Chứng thư số không dùng để ký văn bản (thiếu chống chối bỏ).",
    "certificate_unusable": "Chứng thư số không dùng được để ký.",
    "signing_key_unreadable": "Không giải mã được khoá ký.",
    "ca_not_created": "Tổ chức cấp chứng thư số của hệ thống chưa được tạo.",
    "ca_not_configured": "Chưa cấu hình tổ chức cấp chứng thư số của hệ thống.",
    "pkcs12_unreadable": "Tệp PKCS#12 không đọc được hoặc sai mật khẩu.",
    "pkcs12_incomplete": "Tệp PKCS#12 phải có khoá RSA hoặc ECDSA và chứng thư số.",
    "pkcs12_mismatch": "Khoá trong tệp PKCS#12 không khớp với chứng thư số.",
    "weak_key": "Khoá quá ngắn (RSA tối thiểu 2048 bit, ECDSA tối thiểu 256 bit).",
    "no_signing_certificate": "Bạn chưa có chứng thư số để ký.",
    "document_not_found": "Không tìm thấy văn bản.",
    "document_complete": "Tất cả người ký đã ký.",
    "already_signed": "Bạn đã ký văn bản này.",
    "not_your_turn": "Chưa đến lượt bạn ký.",
    "bad_signer_list": "Danh sách người ký không hợp lệ.",
    **TASKS_ERRORS_VI,
    **MINUTES_ERRORS_VI,
    **SIGNING_ERRORS_VI,
    **SSO_ERRORS_VI,
    **RSVP_ERRORS_VI,
    **PAGES_SESSION_ERRORS_VI,
    **SESSION_ERRORS_VI,
}


def error_text(language: str, code: str, message: str) -> str:
    """The message of a service error in the page's language."""
    if language != "vi" or code not in ERRORS_VI:
        return message
    if code == "validation_failed":
        return f"{ERRORS_VI[code]} ({message})"
    return ERRORS_VI[code]
