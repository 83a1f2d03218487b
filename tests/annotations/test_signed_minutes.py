"""Signed minutes never receive annotations (pyHanko counts added comments as unsafe changes):
a real PAdES-signed PDF made by the platform, distributed as a meeting document, can be
annotated in the reader, but the annotated copy is refused and the file stays as signed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from ecabinet.config import Settings
from ecabinet.models import DocumentVersion
from ecabinet.services import pki, signing

from ..conftest import TEST_SECRET
from ..documents.helpers import Setup, setup_meetings
from ..signing.test_signing_service import actor_for
from .helpers import annotate, highlight, listed


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        secret_key=TEST_SECRET,
        ca_passphrase="mật khẩu của CA thử nghiệm",
    )


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def test_a_pades_signed_minutes_pdf_is_never_annotated_on_export(s):
    svc, world = s.world.svc, s.world
    await pki.issue_certificate(svc, None, world["botruong"].id)
    prepared = await signing.prepare(
        svc,
        actor_for(world, "thuky"),
        signing.DocumentRequest("meeting", "1", "Biên bản", ["Nội dung."], [world["botruong"].id]),
    )
    await signing.sign_next(svc, actor_for(world, "botruong"), prepared.id)
    signed = (await signing.get_document(svc, actor_for(world, "admin"), prepared.id)).pdf
    resp = await s.upload(s.meeting_a, signed, title="Biên bản đã ký")
    assert resp.status == 201, await resp.text()
    doc = (await resp.json())["id"]
    made = await annotate(s, doc, "daibieu", highlight(quote="Biên bản", body="Đã xem"))
    assert [a["id"] for a in await listed(s, doc, "daibieu")] == [made["id"]]
    resp = await s.client.get(f"/api/documents/{doc}/annotated.pdf", headers=s.h("daibieu"))
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "document_signed"
    async with svc.db.reading() as session:
        version = await session.scalar(
            select(DocumentVersion).where(DocumentVersion.document_id == doc)
        )
    stored = svc.files.blobs.read_bytes(version.sha256)
    assert stored == signed and hashlib.sha256(stored).hexdigest() == version.sha256
