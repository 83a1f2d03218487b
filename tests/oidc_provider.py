"""A real OpenID provider on loopback for the single sign-on tests, built from authlib's server
components (authorization code grant, PKCE, OpenID Connect's ID token) behind a small aiohttp app:
discovery, JWKS, an authorization endpoint with a login form, token, userinfo and end-session.

Tests steer it the way a broken or hostile provider would behave: ``tamper`` changes what the
next ID tokens say (issuer, audience, nonce, lifetime) or which key signs them (a forged key with
a published kid); :meth:`Provider.rotate` publishes a new key and signs with it.
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import OctKey, RSAKey

CLIENT_ID = "ecabinet"
CLIENT_SECRET = "client-secret-that-is-long-enough"


@dataclass
class Person:
    sub: str
    username: str
    password: str
    name: str
    email: str


@dataclass
class Client(ClientMixin):
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0] if self.redirect_uris else ""

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic" if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Payload(OAuth2Payload):
    def __init__(self, data: dict[str, str]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return {k: [v] for k, v in self._data.items()}


class Request(OAuth2Request):
    def __init__(self, method: str, url: str, data: dict[str, str], headers: Any) -> None:
        super().__init__(method, url, headers=headers)
        self.payload = Payload(data)
        self._args = data

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._args


@dataclass
class Tamper:
    """What the next ID tokens get wrong (None: nothing)."""

    issuer: str | None = None
    audience: str | None = None
    nonce: str | None = None
    lifetime: int | None = None
    forged_key: RSAKey | None = None
    kid: str | None = None  # a kid the JWKS does not publish
    hmac_with_client_secret: bool = False  # HS256 keyed with the client secret (alg confusion)


class Provider(AuthorizationServer):
    def __init__(self, now: Callable[[], float]) -> None:
        super().__init__(scopes_supported=["openid", "profile", "email"])
        self.now = now
        self.issuer = ""
        self.client = Client()
        self.people: dict[str, Person] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Person] = {}
        self.keys: list[RSAKey] = []
        self.tamper = Tamper()
        self.jwks_fetches = 0
        self.rotate()
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda **_: secrets.token_urlsafe(24))
        )
        self.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(self)])

    # -- what tests call
    def add_person(self, sub: str, username: str, password: str, name: str, email: str) -> Person:
        person = Person(sub, username, password, name, email)
        self.people[username] = person
        return person

    def rotate(self) -> RSAKey:
        """Publish a new key (the old ones stay published) and sign with it from now on."""
        key = RSAKey.generate_key(2048, parameters={"kid": f"k{len(self.keys) + 1}"}, private=True)
        self.keys.append(key)
        return key

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[-1]

    # -- authlib's framework hooks
    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.tokens[token["access_token"]] = request.user

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request  # built by :func:`_oauth_request` (aiohttp reads bodies asynchronously)

    def handle_response(self, status: int, body: Any, headers: Any) -> web.Response:
        headers = {k: v for k, v in dict(headers).items() if k.lower() != "content-type"}
        if isinstance(body, dict):
            return web.json_response(body, status=status, headers=headers)
        return web.Response(status=status, text=body or "", headers=headers)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic",)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        provider: Provider = self.server  # type: ignore[assignment]
        provider.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=data.get("redirect_uri", ""),
            scope=request.payload.scope,
            person=request.user,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=int(provider.now()),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = self.server.codes.get(code)  # type: ignore[attr-defined]
        return found if found is not None and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        self.server.codes.pop(authorization_code.code, None)  # type: ignore[attr-defined]

    def authenticate_user(self, authorization_code: Code) -> Person:
        return authorization_code.person


class IdToken(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return any(c.nonce == nonce for c in self.provider.codes.values())

    def get_client_algorithm(self, client: Client) -> str:
        return "HS256" if self.provider.tamper.hmac_with_client_secret else "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        kid = self.provider.tamper.kid or self.provider.signing_key.kid or ""
        return {"alg": self.get_client_algorithm(client), "kid": kid}

    def resolve_client_private_key(self, client: Client) -> Any:
        if self.provider.tamper.hmac_with_client_secret:
            return OctKey.import_key(client.client_secret)
        return self.provider.tamper.forged_key or self.provider.signing_key

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        tamper, now = self.provider.tamper, int(self.provider.now())
        return {
            "iss": tamper.issuer or self.provider.issuer,
            "aud": [tamper.audience or client.client_id],
            "iat": now,
            "exp": now + (tamper.lifetime if tamper.lifetime is not None else 600),
            "auth_time": now,
        }

    def get_authorization_code_claims(self, authorization_code: Code) -> dict[str, Any]:
        claims = super().get_authorization_code_claims(authorization_code)
        if self.provider.tamper.nonce is not None:
            claims["nonce"] = self.provider.tamper.nonce
        return claims

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        return UserInfo(sub=user.sub, name=user.name, preferred_username=user.username)


LOGIN_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Organization sign-in</title></head><body><main>
<h1>Organization sign-in</h1>{error}
<form method="post" action="{action}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></main></body></html>"""


def _oauth_request(request: web.Request, data: dict[str, str]) -> Request:
    return Request(request.method, str(request.url), data, request.headers)


def build_app(provider: Provider) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/.well-known/openid-configuration")
    async def discovery(request: web.Request) -> web.Response:
        base = provider.issuer
        return web.json_response(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks",
                "userinfo_endpoint": f"{base}/userinfo",
                "end_session_endpoint": f"{base}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    @routes.get("/jwks")
    async def jwks(request: web.Request) -> web.Response:
        provider.jwks_fetches += 1
        keys = [{**k.as_dict(private=False), "use": "sig", "alg": "RS256"} for k in provider.keys]
        return web.json_response({"keys": keys})

    @routes.get("/authorize")
    async def authorize_form(request: web.Request) -> web.Response:
        provider.get_consent_grant(_oauth_request(request, dict(request.query)))
        return _form(request, "")

    @routes.post("/authorize")
    async def authorize(request: web.Request) -> web.Response:
        form = await request.post()
        oauth = _oauth_request(request, dict(request.query))
        grant = provider.get_consent_grant(oauth)
        person = provider.people.get(str(form.get("username", "")))
        if person is None or not secrets.compare_digest(person.password, str(form.get("password"))):
            return _form(request, "<p role='alert'>Wrong username or password.</p>")
        return provider.create_authorization_response(oauth, grant_user=person, grant=grant)

    @routes.post("/token")
    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        data = {k: str(v) for k, v in form.items()}
        return provider.create_token_response(_oauth_request(request, data))

    @routes.get("/userinfo")
    async def userinfo(request: web.Request) -> web.Response:
        person = provider.tokens.get(request.headers.get("Authorization", "")[len("Bearer ") :])
        if person is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(
            {"sub": person.sub, "name": person.name, "email": person.email, "email_verified": True}
        )

    @routes.get("/logout")
    async def logout(request: web.Request) -> web.Response:
        after = request.query.get("post_logout_redirect_uri", "")
        return web.Response(
            text=f"<!doctype html><title>Signed out</title><h1>Signed out at the provider</h1>"
            f"<a href='{html.escape(after)}'>Back</a>",
            content_type="text/html",
        )

    def _form(request: web.Request, error: str) -> web.Response:
        action = html.escape(str(request.rel_url))
        return web.Response(
            text=LOGIN_FORM.format(error=error, action=action), content_type="text/html"
        )

    app = web.Application()
    app.add_routes(routes)
    return app


@asynccontextmanager
async def running(now: Callable[[], float] = time.time) -> AsyncIterator[Provider]:
    """The provider on 127.0.0.1 and a random port; its issuer is its base URL."""
    provider = Provider(now)
    runner = web.AppRunner(build_app(provider))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    provider.issuer = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield provider
    finally:
        await runner.cleanup()
