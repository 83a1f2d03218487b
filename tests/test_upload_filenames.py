"""File names from the outside are hostile: every upload path sanitises them the same way
(``ecabinet/files/names.py``), and every download names the file with RFC 6266
(``filename*=UTF-8''…`` and an ASCII fallback). A refused upload leaves nothing on disk.

The bodies are written byte by byte, so the multipart header is exactly what an attacker sends
(a client library would escape it first).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from aiohttp.test_utils import TestClient

from ecabinet.clock import FrozenClock
from ecabinet.files.names import MAX_NAME, clean_filename, content_disposition
from tests.signing.conftest import settings

from .conftest import World, api_login, bearer
from .documents.helpers import setup_meetings
from .documents.pdfs import make_pdf
from .tasks.helpers import ended_meeting, grow, plan, publish_with_tasks
from .tasks.test_progress import png
from .test_ballot_documents import send_ballot

__all__ = ["settings"]

STEM = "Tờ trình Chính phủ về dự thảo Nghị định Đề án số 15"
VIETNAMESE = f"{STEM}.pdf"
REFUSED = "refused: the part's header cannot be parsed"
LONG_VI = "Báo cáo tổng hợp ý kiến " * 13 + ".pdf"  # 300+ characters

# The parameters after 'form-data; name="file"; ' as they arrive, and what a stored name must
# then be (None: only the general rules; a string: exactly that, before the extension;
# REFUSED: a header that cannot be parsed, a 400 and nothing kept).
NAMES: dict[str, tuple[bytes, str | None]] = {
    "quotes, raw": (b'filename="a"; filename=evil.exe; x=".pdf"', REFUSED),
    "quotes, escaped": (b'filename="a\\"; filename=evil.exe; x=\\".pdf"', REFUSED),
    "quotes, browser": (b'filename="a%22; filename=evil.exe; x=%22.pdf"', REFUSED),
    "quotes, RFC 5987": (
        b"filename*=UTF-8''a%22%3B%20filename%3Devil.exe%3B%20x%3D%22.pdf",
        'a"; filename=evil.exe; x="',
    ),
    "crlf, raw": (b'filename="bao\r\ncao.pdf"', REFUSED),
    "crlf, encoded": (b"filename*=UTF-8''bao%0D%0ASet-Cookie%3A%20x%3Dy%0D%0A.pdf", None),
    "slashes": (b'filename="../../etc/passwd.pdf"', None),
    "backslashes": (b'filename="..\\\\..\\\\windows\\\\system32\\\\evil.pdf"', None),
    "nul, raw": (b'filename="nul\x00byte.pdf"', REFUSED),
    "nul, encoded": (b"filename*=UTF-8''nul%00byte.pdf", None),
    "300 characters": (b'filename="' + b"a" * 300 + b'.pdf"', None),
    "300 Vietnamese": (b'filename="' + LONG_VI.encode() + b'"', None),
    "Vietnamese, raw UTF-8": (b'filename="' + VIETNAMESE.encode() + b'"', STEM),
    "Vietnamese, RFC 5987": (b"filename*=UTF-8''" + quote(VIETNAMESE).encode(), STEM),
    "decomposed Vietnamese": (
        b'filename="' + unicodedata.normalize("NFD", VIETNAMESE).encode() + b'"',
        STEM,
    ),
    "bidi override": (b'filename="\xe2\x80\xaeexe.pdf"', None),
    "only dots": (b'filename="...."', None),
}

BOUNDARY = "----ecabinet-test-boundary"
DISPOSITION = re.compile(
    r"(attachment|inline); filename=\"([A-Za-z0-9._ ()-]+)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)"
)


def multipart(file_params: bytes, data: bytes, content_type: str, **fields: str) -> bytes:
    body = b""
    for name, value in fields.items():
        body += (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    body += (
        f"--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; '
        + file_params
        + f"\r\nContent-Type: {content_type}\r\n\r\n".encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body


def check_stored_name(name: str, expected: str | None) -> None:
    assert name == unicodedata.normalize("NFC", name)
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name), repr(name)
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert 0 < len(name) <= MAX_NAME
    if expected is not None:
        assert name.rsplit(".", 1)[0] == expected


def check_disposition(header: str, stored: str) -> None:
    match = DISPOSITION.fullmatch(header)
    assert match, header
    assert unquote(match[3]) == stored
    assert match[2].isascii() and match[2].strip()


Upload = Callable[[bytes], Awaitable[tuple[int, dict]]]
Download = Callable[[dict], Awaitable[tuple[str, str]]]


async def walk(world: World, upload: Upload, download: Download) -> None:
    blobs = world.svc.files.blobs
    for label, (params, expected) in NAMES.items():
        before = sorted(p for p in blobs.blobs.rglob("*") if p.is_file())
        status, body = await upload(params)
        assert not list(blobs.staging_dir.glob("*")), label
        if expected == REFUSED:
            assert (status, body["error"]["code"]) == (400, "malformed_multipart"), label
            assert sorted(p for p in blobs.blobs.rglob("*") if p.is_file()) == before, label
            continue
        assert status == 201, (label, status, body)
        header, stored = await download(body)
        check_stored_name(stored, expected)
        check_disposition(header, stored)


async def send(client: TestClient, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    resp = await client.post(
        path,
        data=body,
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    return resp.status, await resp.json()


async def test_document_uploads_and_versions(client: TestClient, world: World) -> None:
    s = await setup_meetings(client, world)
    secretary = s.h("thuky")
    n = 0

    async def upload(params: bytes) -> tuple[int, dict]:
        nonlocal n
        n += 1
        body = multipart(params, make_pdf(f"Tài liệu {n}"), "application/pdf", title=f"T{n}")
        return await send(client, f"/api/meetings/{s.meeting_a}/documents", body, secretary)

    async def download(created: dict) -> tuple[str, str]:
        doc = await (await client.get(f"/api/documents/{created['id']}", headers=secretary)).json()
        resp = await client.get(f"/api/documents/{created['id']}/content", headers=secretary)
        assert resp.status == 200
        return resp.headers["Content-Disposition"], doc["versions"][-1]["filename"]

    await walk(world, upload, download)
    document = (await (await s.upload(s.meeting_a)).json())["id"]

    async def new_version(params: bytes) -> tuple[int, dict]:
        nonlocal n
        n += 1
        body = multipart(params, make_pdf(f"Bản {n}"), "application/pdf")
        return await send(client, f"/api/documents/{document}/versions", body, secretary)

    await walk(world, new_version, download)


async def test_ballot_attachments(client: TestClient, world: World) -> None:
    ballot_id, _, secretary = await send_ballot(client, world)
    n = 0

    async def upload(params: bytes) -> tuple[int, dict]:
        nonlocal n
        n += 1
        body = multipart(params, make_pdf(f"Dự thảo {n}"), "application/pdf", title=f"T{n}")
        return await send(client, f"/api/ballots/{ballot_id}/documents", body, secretary)

    async def download(created: dict) -> tuple[str, str]:
        doc = await (await client.get(f"/api/documents/{created['id']}", headers=secretary)).json()
        resp = await client.get(f"/api/documents/{created['id']}/content", headers=secretary)
        assert resp.status == 200
        return resp.headers["Content-Disposition"], doc["versions"][-1]["filename"]

    await walk(world, upload, download)


async def test_task_progress_attachments(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    deadline = clock.now() + timedelta(days=10)
    notice = await publish_with_tasks(world, s, [[plan("Hoàn thiện", orgs.ministry, deadline)]])
    task_id = notice.conclusions[0].tasks[0].id
    member = bearer(await api_login(client, "botruong"))
    n = 0

    async def upload(params: bytes) -> tuple[int, dict]:
        nonlocal n
        n += 1
        body = multipart(params, png(), "image/png", note=f"Báo cáo {n}", percent=str(n))
        return await send(client, f"/api/tasks/{task_id}/progress", body, member)

    async def download(task: dict) -> tuple[str, str]:
        attachment = task["progress"][-1]["attachments"][0]
        resp = await client.get(
            f"/api/tasks/{task_id}/attachments/{attachment['id']}", headers=member
        )
        assert resp.status == 200
        return resp.headers["Content-Disposition"], attachment["filename"]

    await walk(world, upload, download)


@pytest.mark.parametrize(
    ("raw", "extension", "expected"),
    [
        ("..\\..\\Tờ trình\r\n.PDF", ".pdf", "Tờ trình.pdf"),
        ("/etc/passwd", ".pdf", "passwd.pdf"),
        ("...", ".pdf", "file.pdf"),
        ("bao-cao.docx", ".pdf", "bao-cao.pdf"),  # the content decides the type
        ("Nghị định 15.2024", ".pdf", "Nghị định 15.2024.pdf"),
        ('a"; filename=evil.exe; x=".pdf', ".pdf", 'a"; filename=evil.exe; x=".pdf'),
        ("nul\x00byte\u202e.pdf", ".pdf", "nulbyte.pdf"),
        ("  lots \t of\u00a0  space .pdf", ".pdf", "lots of space.pdf"),
    ],
)
def test_clean_filename(raw: str, extension: str, expected: str) -> None:
    assert clean_filename(raw, extension) == expected


def test_long_names_are_cut_to_the_limit_keeping_the_extension() -> None:
    name = clean_filename("ả" * 500 + ".pdf", ".pdf")
    assert len(name) == MAX_NAME and name.endswith("ả.pdf")


def test_content_disposition_is_rfc_6266_with_an_ascii_fallback() -> None:
    header = content_disposition('Tờ trình Đề án "mới"; x=1.pdf')
    assert header == (
        'attachment; filename="To trinh De an _moi__ x_1.pdf"; '
        "filename*=UTF-8''T%E1%BB%9D%20tr%C3%ACnh%20%C4%90%E1%BB%81%20%C3%A1n%20%22m%E1%BB%9Bi%22"
        "%3B%20x%3D1.pdf"
    )
    assert content_disposition("a\r\nb.pdf", inline=True).startswith('inline; filename="a b.pdf"')
