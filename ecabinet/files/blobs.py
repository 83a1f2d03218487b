"""A content-addressed blob store: every file is kept once, under the SHA-256 of its bytes.

Layout under the root (``<data dir>/documents``)::

    blobs/ab/cd/abcd…ef        the file whose SHA-256 is abcd…ef (read-only, 0o440)
    staging/<random>.part      uploads being received; renamed into blobs/ when accepted
    derived/…                  caches built from blobs (watermarked copies, board books)

Writes are atomic: bytes go to a staging file, which is fsynced and then renamed into place
(rename is atomic within one file system), so a reader never sees a half-written blob and a
crash leaves at most a stray staging file. A file is never written in one piece from memory;
callers feed it chunk by chunk.

With a :class:`~.sealing.Sealer` (always, in the server) a blob is stored sealed (AES-256-GCM in
64 KiB segments, see ``sealing.py``) under the SHA-256 of its plaintext; blobs written before
sealing existed are plaintext and read as they are. Read blobs with :meth:`BlobStore.read_range`
or :meth:`BlobStore.plaintext`, never by opening ``path_of`` directly.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .sealing import Sealer, is_sealed, plain_file_range, read_digest

_HEX64 = re.compile(r"[0-9a-f]{64}")


class BlobTooLarge(Exception):
    """The bytes fed to a staged blob passed its size limit; the staging file is gone."""


@dataclass(frozen=True, slots=True)
class BlobRef:
    sha256: str
    size: int

    def __post_init__(self) -> None:
        if not _HEX64.fullmatch(self.sha256):
            raise ValueError("a blob is named by 64 lowercase hex digits")


class StagedBlob:
    """A file being received. Feed it with :meth:`write`; :meth:`discard` removes it.

    Used as an async context manager it is discarded on leaving unless :meth:`BlobStore.commit`
    has moved it into the store — so an error anywhere leaves nothing on disk.
    """

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._fh = open(path, "xb")  # closed in finish() or discard()
        self.committed = False

    async def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.limit:
            self.discard()
            raise BlobTooLarge(f"more than {self.limit} bytes")
        self.size += len(chunk)
        self._hash.update(chunk)
        await asyncio.to_thread(self._fh.write, chunk)

    async def finish(self) -> BlobRef:
        """Flush and fsync; after this the staged file is complete and can be inspected."""
        if not self._fh.closed:
            await asyncio.to_thread(self._sync_and_close)
        return BlobRef(self._hash.hexdigest(), self.size)

    def _sync_and_close(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def discard(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.path.unlink(missing_ok=True)

    async def __aenter__(self) -> StagedBlob:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            self.discard()


class BlobStore:
    def __init__(self, root: Path, sealer: Sealer | None = None) -> None:
        self.root = root
        self.sealer = sealer
        self.blobs = root / "blobs"
        self.staging_dir = root / "staging"
        self.derived = root / "derived"

    def ensure_dirs(self) -> None:
        for directory in (self.blobs, self.staging_dir, self.derived):
            directory.mkdir(parents=True, exist_ok=True, mode=0o750)

    def stage(self, limit: int) -> StagedBlob:
        self.ensure_dirs()
        return StagedBlob(self.staging_dir / f"{secrets.token_hex(16)}.part", limit)

    def path_of(self, sha256: str) -> Path:
        if not _HEX64.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.blobs / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    async def commit(self, staged: StagedBlob) -> tuple[BlobRef, bool]:
        """Move a finished staged file into the store; returns (ref, newly_stored).

        If the same content is already stored, the staged copy is simply dropped.
        """
        ref = await staged.finish()
        target = self.path_of(ref.sha256)
        staged.committed = True
        if target.exists():
            staged.discard()
            return ref, False
        await asyncio.to_thread(self._store, staged.path, target, ref.sha256)
        return ref, True

    async def adopt(self, source: Path) -> BlobRef:
        """Move a finished file (e.g. a freshly built PDF) into the store without copying it."""
        return await asyncio.to_thread(self._adopt, source)

    def _adopt(self, source: Path) -> BlobRef:
        ref = _hash_file(source)
        target = self.path_of(ref.sha256)
        if target.exists():
            source.unlink(missing_ok=True)
        else:
            self._store(source, target, ref.sha256)
        return ref

    def _store(self, source: Path, target: Path, sha256: str) -> None:
        """Move a finished plaintext file into place, sealing it first when there is a sealer."""
        if self.sealer is None:
            _move_into_place(source, target)
            return
        sealed = source.with_name(f".{source.name}.{secrets.token_hex(6)}.sealed.part")
        try:
            self.sealer.seal_file(source, sealed, sha256)
            _move_into_place(sealed, target)
        finally:
            sealed.unlink(missing_ok=True)
            source.unlink(missing_ok=True)

    def seal_into(self, source: Path, target: Path) -> None:
        """Atomically write the plaintext file ``source`` sealed at ``target`` (a derived cache
        such as a watermarked copy) and remove ``source`` (blocking)."""
        try:
            if self.sealer is None:
                write_atomically(target, lambda tmp: os.replace(source, tmp))
            else:
                sealer = self.sealer
                write_atomically(target, lambda tmp: sealer.seal_file(source, tmp))
        finally:
            source.unlink(missing_ok=True)

    # -- reading ----------------------------------------------------------------------------

    def size(self, path: Path) -> int:
        """The plaintext size of a stored file (blob or derived copy), sealed or not."""
        if self.sealer is None:
            return path.stat().st_size
        return self.sealer.size(path)

    def describe(self, path: Path) -> tuple[int, str]:
        """(plaintext size, a stable content tag) of a stored file, without decrypting it: the
        plaintext SHA-256 of a sealed file or a plaintext blob, else mtime and size."""
        digest = read_digest(path)
        if digest is not None:
            return digest
        stat = path.stat()
        if _HEX64.fullmatch(path.name) and path.is_relative_to(self.blobs):
            return stat.st_size, path.name
        return stat.st_size, f"{stat.st_mtime_ns:x}-{stat.st_size:x}"

    def read_range(self, path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Plaintext bytes [start, end) of a stored file (blocking; raises ``SealError``)."""
        if self.sealer is None:
            if is_sealed(path):
                raise ValueError("a sealed file needs a sealer to be read")
            return plain_file_range(path, start, end)
        return self.sealer.read_range(path, start, end)

    def read_bytes(self, sha256: str) -> bytes:
        """The whole plaintext of a blob (small files only: tests, signed minutes)."""
        return b"".join(self.read_range(self.path_of(sha256)))

    @asynccontextmanager
    async def plaintext(self, path: Path) -> AsyncIterator[Path]:
        """A path holding the plaintext of a stored file, for tools that need one (pikepdf,
        pyHanko, the watermark and board book workers): the file itself when it is plaintext,
        else a private temporary copy (0600, in staging/) removed on leaving."""
        if not await asyncio.to_thread(is_sealed, path):
            yield path
            return
        assert self.sealer is not None
        self.ensure_dirs()
        temp = self.staging_dir / f"{secrets.token_hex(16)}.plain.part"
        try:
            await asyncio.to_thread(self.sealer.write_plain, path, temp)
            yield temp
        finally:
            temp.unlink(missing_ok=True)

    def sweep_staging(self, older_than_seconds: float, now: float) -> int:
        """Delete staging files a crashed process left behind (blocking; run at start-up)."""
        removed = 0
        if not self.staging_dir.is_dir():
            return 0
        for path in self.staging_dir.glob("*.part"):
            try:
                if now - path.stat().st_mtime > older_than_seconds:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def remove(self, sha256: str) -> None:
        """Forget a blob (only for one that was stored by a transaction that then failed)."""
        self.path_of(sha256).unlink(missing_ok=True)


def _hash_file(path: Path) -> BlobRef:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(fh.fileno())
    return BlobRef(digest.hexdigest(), size)


def _move_into_place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    os.chmod(source, 0o440)
    os.replace(source, target)
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(path)`` on a temp file next to ``target``, fsync it, then rename it in place."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    try:
        write(tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
