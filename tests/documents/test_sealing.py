"""The sealed file format (files/sealing.py) on real files: every kind of tampering fails."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import pytest

from ecabinet.files.blobs import BlobStore
from ecabinet.files.sealing import HEADER_SIZE, SEGMENT, TAG, Sealer, SealError

SECRET = "a-secret-for-the-sealing-tests-0123456789abcdef"
DATA = os.urandom(3 * SEGMENT + 1234)


def sealed(tmp_path: Path, data: bytes = DATA) -> Path:
    source, target = tmp_path / "plain", tmp_path / "sealed"
    source.write_bytes(data)
    Sealer(SECRET).seal_file(source, target)
    return target


def read(path: Path, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(Sealer(SECRET).read_range(path, start, end))


def segments(raw: bytes) -> list[bytes]:
    body = raw[HEADER_SIZE:]
    return [body[i : i + SEGMENT + TAG] for i in range(0, len(body), SEGMENT + TAG)]


def test_a_sealed_file_round_trips_by_any_range(tmp_path):
    path = sealed(tmp_path)
    assert read(path) == DATA
    for start, end in [
        (0, 1),
        (SEGMENT - 1, SEGMENT + 1),
        (5, 3 * SEGMENT + 1),
        (len(DATA) - 1, None),
    ]:
        assert read(path, start, end) == DATA[start:end]
    assert read(path, len(DATA), None) == b""
    (tmp_path / "empty").mkdir()
    empty = sealed(tmp_path / "empty", b"")
    assert read(empty) == b"" and Sealer(SECRET).size(empty) == 0


@pytest.mark.parametrize("tamper", ["truncate", "drop_last", "swap", "size", "digest"])
def test_truncation_reordering_and_header_edits_fail(tmp_path, tamper):
    path = sealed(tmp_path)
    raw = path.read_bytes()
    parts = segments(raw)
    header = bytearray(raw[:HEADER_SIZE])
    if tamper == "truncate":
        forged = raw[: HEADER_SIZE + 2 * (SEGMENT + TAG)]  # cut at a segment boundary
    elif tamper == "drop_last":
        forged = bytes(header) + b"".join(parts[:-1])
    elif tamper == "swap":
        forged = bytes(header) + b"".join([parts[1], parts[0], *parts[2:]])
    elif tamper == "size":
        header[-8:] = struct.pack(">Q", 2 * SEGMENT)  # claim a shorter file
        forged = bytes(header) + b"".join(parts[:2])
    else:
        header[-40:-8] = hashlib.sha256(b"other").digest()
        forged = bytes(header) + b"".join(parts)
    path.write_bytes(forged)
    with pytest.raises(SealError):
        read(path)


def test_a_segment_from_another_file_with_the_same_key_position_fails(tmp_path):
    one = sealed(tmp_path)
    (tmp_path / "b").mkdir()
    other = sealed(tmp_path / "b", os.urandom(len(DATA)))
    mixed = one.read_bytes()[: HEADER_SIZE + SEGMENT + TAG] + b"".join(
        segments(other.read_bytes())[1:]
    )
    one.write_bytes(mixed)
    with pytest.raises(SealError):
        read(one)


async def test_the_store_seals_on_commit_and_reads_plaintext_through_one_helper(tmp_path):
    store = BlobStore(tmp_path, Sealer(SECRET))
    async with store.stage(len(DATA)) as staged:
        await staged.write(DATA)
        ref, new = await store.commit(staged)
    assert new and ref.sha256 == hashlib.sha256(DATA).hexdigest()
    path = store.path_of(ref.sha256)
    assert DATA[:4096] not in path.read_bytes()
    assert store.describe(path) == (len(DATA), ref.sha256)
    async with store.plaintext(path) as plain:
        assert plain != path and plain.read_bytes() == DATA
        assert oct(plain.stat().st_mode & 0o777) == oct(0o600)
    assert not plain.exists()
    assert sorted(p.name for p in store.staging_dir.iterdir()) == []
