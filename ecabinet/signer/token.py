"""The signer's token through PKCS#11 (python-pkcs11): its certificate and the key that goes
with it (matched by CKA_ID), and signing with that key on the token. One operation at a time:
a PKCS#11 session is not shared between threads."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ecdsa_signature


class TokenError(Exception):
    """The token is missing, locked, or holds no usable certificate and key."""


@dataclass(frozen=True)
class TokenIdentity:
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the other certificates on the token (its CAs)

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def mechanism(self) -> str:
        key = self.certificate.public_key()
        return "ecdsa-sha256" if isinstance(key, ec.EllipticCurvePublicKey) else "rsassa-pss-sha256"

    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def chain_pem(self) -> str:
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.chain)


class Token:
    """An open, logged-in session on one token. ``close()`` logs out."""

    def __init__(self, module: str, token_label: str, pin: str, key_label: str = "") -> None:
        try:
            self._lib = pkcs11.lib(module)
            self._token = self._lib.get_token(token_label=token_label)
            self._session = self._token.open(user_pin=pin)
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            raise TokenError(f"Cannot open the token {token_label!r}: {exc!r}") from exc
        self._lock = threading.Lock()
        self._key, self.identity = self._find(key_label)

    def _find(self, key_label: str) -> tuple[pkcs11.PrivateKey, TokenIdentity]:
        certs: dict[bytes, x509.Certificate] = {}
        for obj in self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            certs[bytes(obj[Attribute.ID] or b"")] = x509.load_der_x509_certificate(
                bytes(obj[Attribute.VALUE])
            )
        query: dict[Attribute, object] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        if key_label:
            query[Attribute.LABEL] = key_label
        for key in self._session.get_objects(query):
            key_id = bytes(key[Attribute.ID] or b"")
            cert = certs.get(key_id)
            if (
                cert is None
                or cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            ):
                continue
            chain = tuple(c for i, c in certs.items() if i != key_id)
            return key, TokenIdentity(cert, chain)  # type: ignore[return-value]
        raise TokenError("The token holds no private key with its certificate (same CKA_ID).")

    def sign(self, data: bytes) -> bytes:
        """The signature over ``data`` (the CMS signed attributes) with the token's key:
        ECDSA with SHA-256 as DER, or RSASSA-PSS with SHA-256 (salt 32)."""
        key_type = self._key[Attribute.KEY_TYPE]
        with self._lock:
            if key_type == KeyType.EC:
                # CKM_ECDSA over the SHA-256 computed here: what every token implements.
                digest = hashlib.sha256(data).digest()
                return encode_ecdsa_signature(self._key.sign(digest, mechanism=Mechanism.ECDSA))
            if key_type == KeyType.RSA and isinstance(
                self.identity.certificate.public_key(), rsa.RSAPublicKey
            ):
                return self._key.sign(
                    data,
                    mechanism=Mechanism.SHA256_RSA_PKCS_PSS,
                    mechanism_param=(Mechanism.SHA256, pkcs11.MGF.SHA256, 32),
                )
        raise TokenError(f"Keys of type {key_type!r} do not sign here.")

    def close(self) -> None:
        with self._lock:
            self._session.close()
