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
    # the vote dialog (vote_dialog.js) in the room and the reader
    "Later (Esc)": "Để sau (Esc)",
    "Vote now": "Biểu quyết ngay",
    "The vote has closed.": "Đã kết thúc biểu quyết.",
    "Close": "Đóng",
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
