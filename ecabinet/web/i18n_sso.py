"""Vietnamese for single sign-on: the login page's provider buttons, the logout offer and the
reasons a sign-in through a provider is refused (by stable code)."""

from __future__ import annotations

SSO_VI: dict[str, str] = {
    "Or with your organization's account": "Hoặc bằng tài khoản của cơ quan bạn",
    "Sign in with {provider}": "Đăng nhập bằng {provider}",
    "Logged out": "Đã đăng xuất",
    "You are logged out of e-Cabinet.": "Bạn đã đăng xuất khỏi hệ thống e-Cabinet.",
    "You may still be signed in at {provider}.": "Bạn có thể vẫn đang đăng nhập tại {provider}.",
    "Also sign out of {provider}": "Đăng xuất khỏi cả {provider}",
    "Single sign-on: the provider's stable subject (sub), never an e-mail address.": "Đăng nhập một lần: định danh cố định (sub) của nhà cung cấp, không bao giờ là địa chỉ thư điện tử.",
    "Linked identities": "Danh tính liên kết",
    "Identity provider": "Nhà cung cấp định danh",
    "Subject (sub)": "Định danh (sub)",
    "Link": "Liên kết",
    "Unlink": "Bỏ liên kết",
    "Last sign-in": "Lần đăng nhập gần nhất",
}

SSO_ERRORS_VI: dict[str, str] = {
    "sso_unknown_provider": "Không có nhà cung cấp định danh này.",
    "sso_provider_unavailable": "Không kết nối được nhà cung cấp định danh. Vui lòng thử lại sau.",
    "sso_issuer_mismatch": "Nhà cung cấp định danh khai báo sai địa chỉ phát hành (issuer).",
    "sso_provider_error": "Nhà cung cấp định danh không cho phép đăng nhập.",
    "sso_state_mismatch": "Phiên đăng nhập này không bắt đầu từ trình duyệt này. Hãy đăng nhập lại.",
    "sso_state_used": "Phiên đăng nhập này đã được dùng. Hãy đăng nhập lại.",
    "sso_state_expired": "Phiên đăng nhập đã quá hạn. Hãy đăng nhập lại.",
    "sso_code_refused": "Nhà cung cấp định danh từ chối mã xác thực (mã đã dùng hoặc không hợp lệ).",
    "sso_invalid_token": "Mã định danh (ID token) không hợp lệ.",
    "sso_bad_signature": "Chữ ký của mã định danh không hợp lệ.",
    "sso_unknown_key": "Mã định danh được ký bằng khoá mà nhà cung cấp không công bố.",
    "sso_algorithm_refused": "Thuật toán ký của mã định danh không được chấp nhận.",
    "sso_wrong_issuer": "Mã định danh do một nhà cung cấp khác phát hành.",
    "sso_wrong_audience": "Mã định danh được cấp cho một ứng dụng khác.",
    "sso_token_expired": "Mã định danh đã hết hạn.",
    "sso_token_not_yet_valid": "Mã định danh chưa có hiệu lực.",
    "sso_wrong_nonce": "Mã định danh không thuộc lần đăng nhập này (nonce).",
    "sso_at_hash": "Mã định danh không khớp với mã truy cập (at_hash).",
    "sso_unknown_subject": "Chưa có tài khoản nào được liên kết với danh tính này. "
    "Hãy đề nghị quản trị viên liên kết tài khoản.",
    "sso_provisioning_misconfigured": "Cơ quan dành cho tài khoản mới từ nhà cung cấp này không tồn tại.",
    "sso_provisioning_race": "Danh tính này đang được liên kết cùng lúc. Hãy đăng nhập lại.",
    "sso_subject_taken": "Danh tính này đã được liên kết với một tài khoản khác.",
    "sso_link_not_found": "Không tìm thấy liên kết.",
    "account_disabled": "Tài khoản đã bị khoá.",
}
