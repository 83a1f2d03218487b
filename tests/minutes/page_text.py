"""What a page says, for the language checks: its visible text (and the labels assistive
technology reads), without scripts, styles or JSON blocks; raw keys and English in Vietnamese."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ecabinet import models
from ecabinet.web.i18n import VI

SKIP = {"script", "style", "code", "pre"}
SPOKEN = ("aria-label", "title", "placeholder", "alt")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in SPOKEN and value:
                self.nodes.append(value.strip())
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.nodes.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def text_nodes(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


ENUMS = [
    models.MeetingKind,
    models.MeetingMode,
    models.MeetingStatus,
    models.MeetingRole,
    models.Rsvp,
    models.Confidentiality,
    models.Classification,
    models.AttendanceStatus,
    models.MinutesStatus,
    models.AgendaItemStatus,
    models.Role,
    models.OrganizationLevel,
    models.TaskStatus,
    models.BoardBookStatus,
]
RAW_KEYS = {e.value for enum in ENUMS for e in enum} | {
    f"source_{s}" for s in ("correction", "online", "room", "none")
}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
# English sources shown as they are: several words, or one longer word (not a name or acronym)
ENGLISH_SOURCES = {
    k for k, v in VI.items() if v != k and (" " in k or len(k) > 5) and not k.isupper()
}
ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|of|is|are|your|you|with|for|not|this|that|there|has|been|will|yet|no longer)\b",
    re.I,
)
# the brand, and the language switch naming English in English
ALLOWED_VI = {"e-Cabinet", "English", "PDF", "CSV", "MB", "KB", "GB"}


def raw_keys(nodes: list[str]) -> list[str]:
    """Text that is an untranslated key: an enum value on its own, or any snake_case word."""
    found = [n for n in nodes if n.strip(" ·:()") in RAW_KEYS]
    found += [m for n in nodes for m in SNAKE.findall(n)]
    return found


def english_in_vietnamese(nodes: list[str]) -> list[str]:
    nodes = [n for n in nodes if n not in ALLOWED_VI]
    found = [n for n in nodes if n in ENGLISH_SOURCES]
    found += [n for n in nodes if ENGLISH_WORDS.search(n)]
    found += [n for n in nodes if re.search(r"\b0\.0 MB\b|building \d+%", n)]
    return found
