"""The minutes' text format, its PDF paragraphs and the difference between two versions.

The text is plain lines with a small Markdown-like markup that reads well in a textarea and
prints well in DejaVu Sans (every Vietnamese diacritic): ``## `` starts a section, ``### `` a
sub-section, ``- `` a list entry; a blank line separates paragraphs. Sections are what a
reviewer's comment may be anchored to.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

SECTION, SUBSECTION, BULLET = "## ", "### ", "- "


@dataclass(frozen=True)
class Block:
    kind: str  # "section", "subsection", "bullet", "text"
    text: str


def blocks(content: str) -> list[Block]:
    """The text as headings, list entries and paragraphs (consecutive plain lines join)."""
    result: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            result.append(Block("text", " ".join(lines)))
            lines.clear()

    for raw in content.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith(SECTION):
            flush()
            result.append(Block("section", line[len(SECTION) :].strip()))
        elif line.startswith(SUBSECTION):
            flush()
            result.append(Block("subsection", line[len(SUBSECTION) :].strip()))
        elif line.startswith(BULLET):
            flush()
            result.append(Block("bullet", line[len(BULLET) :].strip()))
        else:
            lines.append(line)
    flush()
    return result


def sections(content: str) -> list[str]:
    """The headings a comment can be anchored to, in order."""
    return [b.text for b in blocks(content) if b.kind in ("section", "subsection")]


def paragraphs(content: str) -> list[str]:
    """Paragraphs for :func:`pdf_render.render` (headings keep its ``## ``/``### `` markers)."""
    out = []
    for block in blocks(content):
        if block.kind == "section":
            out.append(f"## {block.text}")
        elif block.kind == "subsection":
            out.append(f"### {block.text}")
        elif block.kind == "bullet":
            out.append(f"• {block.text}")
        else:
            out.append(block.text)
    return out


def content_hash(title: str, content: str) -> str:
    """SHA-256 over the title and the text (what a version's integrity is checked against)."""
    return hashlib.sha256(f"{title}\n\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class Diff:
    from_number: int
    to_number: int
    unified: list[str]
    added: int
    removed: int


def diff(from_number: int, old: str, to_number: int, new: str) -> Diff:
    a, b = old.splitlines(), new.splitlines()
    unified = list(difflib.unified_diff(a, b, f"v{from_number}", f"v{to_number}", lineterm="", n=2))
    body = unified[2:]
    return Diff(
        from_number,
        to_number,
        unified,
        sum(1 for line in body if line.startswith("+")),
        sum(1 for line in body if line.startswith("-")),
    )


@dataclass(frozen=True)
class Row:
    """One row of a side-by-side comparison (``gap`` rows separate the shown groups)."""

    kind: str  # "equal", "replace", "delete", "insert", "gap"
    old_number: int | None = None
    old: str = ""
    new_number: int | None = None
    new: str = ""


def side_by_side(old: str, new: str, context: int = 2) -> list[Row]:
    """The changed lines with ``context`` lines around them, old on the left, new on the right
    (difflib's matching; the page escapes the text and lets long lines wrap)."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(Row("gap"))
        for tag, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                left = i < i2 and tag != "insert"
                right = j < j2 and tag != "delete"
                rows.append(
                    Row(
                        tag,
                        i + 1 if left else None,
                        a[i] if left else "",
                        j + 1 if right else None,
                        b[j] if right else "",
                    )
                )
    return rows
