"""Logging in through the JSON API: tokens, refresh rotation with reuse detection, logout,
throttling, disabling."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.models import AuthSession, User

from .conftest import PASSWORD, api_login, bearer


async def test_login_returns_tokens_that_open_api_me(client, world):
    tokens = await api_login(client, "botruong")
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    resp = await client.get("/api/me", headers=bearer(tokens))
    assert resp.status == 200
    me = await resp.json()
    assert me["username"] == "botruong"
    assert me["role"] == "member"
    assert me["organization"]["slug"] == "bo-y-te"


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, world):
    for username in ("botruong", "nobody"):
        resp = await client.post(
            "/api/auth/login", json={"username": username, "password": "wrong password"}
        )
        assert resp.status == 401
        body = await resp.json()
        assert body["error"]["code"] == "invalid_credentials"


async def test_api_me_needs_a_token(client, world):
    resp = await client.get("/api/me")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "not_authenticated"
    resp = await client.get("/api/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_token"
    resp = await client.get("/api/me", headers={"Authorization": "Basic abc"})
    assert resp.status == 401


async def test_access_token_expires_after_fifteen_minutes(client, world, clock):
    tokens = await api_login(client, "botruong")
    clock.advance(minutes=14)
    assert (await client.get("/api/me", headers=bearer(tokens))).status == 200
    clock.advance(minutes=2)
    resp = await client.get("/api/me", headers=bearer(tokens))
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "token_expired"


async def test_refresh_rotates_and_old_access_token_of_same_session_still_works(client, world):
    first = await api_login(client, "botruong")
    resp = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert resp.status == 200
    second = await resp.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/me", headers=bearer(second))).status == 200


async def test_reused_refresh_token_revokes_the_whole_family(client, world, svc):
    first = await api_login(client, "botruong")
    other_login = await api_login(client, "botruong")
    resp = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    second = await resp.json()
    # The thief (or the victim) presents the already-used token again.
    resp = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "refresh_token_reused"
    # Every token descended from that login is now dead ...
    resp = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert resp.status == 401
    assert (await client.get("/api/me", headers=bearer(second))).status == 401
    # ... but another, independent login of the same user is untouched.
    assert (await client.get("/api/me", headers=bearer(other_login))).status == 200
    async with svc.db.reading() as session:
        reasons = set(await session.scalars(select(AuthSession.revoked_reason)))
    assert reasons == {"refresh_reuse", None}


async def test_unknown_refresh_token_is_refused(client, world):
    resp = await client.post("/api/auth/refresh", json={"refresh_token": "made-up"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_refresh_token"


async def test_logout_ends_the_session_for_access_and_refresh_tokens(client, world):
    tokens = await api_login(client, "botruong")
    resp = await client.post("/api/auth/logout", headers=bearer(tokens))
    assert resp.status == 204
    assert (await client.get("/api/me", headers=bearer(tokens))).status == 401
    resp = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert resp.status == 401


async def test_failed_logins_are_throttled_per_account(client, world, clock):
    for _ in range(5):
        resp = await client.post(
            "/api/auth/login", json={"username": "botruong", "password": "wrong password"}
        )
        assert resp.status == 401
    # Even the right password is refused while the account is throttled.
    resp = await client.post("/api/auth/login", json={"username": "botruong", "password": PASSWORD})
    assert resp.status == 429
    assert (await resp.json())["error"]["code"] == "login_throttled"
    assert 0 < int(resp.headers["Retry-After"]) <= 15 * 60
    # Another account from the same address is not locked out by these five.
    await api_login(client, "daibieu")
    clock.advance(minutes=16)
    await api_login(client, "botruong")


async def test_failed_logins_are_throttled_per_address(client, world):
    for i in range(20):
        await client.post(
            "/api/auth/login", json={"username": f"guess{i}", "password": "wrong password"}
        )
    resp = await client.post("/api/auth/login", json={"username": "daibieu", "password": PASSWORD})
    assert resp.status == 429


async def test_disabling_a_user_ends_their_sessions_and_blocks_login(client, world):
    victim = await api_login(client, "daibieu")
    admin = await api_login(client, "admin")
    resp = await client.patch(
        f"/api/admin/users/{world['daibieu'].id}", json={"is_active": False}, headers=bearer(admin)
    )
    assert resp.status == 200
    assert (await client.get("/api/me", headers=bearer(victim))).status == 401
    resp = await client.post("/api/auth/login", json={"username": "daibieu", "password": PASSWORD})
    assert resp.status == 401


async def test_passwords_are_stored_only_as_argon2_hashes(svc, world):
    async with svc.db.reading() as session:
        hashes = list(await session.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)
