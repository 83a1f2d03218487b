"""``run.py backup`` / ``restore``: a round trip into an empty data dir (and, on PostgreSQL, a
second database) finds every meeting, every document byte for byte and every signature valid;
a backup whose bytes changed, or a non-empty target, is refused."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ecabinet.app import build_services, create_app
from ecabinet.backup import BackupError, backup, restore
from ecabinet.config import SECRET_KEY_FILE, Settings
from ecabinet.models import DocumentVersion, Meeting, SigningDocument
from ecabinet.services import pki, signing, verification
from ecabinet.services.audit import verify_chain
from tests.conftest import api_login, bearer
from tests.documents.helpers import setup_meetings
from tests.documents.pdfs import make_pdf
from tests.signing.test_signing_service import actor_for

ROOT = Path(__file__).resolve().parents[2]
CA_PASSPHRASE = "cụm mật khẩu của CA cho thử sao lưu"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """No secret in the environment: the server generates one into the data dir, which the
    backup must carry (sessions, tokens and signer keys depend on it)."""
    return Settings(data_dir=tmp_path / "var", database_url=db_url, ca_passphrase=CA_PASSPHRASE)


@pytest.fixture
async def restore_target(db_url: str, tmp_path: Path):
    """Where the restore goes: an empty data dir, and a new SQLite file or a new PostgreSQL
    database created (and dropped) here."""
    data_dir = tmp_path / "restored"
    if not db_url.startswith("postgresql"):
        yield data_dir, ""
        return
    name = f"ecab_restore_{secrets.token_hex(4)}"
    admin = create_async_engine(
        make_url(db_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield data_dir, make_url(db_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def fill(client, world, svc):
    """Two meetings with documents (two versions of one) and a PDF signed by two signers."""
    setup = await setup_meetings(client, world)
    first = await setup.document(setup.meeting_a, title="Tờ trình A")
    await setup.document(setup.meeting_b, title="Báo cáo B")
    form_pdf = make_pdf("Phiên bản hai", pages=3)
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("file", form_pdf, filename="v2.pdf", content_type="application/pdf")
    resp = await client.post(
        f"/api/documents/{first}/versions", data=form, headers=setup.h("thuky")
    )
    assert resp.status in (200, 201), await resp.text()
    for name in ("botruong", "thuky"):
        await pki.issue_certificate(svc, None, world[name].id)
    doc = await signing.prepare(
        svc,
        actor_for(world, "thuky"),
        signing.DocumentRequest(
            subject_type="meeting",
            subject_id=str(setup.meeting_a),
            title="Biên bản phiên họp A",
            paragraphs=["Thông qua Nghị quyết."],
            signer_ids=[world["botruong"].id, world["thuky"].id],
        ),
    )
    await signing.sign_next(svc, actor_for(world, "botruong"), doc.id)
    await signing.sign_next(svc, actor_for(world, "thuky"), doc.id)


async def snapshot(svc) -> dict[str, object]:
    async with svc.db.reading() as session:
        meetings = sorted(
            (m.id, m.title, m.starts_at) for m in await session.scalars(select(Meeting))
        )
        versions = list(await session.scalars(select(DocumentVersion)))
        blobs = {v.sha256: svc.files.blobs.read_bytes(v.sha256) for v in versions}
        signed = {d.id: d.pdf for d in await session.scalars(select(SigningDocument))}
        chain = await verify_chain(session)
    return {
        "meetings": meetings,
        "versions": sorted((v.id, v.document_id, v.number, v.sha256) for v in versions),
        "blobs": blobs,
        "signed": signed,
        "audit_length": chain.length,
        "audit_intact": chain.intact,
    }


async def test_a_backup_restores_into_an_empty_data_dir_with_everything_intact(
    client, world, svc, settings, clock, tmp_path, restore_target, aiohttp_client
):
    await fill(client, world, svc)
    before = await snapshot(svc)
    assert len(before["meetings"]) == 2 and len(before["blobs"]) == 3 and len(before["signed"]) == 1
    for sha, data in before["blobs"].items():
        assert hashlib.sha256(data).hexdigest() == sha

    summary = await asyncio.to_thread(backup, settings, tmp_path / "backup")
    assert summary.database == ("sqlite" if svc.db.is_sqlite else "postgresql")

    data_dir, pg_url = restore_target
    target = Settings(data_dir=data_dir, database_url=pg_url, ca_passphrase=CA_PASSPHRASE)
    await asyncio.to_thread(restore, target, tmp_path / "backup")
    assert (data_dir / SECRET_KEY_FILE).read_bytes() == (
        settings.data_dir / SECRET_KEY_FILE
    ).read_bytes()
    assert (data_dir / SECRET_KEY_FILE).stat().st_mode & 0o777 == 0o600

    restored = build_services(target, clock)
    try:
        after = await snapshot(restored)
        assert after == before
        assert after["audit_intact"]
        (pdf,) = after["signed"].values()
        report = await verification.verify(restored, pdf)  # trusts the restored platform CA
        assert report.all_valid
        assert [s.signer for s in report.signatures] == ["Botruong", "Thuky"]
    finally:
        await restored.db.close()

    # The restored server works: the same passwords log in, the documents are served.
    served = await aiohttp_client(create_app(target, clock=clock))
    tokens = await api_login(served, "thuky")
    listing = await served.get("/api/meetings", headers=bearer(tokens))
    assert listing.status == 200
    titles = sorted(m["title"] for m in await listing.json())
    assert titles == ["Phiên họp A", "Phiên họp B"]


async def test_a_changed_byte_in_the_backup_is_refused(client, world, svc, settings, tmp_path):
    await fill(client, world, svc)
    await asyncio.to_thread(backup, settings, tmp_path / "backup")
    blob = next(p for p in (tmp_path / "backup" / "files" / "documents").rglob("*") if p.is_file())
    blob.chmod(0o640)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 1
    blob.write_bytes(bytes(data))
    target = replace(settings, data_dir=tmp_path / "restored", database_url="")
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        await asyncio.to_thread(restore, target, tmp_path / "backup")
    assert not (tmp_path / "restored").exists()


async def test_restore_refuses_a_data_dir_in_use_unless_forced(svc, settings, tmp_path):
    await asyncio.to_thread(backup, settings, tmp_path / "backup")
    with pytest.raises(BackupError, match="is not empty; pass --force"):
        await asyncio.to_thread(restore, settings, tmp_path / "backup")
    with pytest.raises(BackupError, match="exists and is not an empty directory"):
        await asyncio.to_thread(backup, settings, tmp_path / "backup")


def test_the_command_line_backs_up_and_restores_sqlite(tmp_path):
    env = {"ECABINET_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}

    def run(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
        environ = {**env, "ECABINET_DATA_DIR": str(data_dir or tmp_path / "var")}
        return subprocess.run(
            [sys.executable, "run.py", *args],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("migrate").returncode == 0
    assert run("seed-demo").returncode == 0
    done = run("backup", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    assert "manifest.json" in done.stdout
    restored = tmp_path / "r"
    done = run("restore", str(tmp_path / "b"), data_dir=restored)
    assert done.returncode == 0, done.stderr
    again = run("restore", str(tmp_path / "b"), data_dir=restored)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: {restored} is not empty; pass --force to overwrite it"
    assert run("restore", "--force", str(tmp_path / "b"), data_dir=restored).returncode == 0
    assert run("audit", "verify", data_dir=restored).returncode == 0
