"""Annotation bodies and calls for the annotation tests."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from ..documents.helpers import Setup


def highlight(quote: str = "Tài liệu mẫu", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "highlight",
        "page": 1,
        "rects": [[0.1, 0.1, 0.3, 0.02]],
        "quote": quote,
        **extra,
    }


def note(body: str = "Cần làm rõ số liệu", **extra: Any) -> dict[str, Any]:
    return {"kind": "note", "page": 1, "point": [0.5, 0.5], "body": body, **extra}


def ink(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "ink",
        "page": 2,
        "strokes": [[[0.1, 0.1], [0.2, 0.15], [0.3, 0.1]], [[0.5, 0.5], [0.6, 0.6]]],
        **extra,
    }


async def annotate(s: Setup, document_id: int, user: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await s.client.post(
        f"/api/documents/{document_id}/annotations", json=body, headers=s.h(user)
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def listed(s: Setup, document_id: int, user: str) -> list[dict[str, Any]]:
    resp = await s.client.get(f"/api/documents/{document_id}/annotations", headers=s.h(user))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def patch(s: Setup, annotation_id: int, user: str, body: dict[str, Any]) -> Any:
    return await s.client.patch(f"/api/annotations/{annotation_id}", json=body, headers=s.h(user))


def annotations_of(data: bytes) -> list[tuple[int, str, str, str]]:
    reader = PdfReader(io.BytesIO(data))
    found = []
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots") or []:
            a = ref.get_object()
            found.append((number, str(a["/Subtype"]), str(a.get("/Contents", "")), str(a["/T"])))
    return found
