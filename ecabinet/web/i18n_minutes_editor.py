"""Vietnamese for the structured minutes editor (issue 21, item 12)."""

from __future__ import annotations

MINUTES_EDITOR_VI: dict[str, str] = {
    "Opening": "Phần mở đầu",
    "Edit the raw text": "Sửa văn bản gốc",
    "Edit by section": "Sửa theo từng mục",
}
