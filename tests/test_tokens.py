"""The JWT rules (SEC-A1..A5): only EdDSA with a key from the local key ring, with the right
issuer, audience, type and times; every forged, confused, foreign or stale token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from packaging.version import Version

from ecabinet.clock import FrozenClock
from ecabinet.services.keys import KeyRing
from ecabinet.services.tokens import (
    AUDIENCES,
    LEEWAY_SECONDS,
    InvalidToken,
    TokenService,
    TokenType,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET_A = "first-server-secret-that-is-long-enough-000001"
SECRET_B = "second-server-secret-that-is-long-enough-00002"
ISSUER = "ecabinet"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "typ", "iat", "nbf", "exp", "jti")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing(SECRET_A)


@pytest.fixture
def tokens(keys: KeyRing, clock: FrozenClock) -> TokenService:
    return TokenService(keys, ISSUER, clock)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")

    def decode(part: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    return decode(header), decode(payload), signature


def claims_now(clock: FrozenClock, typ: TokenType = TokenType.ACCESS) -> dict[str, Any]:
    """A complete, valid claim set for ``typ`` at the clock's time."""
    now = int(clock.now().timestamp())
    return {
        "iss": ISSUER,
        "aud": AUDIENCES[typ],
        "sub": "42",
        "typ": typ.value,
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "test-jti",
    }


def sign(keys: KeyRing, claims: dict[str, Any], **headers: Any) -> str:
    """Sign with the real current key, as an attacker who stole nothing could not, to isolate
    the one rule under test."""
    return jwt.encode(
        claims,
        keys.current.private_key,
        algorithm="EdDSA",
        headers={"kid": keys.current.kid, **headers},
    )


def refused(tokens: TokenService, token: str, typ: TokenType = TokenType.ACCESS) -> InvalidToken:
    with pytest.raises(InvalidToken) as info:
        tokens.verify(token, typ)
    assert info.value.status == 401
    return info.value


# ---------------------------------------------------------------- the happy path


def test_issued_token_verifies_and_carries_its_claims(tokens, keys, clock):
    token = tokens.issue(TokenType.ACCESS, "42", timedelta(minutes=15), sid="s-1")
    claims = tokens.verify(token, TokenType.ACCESS)
    assert claims["sub"] == "42"
    assert claims["sid"] == "s-1"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCES[TokenType.ACCESS]
    assert claims["typ"] == "access"
    assert claims["exp"] == int(clock.now().timestamp()) + 15 * 60
    header, _, _ = split(token)
    assert header == {"alg": "EdDSA", "kid": keys.current.kid, "typ": "JWT"}


def test_a_hand_built_valid_token_verifies(tokens, keys, clock):
    """The control for the claim tests below: the same builder with nothing removed passes."""
    assert tokens.verify(sign(keys, claims_now(clock)), TokenType.ACCESS)["sub"] == "42"


# ---------------------------------------------------------------- algorithm (SEC-A1)


def test_alg_none_is_refused(tokens, keys, clock):
    unsigned = f"{b64url_json({'alg': 'none', 'typ': 'JWT', 'kid': keys.current.kid})}."
    unsigned += f"{b64url_json(claims_now(clock))}."
    error = refused(tokens, unsigned)
    assert "algorithm" in error.message


def test_hs256_signed_with_our_public_key_is_refused(tokens, keys, clock):
    """Key confusion: the public key is public, so an HMAC made with it proves nothing."""
    public = keys.current.public_key
    for public_bytes in (
        public.public_bytes(Encoding.Raw, PublicFormat.Raw),
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH),
    ):
        signing_input = (
            f"{b64url_json({'alg': 'HS256', 'typ': 'JWT', 'kid': keys.current.kid})}."
            f"{b64url_json(claims_now(clock))}"
        )
        mac = hmac.new(public_bytes, signing_input.encode(), hashlib.sha256).digest()
        refused(tokens, f"{signing_input}.{b64url(mac)}")


def test_an_algorithm_off_the_list_is_refused(tokens, keys, clock):
    foreign = generate_private_key(SECP256R1())
    token = jwt.encode(
        claims_now(clock), foreign, algorithm="ES256", headers={"kid": keys.current.kid}
    )
    refused(tokens, token)


def test_eddsa_signed_with_another_key_under_our_kid_is_refused(tokens, keys, clock):
    forger = Ed25519PrivateKey.generate()
    token = jwt.encode(
        claims_now(clock), forger, algorithm="EdDSA", headers={"kid": keys.current.kid}
    )
    refused(tokens, token)


# ---------------------------------------------------------------- headers (SEC-A1, A5)


@pytest.mark.parametrize(
    "header",
    [
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {
            "jwk": {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            }
        },
        {"x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]},
        {"crit": ["exp"]},
    ],
    ids=["jku", "x5u", "jwk", "x5c", "crit"],
)
def test_headers_that_point_at_other_keys_or_demand_extensions_are_refused(
    tokens, keys, clock, header
):
    # The token is otherwise perfect: signed with our own key, every claim right.
    refused(tokens, sign(keys, claims_now(clock), **header))


def test_unknown_kid_is_refused(tokens, keys, clock):
    token = jwt.encode(
        claims_now(clock), keys.current.private_key, algorithm="EdDSA", headers={"kid": "0" * 16}
    )
    assert "unknown key" in refused(tokens, token).message


def test_missing_kid_is_refused(tokens, keys, clock):
    token = jwt.encode(claims_now(clock), keys.current.private_key, algorithm="EdDSA")
    assert "kid" not in split(token)[0]
    assert "unknown key" in refused(tokens, token).message


def test_non_string_kid_is_refused(tokens, keys, clock):
    # PyJWT will not sign this header, so sign it by hand with our real key.
    signing_input = (
        f"{b64url_json({'alg': 'EdDSA', 'typ': 'JWT', 'kid': 7})}.{b64url_json(claims_now(clock))}"
    )
    signature = keys.current.private_key.sign(signing_input.encode())
    refused(tokens, f"{signing_input}.{b64url(signature)}")


# ---------------------------------------------------------------- claims (SEC-A2)


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_a_token_missing_a_required_claim_is_refused(tokens, keys, clock, claim):
    claims = claims_now(clock)
    del claims[claim]
    refused(tokens, sign(keys, claims))


def test_wrong_audience_is_refused(tokens, keys, clock):
    claims = claims_now(clock) | {"aud": "someone-else"}
    assert "audience" in refused(tokens, sign(keys, claims)).message.lower()


def test_wrong_issuer_is_refused(tokens, keys, clock):
    claims = claims_now(clock) | {"iss": "evil-issuer"}
    assert "issuer" in refused(tokens, sign(keys, claims)).message.lower()


def test_token_signed_by_a_server_with_another_issuer_name_is_refused(keys, clock):
    other = TokenService(keys, "other-deployment", clock)
    token = other.issue(TokenType.ACCESS, "42", timedelta(minutes=15))
    refused(TokenService(keys, ISSUER, clock), token)


def test_expired_token_is_refused_after_the_leeway(tokens, clock):
    token = tokens.issue(TokenType.ACCESS, "42", timedelta(minutes=15))
    clock.advance(minutes=15, seconds=LEEWAY_SECONDS - 1)
    assert tokens.verify(token, TokenType.ACCESS)["sub"] == "42"
    clock.advance(seconds=1)
    error = refused(tokens, token)
    assert error.code == "token_expired"


def test_token_not_yet_valid_is_refused(tokens, keys, clock):
    now = int(clock.now().timestamp())
    future = claims_now(clock) | {"nbf": now + LEEWAY_SECONDS + 60}
    assert "not valid yet" in refused(tokens, sign(keys, future)).message
    clock.advance(seconds=61)
    assert tokens.verify(sign(keys, future), TokenType.ACCESS)["sub"] == "42"


def test_token_issued_in_the_future_is_refused(tokens, keys, clock):
    now = int(clock.now().timestamp())
    claims = claims_now(clock) | {"iat": now + 3600}
    refused(tokens, sign(keys, claims))


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_malformed_times_are_refused_not_crashed_on(tokens, keys, clock, claim):
    claims = claims_now(clock) | {claim: "soon"}
    refused(tokens, sign(keys, claims))


# ---------------------------------------------------------------- token types (SEC-A3)


@pytest.mark.parametrize("minted", list(TokenType))
@pytest.mark.parametrize("presented", list(TokenType))
def test_a_token_of_one_type_is_refused_as_another(tokens, minted, presented):
    token = tokens.issue(minted, "42", timedelta(minutes=5))
    if minted == presented:
        assert tokens.verify(token, presented)["typ"] == minted.value
    else:
        refused(tokens, token, presented)


def test_right_audience_with_wrong_typ_is_refused(tokens, keys, clock):
    """Audience and typ are checked independently: matching one is not enough."""
    claims = claims_now(clock, TokenType.ACCESS) | {"typ": TokenType.JOIN.value}
    assert "another type" in refused(tokens, sign(keys, claims)).message


# ---------------------------------------------------------------- integrity


def test_tampered_payload_is_refused(tokens, clock):
    token = tokens.issue(TokenType.ACCESS, "42", timedelta(minutes=15))
    header, _payload, signature = token.split(".")
    claims = split(token)[1] | {"sub": "1"}
    refused(tokens, f"{header}.{b64url_json(claims)}.{signature}")


def test_tampered_signature_is_refused(tokens):
    token = tokens.issue(TokenType.ACCESS, "42", timedelta(minutes=15))
    header, payload, signature = token.split(".")
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    flipped[0] ^= 1
    refused(tokens, f"{header}.{payload}.{b64url(bytes(flipped))}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "eyJhbGciOiJFZERTQSJ9..."])
def test_malformed_tokens_are_refused(tokens, garbage):
    refused(tokens, garbage)


# ---------------------------------------------------------------- key rotation (SEC-A4)


def test_rotation_keeps_old_tokens_valid_until_the_old_secret_is_removed(clock):
    old = TokenService(KeyRing(SECRET_A), ISSUER, clock)
    token = old.issue(TokenType.ACCESS, "42", timedelta(minutes=15))

    rotated_keys = KeyRing(SECRET_B, previous=(SECRET_A,))
    rotated = TokenService(rotated_keys, ISSUER, clock)
    assert rotated.verify(token, TokenType.ACCESS)["sub"] == "42"
    # New tokens are signed with the new key.
    fresh = rotated.issue(TokenType.ACCESS, "42", timedelta(minutes=15))
    assert split(fresh)[0]["kid"] == KeyRing(SECRET_B).current.kid != split(token)[0]["kid"]

    retired = TokenService(KeyRing(SECRET_B), ISSUER, clock)
    assert "unknown key" in refused(retired, token).message
    assert retired.verify(fresh, TokenType.ACCESS)["sub"] == "42"


def test_keys_are_derived_from_the_secret_deterministically_and_independently():
    a1, a2, b = KeyRing(SECRET_A), KeyRing(SECRET_A), KeyRing(SECRET_B)
    assert a1.current.kid == a2.current.kid != b.current.kid
    assert a1.hmac_key("csrf") == a2.hmac_key("csrf") != a1.hmac_key("turn")
    assert a1.hmac_key("csrf") != b.hmac_key("csrf")
    assert KeyRing(SECRET_B, previous=(SECRET_A,)).kids == {a1.current.kid, b.current.kid}


# ---------------------------------------------------------------- code and dependency (SEC-A5)


def test_pyjwt_is_called_only_from_the_token_service():
    pattern = re.compile(r"\bjwt\.(decode|encode|get_unverified_header|PyJWKClient)\b")
    offenders = []
    for path in [*(ROOT / "ecabinet").rglob("*.py"), ROOT / "run.py"]:
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(path.relative_to(ROOT).as_posix())
    # Our own tokens, and the OpenID providers' ID tokens (checked against each provider's
    # algorithm allow-list before decoding).
    assert sorted(offenders) == ["ecabinet/services/oidc.py", "ecabinet/services/tokens.py"]


def test_id_token_algorithms_come_from_the_provider_allow_list():
    source = (ROOT / "ecabinet/services/oidc.py").read_text(encoding="utf-8")
    assert "alg not in provider.algorithms" in source
    assert re.search(r"algorithms=\[alg\]", source)


def test_algorithms_are_never_taken_from_the_token():
    source = (ROOT / "ecabinet/services/tokens.py").read_text(encoding="utf-8")
    assert re.search(r"algorithms=\[ALGORITHM\]", source)
    assert not re.search(r"algorithms=.*header", source)


def test_pyjwt_is_at_least_the_fixed_version():
    assert Version(version("PyJWT")) >= Version("2.13.0")
    assert Version(jwt.__version__) >= Version("2.13.0")
    pins = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pin = re.search(r"^PyJWT(?:\[crypto\])?==([\w.]+)$", pins, re.MULTILINE)
    assert pin is not None
    assert Version(pin.group(1)) >= Version("2.13.0")
