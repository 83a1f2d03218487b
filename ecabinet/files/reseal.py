"""Seal every stored file under the current secret (``run.py blobs-reseal``).

Run it once after upgrading (blobs stored before encryption at rest are plaintext) and after a
secret rotation (``ECABINET_SECRET_KEY`` new, the old one in ``ECABINET_PREVIOUS_SECRET_KEYS``):
plaintext files are sealed, sealed files whose data key is wrapped under a previous secret get
it re-wrapped under the current one (only the header changes; the segments are copied as they
are). Every file is replaced atomically, so the command can be stopped and run again, also
while the server runs. Afterwards the previous secret is no longer needed for documents.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .blobs import _HEX64, _fsync_dir
from .sealing import Sealer, SealError, is_sealed

SKIPPED = {"staging"}


@dataclass(slots=True)
class ResealSummary:
    sealed: int = 0
    rewrapped: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)


def _stored_files(root: Path) -> list[Path]:
    found = []
    for top in ("blobs", "derived"):
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = [d for d in dirnames if d not in SKIPPED]
            found += [Path(dirpath) / n for n in sorted(filenames) if not n.startswith(".")]
    return found


def reseal_all(root: Path, sealer: Sealer) -> ResealSummary:
    """Seal or re-wrap every file under ``root`` (``<data dir>/documents``); blocking."""
    summary = ResealSummary()
    for path in _stored_files(root):
        try:
            _reseal(path, root, sealer, summary)
        except (SealError, OSError) as exc:
            summary.failed.append(f"{path.relative_to(root)}: {exc}")
    return summary


def _reseal(path: Path, root: Path, sealer: Sealer, summary: ResealSummary) -> None:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.reseal")
    try:
        if is_sealed(path):
            if not sealer.rewrap(path, temp):
                summary.unchanged += 1
                return
            summary.rewrapped += 1
        else:
            digest = _sha256(path)
            is_blob = path.is_relative_to(root / "blobs") and _HEX64.fullmatch(path.name)
            if is_blob and digest != path.name:
                raise SealError("its content does not match its name; left as it is")
            sealer.seal_file(path, temp, digest)
            summary.sealed += 1
        os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
        _fsync_dir(path.parent)
    finally:
        temp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
