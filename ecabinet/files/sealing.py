"""Documents at rest (SEC-C3): a stored file sealed in 64 KiB segments with AES-256-GCM.

A sealed file is a header then segments::

    magic "ECBLOB" | version 1 | key id (8) | wrap nonce (12) | wrapped data key (32 + 16)
    | nonce prefix (8) | plaintext SHA-256 (32) | plaintext size (8)
    segment 0 … segment n-1: 64 KiB of plaintext each (the last one shorter), + 16-byte tag

Each file has its own random data key, wrapped (AES-GCM, the header before it as associated
data) under the key-encryption key: HKDF-SHA256 of the server secret. The key id names which
secret wrapped it, so after a rotation the previous secrets still open old files until
``run.py blobs-rewrap`` re-wraps them. Segment ``i`` uses nonce = prefix ‖ i (4 bytes) and
associated data = digest ‖ i ‖ final flag, so a segment moved, dropped, swapped with another
file's, or a file cut after a segment boundary fails its tag check. A Range read decrypts only
the segments it touches. Files without the magic are legacy plaintext and read as they are.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"ECBLOB"
VERSION = 1
SEGMENT = 64 * 1024
TAG = 16
_HEAD = struct.Struct(">6sB8s12s48s8s32sQ")
HEADER_SIZE = _HEAD.size
_WRAPPED_AT = 6 + 1 + 8 + 12  # the wrap's associated data is the header up to the wrapped key
_INFO = b"ecabinet documents at rest v1"


class SealError(Exception):
    """A sealed file failed its integrity check, or no known secret opens it."""


def _kek(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return hkdf.derive(secret.encode())


@dataclass(frozen=True, slots=True)
class Header:
    key_id: bytes
    wrap_nonce: bytes
    wrapped: bytes
    prefix: bytes
    digest: bytes
    size: int

    def pack(self) -> bytes:
        return _HEAD.pack(
            MAGIC, VERSION, self.key_id, self.wrap_nonce, self.wrapped, self.prefix,
            self.digest, self.size,
        )  # fmt: skip

    @property
    def segments(self) -> int:
        return max(1, -(-self.size // SEGMENT))

    def wrap_aad(self) -> bytes:
        return self.pack()[:_WRAPPED_AT] + self.pack()[_WRAPPED_AT + 48 :]


class Sealer:
    """Seals and opens files with keys derived from the current and previous secrets."""

    def __init__(self, secret: str, previous: tuple[str, ...] = ()) -> None:
        if not secret:
            raise ValueError("sealing needs the server secret")
        self._current = _kek(secret)
        self.key_id = _key_id(self._current)
        self._keys = {self.key_id: self._current}
        for old in previous:
            kek = _kek(old)
            self._keys.setdefault(_key_id(kek), kek)

    # -- writing ---------------------------------------------------------------------------

    def seal_file(self, source: Path, target: Path, digest: str | None = None) -> None:
        """Write ``source`` sealed into ``target`` (a fresh temp path; the caller renames it).
        ``digest`` is the plaintext SHA-256 when the caller knows it already."""
        size = source.stat().st_size
        if digest is None:
            digest = _sha256(source)
        data_key = AESGCM.generate_key(bit_length=256)
        header = self._header(bytes.fromhex(digest), size, data_key)
        aead = AESGCM(data_key)
        with source.open("rb") as src, target.open("xb") as out:
            out.write(header.pack())
            for index in range(header.segments):
                chunk = src.read(SEGMENT)
                out.write(aead.encrypt(_nonce(header, index), chunk, _aad(header, index)))
            out.flush()
            os.fsync(out.fileno())

    def _header(
        self, digest: bytes, size: int, data_key: bytes, prefix: bytes | None = None
    ) -> Header:
        prefix = prefix or os.urandom(8)
        header = Header(self.key_id, os.urandom(12), bytes(48), prefix, digest, size)
        wrapped = AESGCM(self._current).encrypt(header.wrap_nonce, data_key, header.wrap_aad())
        return Header(header.key_id, header.wrap_nonce, wrapped, header.prefix, digest, size)

    def rewrap(self, path: Path, target: Path) -> bool:
        """Write ``path`` into ``target`` with its data key wrapped under the current secret;
        False (nothing written) when it is wrapped under it already."""
        with path.open("rb") as src:
            header = read_header(src)
            if header is None:
                raise SealError("not a sealed file")
            if header.key_id == self.key_id:
                return False
            data_key = self._unwrap(header)
            fresh = self._header(header.digest, header.size, data_key, header.prefix)
            with target.open("xb") as out:
                out.write(fresh.pack())
                while chunk := src.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        return True

    # -- reading ---------------------------------------------------------------------------

    def _unwrap(self, header: Header) -> bytes:
        kek = self._keys.get(header.key_id)
        if kek is None:
            raise SealError("no configured secret opens this file (was the secret rotated?)")
        try:
            return AESGCM(kek).decrypt(header.wrap_nonce, header.wrapped, header.wrap_aad())
        except InvalidTag as exc:
            raise SealError("the file's key does not verify") from exc

    def size(self, path: Path) -> int:
        """The plaintext size of a sealed or plaintext file."""
        with path.open("rb") as fh:
            header = read_header(fh)
        return path.stat().st_size if header is None else header.size

    def read_range(self, path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The plaintext bytes [start, end) of a sealed (or legacy plaintext) file, decrypting
        only the segments they lie in; raises :class:`SealError` on any tampering."""
        fh = path.open("rb")
        try:
            header = read_header(fh)
            if header is None:
                yield from _plain_range(fh, start, end)
                return
            end = header.size if end is None else min(end, header.size)
            if start >= end:
                return
            aead = AESGCM(self._unwrap(header))
            first, last = start // SEGMENT, (end - 1) // SEGMENT
            fh.seek(HEADER_SIZE + first * (SEGMENT + TAG))
            for index in range(first, last + 1):
                sealed = fh.read(SEGMENT + TAG)
                try:
                    plain = aead.decrypt(_nonce(header, index), sealed, _aad(header, index))
                except InvalidTag as exc:
                    raise SealError(f"{path.name}: segment {index} fails its check") from exc
                base = index * SEGMENT
                yield plain[max(start - base, 0) : end - base]
        finally:
            fh.close()

    def write_plain(self, path: Path, target: Path) -> None:
        """Decrypt ``path`` whole into ``target`` (0600, new), checking every segment."""
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in self.read_range(path):
                out.write(chunk)


def read_digest(path: Path) -> tuple[int, str] | None:
    """(plaintext size, plaintext SHA-256) from a sealed file's header; None for plaintext."""
    with path.open("rb") as fh:
        header = read_header(fh)
    return None if header is None else (header.size, header.digest.hex())


def is_sealed(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def read_header(fh) -> Header | None:
    raw = fh.read(HEADER_SIZE)
    if not raw.startswith(MAGIC):
        fh.seek(0)
        return None
    if len(raw) < HEADER_SIZE:
        raise SealError("the sealed file's header is cut short")
    _magic, version, key_id, wrap_nonce, wrapped, prefix, digest, size = _HEAD.unpack(raw)
    if version != VERSION:
        raise SealError(f"unknown sealed file version {version}")
    return Header(key_id, wrap_nonce, wrapped, prefix, digest, size)


def plain_file_range(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Bytes [start, end) of a plaintext file."""
    with path.open("rb") as fh:
        yield from _plain_range(fh, start, end)


def _plain_range(fh, start: int, end: int | None) -> Iterator[bytes]:
    fh.seek(start)
    left = None if end is None else end - start
    while left is None or left > 0:
        chunk = fh.read(SEGMENT if left is None else min(SEGMENT, left))
        if not chunk:
            return
        if left is not None:
            left -= len(chunk)
        yield chunk


def _key_id(kek: bytes) -> bytes:
    return hashlib.sha256(b"key id" + kek).digest()[:8]


def _nonce(header: Header, index: int) -> bytes:
    return header.prefix + struct.pack(">I", index)


def _aad(header: Header, index: int) -> bytes:
    final = index == header.segments - 1
    return header.digest + struct.pack(">QB", index, final)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
