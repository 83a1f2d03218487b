"""Start-up checks for ``ECABINET_ENV=production``: the server refuses to start on a
configuration that would be unsafe for a national session, and says why (one line each).

Development (the default) skips them: a generated secret in the data dir, debug and plain HTTP
are what a newcomer's laptop needs.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from .config import MIN_SECRET_LENGTH, Settings

NETWORK_FILESYSTEMS = ("nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "ceph")
NETWORK_PREFIXES = ("fuse", "glusterfs", "lustre")
MIN_DISTINCT_SECRET_CHARS = 12
MIN_PASSPHRASE_LENGTH = 16
KNOWN_WEAK = ("secret", "changeme", "password", "ecabinet", "example", "0123456789")


def weak_secret(key: str) -> str | None:
    """Why ``key`` is too weak to sign sessions and tokens, or None."""
    if len(key) < MIN_SECRET_LENGTH:
        return f"shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(key)) < MIN_DISTINCT_SECRET_CHARS:
        return "too repetitive (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"  # noqa: E501
    lowered = key.lower()
    for word in KNOWN_WEAK:
        if word in lowered:
            return f"contains the word {word!r}"
    return None


def mount_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str:
    """The file-system type of the mount holding ``path`` (longest matching mount point)."""
    target = os.path.realpath(path)
    best, fstype = "", ""
    try:
        lines = mounts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, fields[2]
    return fstype


def is_network_filesystem(fstype: str) -> bool:
    return fstype in NETWORK_FILESYSTEMS or fstype.startswith(NETWORK_PREFIXES)


def problems(settings: Settings, *, mounts_file: Path = Path("/proc/mounts")) -> list[str]:
    """Everything wrong with ``settings`` for production, one line each ([] outside production).

    ``settings`` are the ones read from the environment, before a secret is generated."""
    if settings.environment != "production":
        return []
    found = []
    if not settings.secret_key:
        found.append(
            "ECABINET_SECRET_KEY is not set (a key generated into the data dir is for development)"
        )
    elif reason := weak_secret(settings.secret_key):
        found.append(f"ECABINET_SECRET_KEY is weak: {reason}")
    for n, key in enumerate(settings.previous_secret_keys, start=1):
        if reason := weak_secret(key):
            found.append(f"ECABINET_PREVIOUS_SECRET_KEYS entry {n} is weak: {reason}")
    if settings.debug:
        found.append("ECABINET_DEBUG is on (it shows internals and derives the CA passphrase)")
    if not settings.public_url.startswith("https://"):
        found.append(
            "ECABINET_PUBLIC_URL must be the https:// address users reach "
            "(secure cookies, HSTS and links in mails depend on it)"
        )
    if not settings.ca_passphrase:
        found.append("ECABINET_CA_PASSPHRASE is not set (it encrypts the signing keys)")
    elif len(settings.ca_passphrase) < MIN_PASSPHRASE_LENGTH:
        found.append(f"ECABINET_CA_PASSPHRASE is shorter than {MIN_PASSPHRASE_LENGTH} characters")
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        where = Path(url.database or ".").parent
        fstype = mount_type(where, mounts_file)
        if is_network_filesystem(fstype):
            found.append(
                f"the SQLite database is on a network file system ({fstype} at {where}): "
                "its locking is unsafe there; use a local disk or PostgreSQL"
            )
    return found
