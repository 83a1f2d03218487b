"""Backup and restore of one installation: the database, the document store and the secret key.

A backup is a directory::

    manifest.json          format, time, database kind, and the SHA-256 and size of every file
    database.sqlite3       SQLite: a consistent copy made with the online backup API
    database.pgdump        PostgreSQL: ``pg_dump --format=custom`` (restored with pg_restore)
    files/secret_key       the server secret (signs sessions; derives the keys of signer keys)
    files/documents/...    the document store (blobs and derived caches; not unfinished uploads)

The platform CA and the signer credentials live in the database (their private keys encrypted
under ``ECABINET_CA_PASSPHRASE``); the passphrase itself is *not* in the backup — keep it apart
(docs/deploy.md). The database is copied first and the files after: blobs are immutable and
content-addressed, so every blob the copied database names is already on disk when it is copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from .config import SECRET_KEY_FILE, Settings

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES = "files"
SKIPPED_DIRS = {"staging"}  # uploads being received: never part of a backup
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    database: str
    files: int
    bytes: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes into PGPASSWORD, not the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        hint = "apt-get install postgresql-client"
        raise BackupError(f"{args[0]} is not installed ({hint})") from exc
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{args[0]} failed: {message[-1] if message else done.returncode}")


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root / "documents" or Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        for name in sorted(filenames):
            yield Path(dirpath) / name


def backup(settings: Settings, dest: Path) -> BackupSummary:
    """Write a backup of ``settings``' installation into ``dest`` (new or empty)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty directory")
    dest.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        kind, db_file = "sqlite", SQLITE_FILE
        source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
        target = sqlite3.connect(dest / db_file)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        kind, db_file = "postgresql", PG_FILE
        conninfo, env = _libpq(url)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file",
             str(dest / db_file), "--dbname", conninfo],
            env,
        )  # fmt: skip
    files_root = dest / FILES
    copied = [db_file]
    secret = settings.data_dir / SECRET_KEY_FILE
    if secret.exists():
        files_root.mkdir()
        shutil.copy2(secret, files_root / SECRET_KEY_FILE)
        os.chmod(files_root / SECRET_KEY_FILE, 0o600)
        copied.append(f"{FILES}/{SECRET_KEY_FILE}")
    documents = settings.data_dir / "documents"
    if documents.is_dir():
        for path in _walk(documents):
            relative = path.relative_to(settings.data_dir)
            target_path = files_root / relative
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target_path)
            copied.append(f"{FILES}/{relative.as_posix()}")
    entries = {}
    for name in copied:
        path = dest / name
        entries[name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"kind": kind, "file": db_file},
        "files": entries,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    total = sum(int(e["size"]) for e in entries.values())
    return BackupSummary(dest, kind, len(entries), total)


def read_manifest(src: Path) -> dict[str, Any]:
    """Load the manifest and check that every file it lists is there with its SHA-256."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{src} has no {MANIFEST}: not a backup") from exc
    except ValueError as exc:
        raise BackupError(f"{src / MANIFEST} is not valid JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src / MANIFEST} is not a backup manifest of format {FORMAT}")
    database, files = manifest.get("database"), manifest.get("files")
    if not isinstance(database, dict) or database.get("kind") not in ("sqlite", "postgresql"):
        raise BackupError(f"{src / MANIFEST} names no database")
    if not isinstance(files, dict) or database.get("file") not in files:
        raise BackupError(f"{src / MANIFEST} does not list the database file")
    for name, entry in files.items():
        path = src / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise BackupError(f"the manifest names a path outside the backup: {name}")
        if not path.is_file():
            raise BackupError(f"{name} is listed in the manifest but missing")
        if path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest")
    return manifest


def _data_dir_in_use(data_dir: Path) -> bool:
    return data_dir.is_dir() and any(data_dir.iterdir())


def restore(settings: Settings, src: Path, *, force: bool = False) -> BackupSummary:
    """Restore ``src`` into ``settings``' data dir and database (refuses to overwrite without
    ``force``). The server must be stopped."""
    manifest = read_manifest(src)
    database = manifest["database"]
    url = make_url(settings.resolved_database_url)
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    if database["kind"] != kind:
        raise BackupError(f"the backup holds a {database['kind']} database; this is {kind}")
    if _data_dir_in_use(settings.data_dir) and not force:
        raise BackupError(f"{settings.data_dir} is not empty; pass --force to overwrite it")
    if kind == "postgresql":
        conninfo, env = _libpq(url)
        if not force and _pg_has_tables(conninfo, env):
            raise BackupError("the PostgreSQL database is not empty; pass --force to overwrite it")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if force:
        shutil.rmtree(settings.data_dir / "documents", ignore_errors=True)
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copyfile(src / SQLITE_FILE, partial)
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(partial, target)
    else:
        args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        if force:
            args += ["--clean", "--if-exists"]
        _run([*args, "--single-transaction", "--dbname", conninfo, str(src / PG_FILE)], env)
    files = manifest["files"]
    restored = 0
    for name in files:
        if not name.startswith(f"{FILES}/"):
            continue
        relative = Path(name).relative_to(FILES)
        target_path = settings.data_dir / relative
        target_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, target_path)
        if relative.as_posix() == SECRET_KEY_FILE:
            os.chmod(target_path, 0o600)
        elif relative.parts[:2] == ("documents", "blobs"):
            os.chmod(target_path, 0o440)  # as the blob store leaves them
        restored += 1
    total = sum(int(e["size"]) for e in files.values())
    return BackupSummary(src, kind, len(files), total)


def _pg_has_tables(conninfo: str, env: dict[str, str]) -> bool:
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    done = subprocess.run(  # noqa: S603
        ["psql", "--no-psqlrc", "--tuples-only", "--no-align", "--dbname", conninfo, "-c", query],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"psql failed: {done.stderr.strip()}")
    return int(done.stdout.strip() or 0) > 0
