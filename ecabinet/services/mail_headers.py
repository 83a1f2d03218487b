"""The ``email`` policy every outgoing mail is written with: ``email.policy.SMTP`` (CRLF, RFC
2047 encoded words), with a fold for non-ASCII text headers (Subject) that keeps every space.

CPython's folder (3.11–3.13, ``_refold_parse_tree``) can end an encoded word just before a space
and start the next line with the following word encoded on its own, so the space sits between
two encoded words, where RFC 2047 §6.2 says a decoder drops it: "Phiên họp" arrived as
"Phiênhọp" (issue 20). Here the whole text is cut into base64 encoded words on character
boundaries, each no longer than RFC 2047 allows, every space inside a word, as Gmail and
Outlook write a long Vietnamese subject; decoders join adjacent words without a gap, so the
text comes back exactly. Pure ASCII and structured headers (addresses, dates, MIME
parameters) are folded by the library as before.
"""

from __future__ import annotations

from base64 import b64encode
from email.headerregistry import UnstructuredHeader
from email.policy import SMTP as SMTP_POLICY
from email.policy import EmailPolicy
from typing import Any

MAX_LINE = 78  # RFC 5322 §2.1.1
WORD_OVERHEAD = len("=?utf-8?b??=")
MAX_WORD = 75  # RFC 2047 §2


def encoded_words(text: str, first_room: int) -> list[str]:
    """``text`` as ``=?utf-8?b?…?=`` words, cut between characters; the first fits in
    ``first_room`` columns, the others on continuation lines (one leading space)."""
    words: list[str] = []
    chunk = ""
    room = first_room
    for char in text:
        candidate = chunk + char
        if chunk and _width(candidate) > room:
            words.append(_word(chunk))
            chunk, room = char, min(MAX_LINE - 1, MAX_WORD)
        else:
            chunk = candidate
    if chunk or not words:
        words.append(_word(chunk))
    return words


def _width(chunk: str) -> int:
    return WORD_OVERHEAD + 4 * ((len(chunk.encode()) + 2) // 3)


def _word(chunk: str) -> str:
    return f"=?utf-8?b?{b64encode(chunk.encode()).decode('ascii')}?="


class MailPolicy(EmailPolicy):
    """``email.policy.SMTP`` with a space-preserving fold for non-ASCII unstructured headers."""

    def _encoded(self, name: str, value: Any) -> str | None:
        header = value if hasattr(value, "name") else self.header_factory(name, value)
        text = str(header)
        if self.utf8 or text.isascii() or not isinstance(header, UnstructuredHeader):
            return None
        first_room = min(MAX_LINE - len(name) - 2, MAX_WORD)
        words = encoded_words(text, first_room)
        return f"{name}: " + f"{self.linesep} ".join(words) + self.linesep

    def fold(self, name: str, value: Any) -> str:
        folded = self._encoded(name, value)
        return super().fold(name, value) if folded is None else folded

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._encoded(name, value)
        return super().fold_binary(name, value) if folded is None else folded.encode("ascii")


MAIL_POLICY = MailPolicy(linesep=SMTP_POLICY.linesep)
