"""A user changes their own password."""

from __future__ import annotations

from .conftest import PASSWORD, api_login, bearer

NEW = "a brand new passphrase"


async def test_changing_password_needs_the_current_one(client, world):
    tokens = await api_login(client, "daibieu")
    resp = await client.post(
        "/api/me/password",
        json={"current_password": "not my password", "new_password": NEW},
        headers=bearer(tokens),
    )
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "wrong_password"
    await api_login(client, "daibieu", PASSWORD)


async def test_new_password_works_old_one_and_other_sessions_do_not(client, world):
    elsewhere = await api_login(client, "daibieu")
    here = await api_login(client, "daibieu")
    resp = await client.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers=bearer(here),
    )
    assert resp.status == 204
    assert (await client.get("/api/me", headers=bearer(here))).status == 200
    assert (await client.get("/api/me", headers=bearer(elsewhere))).status == 401
    resp = await client.post("/api/auth/login", json={"username": "daibieu", "password": PASSWORD})
    assert resp.status == 401
    await api_login(client, "daibieu", NEW)


async def test_weak_or_unchanged_new_password_is_refused(client, world):
    tokens = await api_login(client, "daibieu")
    for new, status, code in (
        ("short", 422, "validation_failed"),
        (PASSWORD, 422, "password_unchanged"),
    ):
        resp = await client.post(
            "/api/me/password",
            json={"current_password": PASSWORD, "new_password": new},
            headers=bearer(tokens),
        )
        assert resp.status == status
        assert (await resp.json())["error"]["code"] == code


async def test_generated_password_must_be_changed_and_the_flag_clears(client, world):
    admin = await api_login(client, "admin")
    resp = await client.post(
        f"/api/admin/users/{world['daibieu'].id}/reset-password", headers=bearer(admin)
    )
    generated = (await resp.json())["initial_password"]
    tokens = await api_login(client, "daibieu", generated)
    assert (await (await client.get("/api/me", headers=bearer(tokens))).json())[
        "must_change_password"
    ]
    resp = await client.post(
        "/api/me/password",
        json={"current_password": generated, "new_password": NEW},
        headers=bearer(tokens),
    )
    assert resp.status == 204
    me = await (await client.get("/api/me", headers=bearer(tokens))).json()
    assert me["must_change_password"] is False


async def _form_login(client, username: str, password: str):
    page = await (await client.get("/login")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        allow_redirects=False,
    )


async def test_browser_login_with_a_generated_password_lands_on_the_change_page(client, world):
    admin = await api_login(client, "admin")
    resp = await client.post(
        f"/api/admin/users/{world['daibieu'].id}/reset-password", headers=bearer(admin)
    )
    generated = (await resp.json())["initial_password"]
    resp = await _form_login(client, "daibieu", generated)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/account/password?next=")
    page = await (await client.get("/account/password")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    resp = await client.post(
        "/account/password",
        data={"current": generated, "new": NEW, "again": NEW + "x", "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 422
    assert "password" in (await resp.text()).lower()
    resp = await client.post(
        "/account/password",
        data={"current": generated, "new": NEW, "again": NEW, "csrf_token": token, "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/"
    home = await (await client.get("/")).text()
    assert "/account/password" not in home.split("<main")[1].split("</p>")[0]
    client.session.cookie_jar.clear()  # an API client has no browser cookies
    await api_login(client, "daibieu", NEW)


async def test_ordinary_login_goes_where_it_was_asked(client, world):
    resp = await _form_login(client, "daibieu", PASSWORD)
    assert resp.status == 303 and resp.headers["Location"] == "/"
