"""Keys derived from the server secret: the JWT signing key (Ed25519) and HMAC keys.

One secret (``ECABINET_SECRET_KEY``) feeds every node. Rotation: put the old secret in
``ECABINET_PREVIOUS_SECRET_KEYS``; tokens signed with it keep verifying (by ``kid``) until it is
removed, and new tokens are signed with the new key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def derive(secret: str, purpose: str, length: int = 32) -> bytes:
    """Derive an independent key for one purpose from the server secret."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"ecabinet/v1", info=purpose.encode()
    ).derive(secret.encode())


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @classmethod
    def from_secret(cls, secret: str) -> SigningKey:
        private = Ed25519PrivateKey.from_private_bytes(derive(secret, "jwt-signing"))
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(kid=hashlib.sha256(raw).hexdigest()[:16], private_key=private)


class KeyRing:
    """The current signing key, the keys still accepted for verification, and HMAC keys."""

    def __init__(self, secret: str, previous: tuple[str, ...] = ()) -> None:
        self.current = SigningKey.from_secret(secret)
        keys = [self.current, *(SigningKey.from_secret(s) for s in previous)]
        self._verification = {k.kid: k.public_key for k in keys}
        self._secret = secret
        self._hmac: dict[str, bytes] = {}

    def verification_key(self, kid: str) -> Ed25519PublicKey | None:
        return self._verification.get(kid)

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._verification)

    def hmac_key(self, purpose: str) -> bytes:
        """Derived once per purpose (HKDF is not free, and CSRF needs it on every page)."""
        key = self._hmac.get(purpose)
        if key is None:
            key = self._hmac[purpose] = derive(self._secret, f"hmac:{purpose}")
        return key
