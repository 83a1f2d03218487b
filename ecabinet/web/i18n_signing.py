"""Vietnamese for signing out of the box: certificates on the users page, the password that
confirms a signature, and the verifier's words (the rest of the signing text is in ``i18n``)."""

from __future__ import annotations

SIGNING_VI: dict[str, str] = {
    "Signing certificate": "Chứng thư số",
    "Valid until": "Hiệu lực đến",
    "Revoke": "Thu hồi",
    "Issue": "Cấp",
    "Issue a new one": "Cấp lại",
    "A signing certificate was issued.": "Đã cấp chứng thư số.",
    "The signing certificate was revoked.": "Đã thu hồi chứng thư số.",
    "Your password, to confirm the signature": "Mật khẩu của bạn, để xác nhận việc ký",
}

SIGNING_ERRORS_VI: dict[str, str] = {
    "signing_password_wrong": "Mật khẩu không đúng; văn bản chưa được ký.",
    "signing_password_missing": "Hãy nhập mật khẩu để xác nhận việc ký.",
    "signing_throttled": "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau.",
}
