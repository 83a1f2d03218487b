"""Single sign-on in a real headless Chromium: the login page's "Sign in with …" button, the
provider's own login form (a real authlib provider on loopback), back to e-Cabinet logged in;
then logout, which offers the provider's logout."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.async_api import expect

from ecabinet.app import create_app
from ecabinet.config import OidcProvider, Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Language, OrganizationLevel, Role
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory, sso
from ecabinet.web.appkeys import services_key

from . import oidc_provider
from .axe import check
from .browser import launch, serving
from .oidc_provider import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.browser
SECRET = "browser-test-secret-key-that-is-long-enough-42"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A migrated SQLite database of its own (synchronous: Alembic runs its own event loop)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"
    upgrade(url)
    return url


async def test_sign_in_with_the_organizations_provider_in_a_real_browser(
    tmp_path: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    url = database
    async with oidc_provider.running() as op:
        op.add_person("sub-42", "lan.tran", "op-password-1", "Trần Thị Lan", "lan@moh.gov.vn")
        settings = Settings(data_dir=tmp_path / "var", database_url=url, secret_key=SECRET)
        settings = replace(
            settings,
            oidc_providers=(
                OidcProvider(
                    name="moh",
                    issuer=op.issuer,
                    client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET,
                    display_name="Bộ Y tế",
                ),
            ),
        )
        app = create_app(settings)
        async with serving(app) as base:
            op.client.redirect_uris.append(f"{base}/auth/oidc/moh/callback")
            svc = app[services_key]
            org = await directory.create_organization(
                svc,
                None,
                OrganizationIn(slug="bo-y-te", name="Bộ Y tế", level=OrganizationLevel.MINISTRY),
            )
            user, _ = await directory.create_user(
                svc,
                None,
                UserIn(
                    username="thuky",
                    full_name="Trần Thị Lan",
                    role=Role.SECRETARY,
                    organization_id=org.id,
                    password="correct horse battery",
                    language=Language.VI,
                ),
            )
            await sso.link_user(svc, None, settings.oidc_providers, user.id, "moh", "sub-42")
            async with launch() as browser:
                context = await browser.new_context(base_url=base)
                context.set_default_timeout(15_000)
                page = await context.new_page()
                await page.goto("/")
                await expect(page).to_have_url(re.compile(r"/login"))
                await check(page)
                await page.get_by_role("link", name="Đăng nhập bằng Bộ Y tế").click()

                # The provider's own page.
                await expect(page.locator("h1")).to_have_text("Organization sign-in")
                await page.get_by_label("Username").fill("lan.tran")
                await page.get_by_label("Password").fill("op-password-1")
                await page.get_by_role("button", name="Sign in").click()

                await expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/$"))
                await expect(page.locator("h1")).to_contain_text("Trần Thị Lan")

                await page.get_by_role("button", name="Đăng xuất").click()
                await expect(page.locator("h1")).to_have_text("Đã đăng xuất")
                await check(page)
                await page.get_by_role("link", name="Đăng xuất khỏi cả Bộ Y tế").click()
                await expect(page.locator("h1")).to_have_text("Signed out at the provider")
                await page.goto("/")
                await expect(page).to_have_url(re.compile(r"/login"))
                await context.close()
