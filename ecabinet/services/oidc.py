"""The relying party's side of OpenID Connect: discovery, the provider's keys, the code exchange
and the ID token's verification. The use cases (who logs in as whom) are in ``sso.py``.

Rules enforced here:
- the provider's metadata comes from ``<issuer>/.well-known/openid-configuration`` and must name
  the configured issuer exactly (the issuer is pinned);
- the keys come from the ``jwks_uri`` it names, are cached, and are fetched again when a token
  names a ``kid`` the cache does not hold (key rotation), at most once per
  :data:`REFETCH_INTERVAL`, so tokens with made-up kids cannot make us hammer the provider;
- an ID token is accepted only if it is signed with an asymmetric algorithm of the provider's
  allow-list by one of those keys, was issued by the pinned issuer for this client (``aud``, and
  ``azp`` when there are several audiences), is within its times (the injected clock), carries
  the nonce sent with the request, and, when it has an ``at_hash``, matches the access token;
- ``jwk``/``jku``/``x5u``/``x5c``/``crit`` headers are refused: a token never chooses its own key.

pyjwt does the cryptography; HTTP goes through a :class:`Transport` (aiohttp in the web layer),
so this module stays free of the web framework.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import jwt

from ..clock import Clock
from ..config import OidcProvider
from ..errors import DomainError, Forbidden

LEEWAY_SECONDS = 60
REFETCH_INTERVAL = 30.0  # seconds between two key fetches caused by unknown kids
METADATA_TTL = 3600.0
FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


class SsoRefused(Forbidden):
    """A single sign-on attempt that must not log anyone in; ``code`` says why."""

    code = "sso_refused"


class ProviderUnavailable(DomainError):
    status = 502
    code = "sso_provider_unavailable"


class TransportError(Exception):
    """The provider could not be reached or answered something that is not JSON."""


class Transport(Protocol):
    async def get_json(self, url: str, *, bearer: str | None = None) -> dict[str, Any]: ...

    async def post_form(
        self, url: str, form: dict[str, str], *, basic: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]: ...


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)


@dataclass(frozen=True)
class TokenResult:
    claims: dict[str, Any]
    id_token: str
    access_token: str


@dataclass
class _ProviderCache:
    metadata: Metadata | None = None
    metadata_at: float = 0.0
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # kid → JWK
    keys_fetched: bool = False
    refetched_at: float = float("-inf")  # the last fetch caused by an unknown kid


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 §4.2)."""
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _half_hash(value: str, alg: str) -> str:
    """``at_hash``: the left half of the hash the signing algorithm uses (OIDC Core §3.1.3.6);
    EdDSA (Ed25519) uses SHA-512."""
    digest = HASHES["512" if alg == "EdDSA" else alg[-3:]](value.encode("ascii")).digest()
    return _b64(digest[: len(digest) // 2])


class OidcClient:
    """One per process: the configured providers with their cached metadata and keys."""

    def __init__(
        self,
        providers: tuple[OidcProvider, ...],
        transport: Transport,
        clock: Clock,
        *,
        monotonic: Any = time.monotonic,
    ) -> None:
        self.providers = {p.name: p for p in providers}
        self._transport = transport
        self._clock = clock
        self._monotonic = monotonic
        self._cache: dict[str, _ProviderCache] = {p.name: _ProviderCache() for p in providers}

    def provider(self, name: str) -> OidcProvider | None:
        return self.providers.get(name)

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            return await self._transport.get_json(url)
        except TransportError as exc:
            raise ProviderUnavailable(
                f"The identity provider could not be reached ({exc}). Try again later."
            ) from exc

    async def metadata(self, provider: OidcProvider) -> Metadata:
        cache = self._cache[provider.name]
        now = self._monotonic()
        if cache.metadata is not None and now - cache.metadata_at < METADATA_TTL:
            return cache.metadata
        doc = await self._get(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if doc.get("issuer") != provider.issuer:
            raise ProviderUnavailable(
                "The identity provider's discovery document names another issuer.",
                code="sso_issuer_mismatch",
            )
        try:
            metadata = Metadata(
                issuer=doc["issuer"],
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                userinfo_endpoint=str(doc.get("userinfo_endpoint") or ""),
                end_session_endpoint=str(doc.get("end_session_endpoint") or ""),
                token_auth_methods=tuple(
                    doc.get("token_endpoint_auth_methods_supported") or ("client_secret_basic",)
                ),
            )
        except KeyError as exc:
            raise ProviderUnavailable(
                f"The identity provider's discovery document lacks {exc}."
            ) from exc
        if "S256" not in (doc.get("code_challenge_methods_supported") or ["S256"]):
            raise ProviderUnavailable("The identity provider does not support PKCE S256.")
        cache.metadata, cache.metadata_at = metadata, now
        return metadata

    def authorization_url(
        self,
        provider: OidcProvider,
        metadata: Metadata,
        *,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": provider.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(provider.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": s256(code_verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        return f"{metadata.authorization_endpoint}{separator}{query}"

    async def _key(self, provider: OidcProvider, metadata: Metadata, kid: str) -> dict[str, Any]:
        """The JWK with this kid: from the cache, else fetched once more (rotation)."""
        cache = self._cache[provider.name]
        now = self._monotonic()
        first = not cache.keys_fetched
        if kid not in cache.keys and (first or now - cache.refetched_at >= REFETCH_INTERVAL):
            if not first:
                cache.refetched_at = now
            jwks = await self._get(metadata.jwks_uri)
            keys = jwks.get("keys")
            if not isinstance(keys, list):
                raise ProviderUnavailable("The identity provider's key set is malformed.")
            cache.keys = {
                str(k["kid"]): k
                for k in keys
                if isinstance(k, dict) and k.get("kid") and k.get("use", "sig") == "sig"
            }
            cache.keys_fetched = True
        if kid not in cache.keys:
            raise SsoRefused(
                "The ID token was signed with a key the identity provider does not publish.",
                code="sso_unknown_key",
            )
        return cache.keys[kid]

    async def exchange_code(
        self,
        provider: OidcProvider,
        metadata: Metadata,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        nonce: str,
    ) -> TokenResult:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        basic: tuple[str, str] | None = (provider.client_id, provider.client_secret)
        if "client_secret_basic" not in metadata.token_auth_methods:
            form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
            basic = None
        try:
            status, body = await self._transport.post_form(
                metadata.token_endpoint, form, basic=basic
            )
        except TransportError as exc:
            raise ProviderUnavailable(
                f"The identity provider could not be reached ({exc})."
            ) from exc
        if status != 200 or not isinstance(body.get("id_token"), str):
            error = str(body.get("error") or f"HTTP {status}")[:80]
            raise SsoRefused(
                f"The identity provider refused the authorization code ({error}).",
                code="sso_code_refused",
            )
        access_token = body.get("access_token")
        claims = await self.verify_id_token(
            provider,
            metadata,
            body["id_token"],
            nonce=nonce,
            access_token=access_token if isinstance(access_token, str) else None,
        )
        return TokenResult(claims, body["id_token"], access_token or "")

    async def verify_id_token(
        self,
        provider: OidcProvider,
        metadata: Metadata,
        token: str,
        *,
        nonce: str,
        access_token: str | None,
    ) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise SsoRefused("The ID token is malformed.", code="sso_invalid_token") from exc
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in provider.algorithms:
            raise SsoRefused(
                "The ID token's algorithm is not accepted.", code="sso_algorithm_refused"
            )
        if FORBIDDEN_HEADERS & header.keys():
            raise SsoRefused(
                "The ID token carries a header that is not accepted.", code="sso_invalid_token"
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise SsoRefused("The ID token names no key.", code="sso_unknown_key")
        jwk = await self._key(provider, metadata, kid)
        if jwk.get("alg", alg) != alg:
            raise SsoRefused(
                "The ID token's algorithm is not its key's.", code="sso_algorithm_refused"
            )
        try:
            key = jwt.PyJWK(jwk, algorithm=alg)
        except jwt.PyJWTError as exc:
            raise SsoRefused(
                "The ID token's key does not suit its algorithm.", code="sso_algorithm_refused"
            ) from exc
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                options={
                    "require": ["iss", "sub", "aud", "exp", "iat"],
                    # Checked below: issuer and audience with their own codes, times against
                    # the injected clock.
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise SsoRefused(
                "The ID token's signature is not valid.", code="sso_bad_signature"
            ) from exc
        except jwt.PyJWTError as exc:
            raise SsoRefused(
                f"The ID token is not valid: {exc}.", code="sso_invalid_token"
            ) from exc
        self._check_claims(provider, claims, nonce=nonce)
        at_hash = claims.get("at_hash")
        if at_hash is not None and (
            access_token is None
            or not hmac.compare_digest(str(at_hash), _half_hash(access_token, alg))
        ):
            raise SsoRefused(
                "The ID token does not match the access token (at_hash).", code="sso_at_hash"
            )
        return claims

    def _check_claims(self, provider: OidcProvider, claims: dict[str, Any], *, nonce: str) -> None:
        if claims.get("iss") != provider.issuer:
            raise SsoRefused(
                "The ID token was issued by another identity provider.", code="sso_wrong_issuer"
            )
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if provider.client_id not in audiences:
            raise SsoRefused(
                "The ID token was issued for another application.", code="sso_wrong_audience"
            )
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != provider.client_id:
            raise SsoRefused(
                "The ID token was issued for another application (azp).",
                code="sso_wrong_audience",
            )
        now = self._clock.now().timestamp()
        try:
            exp, iat = float(claims["exp"]), float(claims["iat"])
            nbf = float(claims.get("nbf", iat))
        except (TypeError, ValueError) as exc:
            raise SsoRefused(
                "The ID token's times are malformed.", code="sso_invalid_token"
            ) from exc
        if exp <= now - LEEWAY_SECONDS:
            raise SsoRefused("The ID token has expired.", code="sso_token_expired")
        if iat > now + LEEWAY_SECONDS or nbf > now + LEEWAY_SECONDS:
            raise SsoRefused("The ID token is not valid yet.", code="sso_token_not_yet_valid")
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, nonce):
            raise SsoRefused(
                "The ID token does not answer this login (nonce).", code="sso_wrong_nonce"
            )
        subject = claims.get("sub")
        if not isinstance(subject, str) or not 0 < len(subject) <= 255:
            raise SsoRefused("The ID token's subject is malformed.", code="sso_invalid_token")

    async def userinfo(self, metadata: Metadata, access_token: str, subject: str) -> dict[str, Any]:
        """Profile claims for a new account; empty when the provider has no userinfo endpoint.
        Claims about another subject are ignored (OIDC Core §5.3.2)."""
        if not metadata.userinfo_endpoint or not access_token:
            return {}
        try:
            info = await self._transport.get_json(metadata.userinfo_endpoint, bearer=access_token)
        except TransportError:
            return {}
        return info if info.get("sub") == subject else {}

    def end_session_url(
        self, metadata: Metadata, provider: OidcProvider, id_token: str, after: str
    ) -> str:
        """RP-initiated logout at the provider (OpenID Connect RP-Initiated Logout 1.0)."""
        query = urlencode(
            {
                "id_token_hint": id_token,
                "client_id": provider.client_id,
                "post_logout_redirect_uri": after,
            }
        )
        separator = "&" if "?" in metadata.end_session_endpoint else "?"
        return f"{metadata.end_session_endpoint}{separator}{query}"
