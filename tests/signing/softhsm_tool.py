"""PKCS#11 set-up steps on a SoftHSM2 token, each run in a process of its own (a PKCS#11 library
is loaded once per process and reads its token directory when it starts):

    python -m tests.signing.softhsm_tool generate MODULE LABEL PIN ec|rsa   → SPKI (hex DER)
    python -m tests.signing.softhsm_tool store MODULE LABEL PIN ID_HEX CERT_HEX
    python -m tests.signing.softhsm_tool attributes MODULE LABEL PIN        → JSON

Keys are generated inside the token, sensitive and not extractable."""

from __future__ import annotations

import json
import sys

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
from pkcs11.util.rsa import encode_rsa_public_key

KEY_ID = b"\x01"
PRIVATE = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True}


def _session(module: str, label: str, pin: str) -> pkcs11.Session:
    return pkcs11.lib(module).get_token(token_label=label).open(rw=True, user_pin=pin)


def generate(module: str, label: str, pin: str, kind: str) -> str:
    with _session(module, label, pin) as session:
        if kind == "ec":
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            public, _ = params.generate_keypair(
                store=True, label="signing", id=KEY_ID, private_template=PRIVATE
            )
            return encode_ec_public_key(public).hex()
        public, _ = session.generate_keypair(
            KeyType.RSA, 2048, store=True, label="signing", id=KEY_ID, private_template=PRIVATE
        )
        spki = serialization.load_der_public_key(
            _rsa_spki(encode_rsa_public_key(public))
        ).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return spki.hex()


def _rsa_spki(pkcs1: bytes) -> bytes:
    from asn1crypto import keys

    return keys.PublicKeyInfo.wrap(keys.RSAPublicKey.load(pkcs1), "rsa").dump()


def store(module: str, label: str, pin: str, key_id: str, cert_hex: str) -> str:
    der = bytes.fromhex(cert_hex)
    cert = x509.load_der_x509_certificate(der)
    with _session(module, label, pin) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "signing" if key_id == KEY_ID.hex() else "ca",
                Attribute.ID: bytes.fromhex(key_id),
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: der,
            }
        )
    return "ok"


def attributes(module: str, label: str, pin: str) -> str:
    with _session(module, label, pin) as session:
        key = session.get_key(ObjectClass.PRIVATE_KEY, label="signing")
        return json.dumps(
            {
                "sensitive": bool(key[Attribute.SENSITIVE]),
                "extractable": bool(key[Attribute.EXTRACTABLE]),
                "always_sensitive": bool(key[Attribute.ALWAYS_SENSITIVE]),
                "never_extractable": bool(key[Attribute.NEVER_EXTRACTABLE]),
                "local": bool(key[Attribute.LOCAL]),
            }
        )


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    print({"generate": generate, "store": store, "attributes": attributes}[command](*rest))
