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
    # signing with the key on one's own USB token (static/js/sign_token.js)
    "Your certificate's key is on your own token: the signing agent on this computer signs with it, after you confirm there what is signed.": "Khóa của chứng thư số nằm trong thẻ ký số (USB token) của bạn: phần mềm ký trên máy tính này ký bằng khóa đó sau khi bạn xác nhận tại đó nội dung được ký.",
    "Sign with my token": "Ký bằng thẻ ký số",
    "Sign with my own USB token instead": "Ký bằng thẻ ký số (USB token) của tôi",
    "Plug in your token and start the signing agent on this computer (python -m ecabinet.signer); its certificate must come from a CA this e-Cabinet trusts.": "Cắm thẻ ký số và chạy phần mềm ký trên máy tính này (python -m ecabinet.signer); chứng thư số phải do tổ chức chứng thực mà hệ thống tin cậy cấp.",
    "Use my token's certificate": "Dùng chứng thư số trong thẻ",
    "Preparing the signature…": "Đang chuẩn bị chữ ký…",
    "Confirm on your signing agent: check the meeting, the document and the digest it shows.": "Hãy xác nhận trên phần mềm ký: kiểm tra cuộc họp, văn bản và mã băm hiển thị.",
    "Checking the signature…": "Đang kiểm tra chữ ký…",
    "Signed.": "Đã ký.",
    "The signing agent does not answer on this computer. Start it (python -m ecabinet.signer) with your token plugged in, then try again.": "Phần mềm ký chưa chạy trên máy tính này. Hãy cắm thẻ ký số, chạy phần mềm (python -m ecabinet.signer) rồi thử lại.",
    "You did not confirm on the signing agent; nothing was signed.": "Bạn chưa xác nhận trên phần mềm ký; văn bản chưa được ký.",
    "Your token's certificate is registered: you sign with it from now on.": "Đã đăng ký chứng thư số trong thẻ: từ nay bạn ký bằng thẻ này.",
}

SIGNING_ERRORS_VI: dict[str, str] = {
    "signing_password_wrong": "Mật khẩu không đúng; văn bản chưa được ký.",
    "signing_password_missing": "Hãy nhập mật khẩu để xác nhận việc ký.",
    "signing_throttled": "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau.",
}
