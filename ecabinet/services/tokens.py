"""Every JWT this server issues or accepts goes through here, and only here.

Verification pins the algorithm (EdDSA), the key (by ``kid`` from the local key ring, never from
the token), the issuer, the audience, the token type and the times. Headers that point at other
keys (``jku``, ``x5u``, ``jwk``, ``x5c``) or carry ``crit`` are refused.
"""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta
from typing import Any

import jwt

from ..clock import Clock
from ..errors import Unauthorized
from .keys import KeyRing

ALGORITHM = "EdDSA"
LEEWAY_SECONDS = 30
FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "x5t", "crit"})


class TokenType(enum.StrEnum):
    """Each kind of token has its own ``typ`` and audience; one kind is refused for another."""

    ACCESS = "access"
    JOIN = "join"
    DOWNLOAD = "download"
    RSVP = "rsvp"


AUDIENCES: dict[TokenType, str] = {
    TokenType.ACCESS: "ecabinet:api",
    TokenType.JOIN: "ecabinet:signaling",
    TokenType.DOWNLOAD: "ecabinet:download",
    TokenType.RSVP: "ecabinet:rsvp",
}


class InvalidToken(Unauthorized):
    code = "invalid_token"


class TokenService:
    def __init__(self, keys: KeyRing, issuer: str, clock: Clock) -> None:
        self._keys = keys
        self._issuer = issuer
        self._clock = clock

    def issue(
        self,
        typ: TokenType,
        subject: str,
        ttl: timedelta,
        *,
        not_before: timedelta = timedelta(0),
        **claims: Any,
    ) -> str:
        now = self._clock.now()
        payload = {
            **claims,
            "iss": self._issuer,
            "aud": AUDIENCES[typ],
            "sub": subject,
            "typ": typ.value,
            "iat": int(now.timestamp()),
            "nbf": int((now - not_before).timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": secrets.token_urlsafe(12),
        }
        key = self._keys.current
        return jwt.encode(payload, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})

    def verify(self, token: str, typ: TokenType) -> dict[str, Any]:
        """Return the claims of a valid token of this type, or raise :class:`InvalidToken`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("The token is malformed.") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("The token's algorithm is not accepted.")
        if FORBIDDEN_HEADERS & header.keys():
            raise InvalidToken("The token carries a header that is not accepted.")
        kid = header.get("kid")
        key = self._keys.verification_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("The token was signed with an unknown key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCES[typ],
                issuer=self._issuer,
                options={
                    "require": ["iss", "aud", "sub", "typ", "iat", "nbf", "exp", "jti"],
                    # Times are checked below against the injected clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"The token is not valid: {exc}.") from exc
        if claims.get("typ") != typ.value:
            raise InvalidToken("The token is of another type.")
        now = self._clock.now().timestamp()
        try:
            exp, nbf, iat = float(claims["exp"]), float(claims["nbf"]), float(claims["iat"])
        except (TypeError, ValueError) as exc:
            raise InvalidToken("The token's times are malformed.") from exc
        if exp <= now - LEEWAY_SECONDS:
            raise InvalidToken("The token has expired.", code="token_expired")
        if nbf > now + LEEWAY_SECONDS or iat > now + LEEWAY_SECONDS:
            raise InvalidToken("The token is not valid yet.")
        return claims
