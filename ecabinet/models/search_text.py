"""Text folded for searching: lower case, no diacritics (Vietnamese ``đ`` → ``d``).

People type "tuyen quang" as often as "Tuyên Quang"; SQLite's ``lower()`` also leaves non-ASCII
capitals (``Đ``) alone. So a searchable row keeps a folded copy of its names, and a query is
folded the same way before ``LIKE``.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())
