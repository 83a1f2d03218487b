"""Single sign-on with OpenID Connect over HTTP, against a real provider on loopback
(``tests/oidc_provider.py``, authlib's server): the good login, and every way a provider, an
attacker or a stale browser can get it wrong, each refused with its code and nobody logged in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from ecabinet.config import OidcProvider, Settings
from ecabinet.models import AuditEvent, AuthSession, SsoLink, User
from ecabinet.schemas.directory import UserPatch
from ecabinet.services import directory, sso
from ecabinet.services.actor import Actor

from . import oidc_provider
from .conftest import TEST_SECRET, World
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

SUBJECT = "248289761001"
OP_USER, OP_PASSWORD = "nguyenvana", "op-password-1"


@pytest.fixture
async def op(clock, monkeypatch) -> AsyncIterator[Provider]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider is on loopback http
    async with oidc_provider.running(lambda: clock.now().timestamp()) as provider:
        provider.add_person(SUBJECT, OP_USER, OP_PASSWORD, "Nguyễn Văn A", "a@moh.gov.vn")
        yield provider


@pytest.fixture
def provision() -> bool:
    return False


@pytest.fixture
def settings(db_url: str, tmp_path: Path, op: Provider, provision: bool) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        secret_key=TEST_SECRET,
        oidc_providers=(
            OidcProvider(
                name="corp",
                issuer=op.issuer,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                display_name="Bộ Y tế",
                provision=provision,
                provision_organization="bo-y-te" if provision else "",
            ),
        ),
    )


@pytest.fixture
def registered(client, op: Provider) -> None:
    op.client.redirect_uris.append(str(client.make_url("/auth/oidc/corp/callback")))


def _system_actor(world: World) -> Actor:
    admin = world["admin"]
    return Actor(
        user_id=admin.id,
        username=admin.username,
        full_name="Admin",
        role=admin.role,
        organization_id=admin.organization_id,
        language="en",
        session_id="",
        address="127.0.0.1",
    )


async def link(world: World, username: str = "botruong") -> None:
    await sso.link_user(
        world.svc,
        _system_actor(world),
        world.svc.settings.oidc_providers,
        world[username].id,
        "corp",
        SUBJECT,
    )


async def to_callback(http: aiohttp.ClientSession, client, *, password: str = OP_PASSWORD) -> str:
    """Start at e-Cabinet, sign in on the provider's form; the callback URL it sends back."""
    resp = await http.get(client.make_url("/auth/oidc/corp/login"), allow_redirects=False)
    assert resp.status == 303, await resp.text()
    authorize = resp.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    form = await http.get(authorize)
    assert "Organization sign-in" in await form.text()
    resp = await http.post(
        authorize, data={"username": OP_USER, "password": password}, allow_redirects=False
    )
    assert resp.status == 302, await resp.text()
    return resp.headers["Location"]


async def finish(http: aiohttp.ClientSession, callback: str) -> aiohttp.ClientResponse:
    resp = await http.get(callback, allow_redirects=False)
    await resp.read()
    return resp


def refused_code(body: str) -> str:
    marker = 'data-code="'
    assert marker in body, body[:2000]
    return body.split(marker, 1)[1].split('"', 1)[0]


async def sessions(world: World) -> int:
    async with world.svc.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(AuthSession)) or 0)


async def audit_actions(world: World) -> list[tuple[str, dict]]:
    async with world.svc.db.reading() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.data).order_by(AuditEvent.seq)
        )
        return [(a, d or {}) for a, d in rows]


async def assert_refused(client, world, http, callback: str, code: str, status: int = 403):
    before = await sessions(world)
    resp = await finish(http, callback)
    assert resp.status == status
    assert refused_code(await resp.text()) == code
    assert "ecab_session" not in {c.key for c in http.cookie_jar}
    assert await sessions(world) == before
    assert (await http.get(client.make_url("/api/me"))).status == 401


async def test_a_linked_subject_logs_in_and_is_audited_like_a_password_login(
    client, world, op, registered
):
    await link(world)
    http = client.session
    login_page = await (await http.get(client.make_url("/login"))).text()
    assert "Đăng nhập bằng Bộ Y tế" in login_page

    resp = await finish(http, await to_callback(http, client))
    assert resp.status == 303 and resp.headers["Location"] == "/"
    me = await http.get(client.make_url("/api/me"))
    assert me.status == 200 and (await me.json())["username"] == "botruong"
    actions = await audit_actions(world)
    assert ("auth.login", {"method": "oidc", "provider": "corp"}) in actions
    async with world.svc.db.reading() as session:
        stored = await session.scalar(select(SsoLink))
    assert stored.last_login_at is not None


async def test_logout_ends_the_session_and_offers_the_providers_logout(
    client, world, op, registered
):
    await link(world)
    http = client.session
    await finish(http, await to_callback(http, client))
    home = await (await http.get(client.make_url("/"))).text()
    csrf = home.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = await http.post(client.make_url("/logout"), data={"csrf_token": csrf})
    page = await resp.text()
    assert resp.status == 200
    assert f"{op.issuer}/logout?id_token_hint=" in page.replace("&amp;", "&")
    assert "post_logout_redirect_uri=" in page
    assert (await http.get(client.make_url("/api/me"))).status == 401


async def test_an_id_token_signed_with_another_key_is_refused(client, world, op, registered):
    await link(world)
    op.tamper.forged_key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    await assert_refused(
        client,
        world,
        client.session,
        await to_callback(client.session, client),
        "sso_bad_signature",
    )


async def test_an_id_token_naming_an_unpublished_key_is_refused(client, world, op, registered):
    await link(world)
    op.tamper.kid = "not-published"
    http = client.session
    await assert_refused(client, world, http, await to_callback(http, client), "sso_unknown_key")


async def test_an_id_token_signed_with_the_client_secret_is_refused(client, world, op, registered):
    """Algorithm confusion: HS256 keyed with a secret the client knows is never accepted."""
    await link(world)
    op.tamper.hmac_with_client_secret = True
    http = client.session
    await assert_refused(
        client, world, http, await to_callback(http, client), "sso_algorithm_refused"
    )


async def test_a_wrong_nonce_is_refused(client, world, op, registered):
    await link(world)
    op.tamper.nonce = "a-nonce-from-another-login"
    await assert_refused(
        client, world, client.session, await to_callback(client.session, client), "sso_wrong_nonce"
    )


async def test_a_wrong_issuer_is_refused(client, world, op, registered):
    await link(world)
    op.tamper.issuer = "https://evil.example"
    await assert_refused(
        client, world, client.session, await to_callback(client.session, client), "sso_wrong_issuer"
    )


async def test_a_wrong_audience_is_refused(client, world, op, registered):
    await link(world)
    op.tamper.audience = "another-application"
    await assert_refused(
        client,
        world,
        client.session,
        await to_callback(client.session, client),
        "sso_wrong_audience",
    )


async def test_an_expired_id_token_is_refused(client, world, op, registered):
    await link(world)
    op.tamper.lifetime = -300
    await assert_refused(
        client,
        world,
        client.session,
        await to_callback(client.session, client),
        "sso_token_expired",
    )


async def test_a_replayed_callback_and_a_replayed_code_are_refused(client, world, op, registered):
    await link(world)
    http = client.session
    first = await to_callback(http, client)
    assert (await finish(http, first)).status == 303
    http.cookie_jar.clear()
    # The same callback again: its state was used.
    await assert_refused(client, world, http, first, "sso_state_used")
    # The old code under a new, valid state: the provider refuses the code.
    second = await to_callback(http, client)
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    replay = second.replace(parse_qs(urlsplit(second).query)["code"][0], old_code)
    await assert_refused(client, world, http, replay, "sso_code_refused")


async def test_a_callback_from_another_browser_is_refused(client, world, op, registered):
    """Login CSRF: the attacker's callback URL (their state, their code) in the victim's browser."""
    await link(world)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as attacker:
        callback = await to_callback(attacker, client)
    await assert_refused(client, world, client.session, callback, "sso_state_mismatch")
    forged_state = callback.split("state=")[0] + "state=made-up"
    await assert_refused(client, world, client.session, forged_state, "sso_state_mismatch")


async def test_an_unknown_subject_is_refused_with_an_audit_entry(client, world, op, registered):
    http = client.session
    await assert_refused(
        client, world, http, await to_callback(http, client), "sso_unknown_subject"
    )
    refusals = [d for a, d in await audit_actions(world) if a == "auth.sso_refused"]
    assert refusals == [{"code": "sso_unknown_subject", "subject": SUBJECT}]


async def test_the_refusal_page_speaks_vietnamese_and_english(client, world, op, registered):
    http = client.session
    resp = await finish(http, await to_callback(http, client))
    assert "Chưa có tài khoản nào được liên kết với danh tính này" in await resp.text()
    http.cookie_jar.update_cookies({"lang": "en"})
    resp = await finish(http, await to_callback(http, client))
    assert "No account is linked to this identity" in await resp.text()


@pytest.mark.parametrize("provision", [True])
async def test_an_unknown_subject_gets_an_account_where_provisioning_is_allowed(
    client, world, op, registered, provision
):
    http = client.session
    resp = await finish(http, await to_callback(http, client))
    assert resp.status == 303
    me = await (await http.get(client.make_url("/api/me"))).json()
    assert me["username"] == OP_USER and me["role"] == "member"
    assert me["organization"]["slug"] == "bo-y-te" and me["full_name"] == "Nguyễn Văn A"
    async with world.svc.db.reading() as session:
        user = await session.scalar(select(User).where(User.username == OP_USER))
        links = list(await session.scalars(select(SsoLink)))
    assert user.email == "a@moh.gov.vn" and not user.must_change_password
    assert [(lk.user_id, lk.subject, lk.issuer) for lk in links] == [(user.id, SUBJECT, op.issuer)]
    assert "auth.sso_provisioned" in [a for a, _ in await audit_actions(world)]
    # The second time, the same account.
    http.cookie_jar.clear()
    await finish(http, await to_callback(http, client))
    assert (await (await http.get(client.make_url("/api/me"))).json())["id"] == me["id"]


async def test_a_new_signing_key_is_fetched_once_when_the_provider_rotates(
    client, world, op, registered
):
    await link(world)
    http = client.session
    assert (await finish(http, await to_callback(http, client))).status == 303
    assert op.jwks_fetches == 1
    http.cookie_jar.clear()
    assert (await finish(http, await to_callback(http, client))).status == 303
    assert op.jwks_fetches == 1  # cached
    op.rotate()
    http.cookie_jar.clear()
    resp = await finish(http, await to_callback(http, client))
    assert resp.status == 303
    assert op.jwks_fetches == 2
    assert (await http.get(client.make_url("/api/me"))).status == 200


async def test_a_disabled_user_cannot_log_in_through_the_provider(client, world, op, registered):
    await link(world)
    await directory.update_user(
        world.svc, _system_actor(world), world["botruong"].id, UserPatch(is_active=False)
    )
    await assert_refused(
        client, world, client.session, await to_callback(client.session, client), "account_disabled"
    )


async def test_an_unknown_provider_is_not_found(client, world, op, registered):
    resp = await client.get("/auth/oidc/nobody/login", allow_redirects=False)
    assert resp.status == 404
    assert refused_code(await resp.text()) == "sso_unknown_provider"
