"""Issue 18 from the signing page, in headless Chromium: a signer registers the certificate on
their SoftHSM2 token through the signing agent, then signs the minutes with "Sign with my token";
the agent asks at its console and the page says what happened (agent not running, signer said
no). The page may reach the agent (its CSP names the agent's origin) and nothing else."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.async_api import expect

from ecabinet.clock import FrozenClock
from ecabinet.schemas.minutes import ApproveIn
from ecabinet.services import minutes_signing, verification
from tests.conftest import PASSWORD, World
from tests.minutes.test_minutes_signing import _in_review

from ..browser import launch, logged_in
from .device_pki import DeviceCa
from .softhsm import Agent, SoftHsm
from .test_token_signing import ORDER, _token, national  # noqa: F401 (the national fixture)

pytestmark = pytest.mark.browser


async def test_a_signer_signs_the_minutes_with_their_token_from_the_page(
    client,
    svc,
    world: World,
    clock: FrozenClock,
    national: DeviceCa,  # noqa: F811
    tmp_path,
) -> None:
    held, mid = await _in_review(world, clock)
    await minutes_signing.approve(
        svc, held.actor("thuky"), mid, ApproveIn(version=1, signer_ids=[world[n].id for n in ORDER])
    )
    token = _token(SoftHsm.create(tmp_path / "hsm"), national, "thuky")
    base = f"http://{client.host}:{client.port}"
    svc.settings = replace(svc.settings, signer_agent_url="http://127.0.0.1:9")  # nobody there
    agent = await Agent.start(token, base)
    try:
        async with launch() as browser:
            _, page = await logged_in(browser, base, "thuky", PASSWORD)
            await page.goto(f"/minutes/{mid}/sign")
            assert "connect-src 'self' http://127.0.0.1:9;" in (
                await page.evaluate(
                    "fetch(location.href).then(r => r.headers.get('content-security-policy'))"
                )
            )
            box = page.locator("#use-token")
            await box.locator("summary").click()
            await box.get_by_role("button", name="Use my token's certificate").click()
            await expect(box.locator(".status")).to_contain_text(
                "The signing agent does not answer on this computer."
            )

            svc.settings = replace(svc.settings, signer_agent_url=agent.url)
            await page.reload()
            box = page.locator("#use-token")
            await box.locator("summary").click()
            await box.get_by_role("button", name="Use my token's certificate").click()
            sign = page.locator("#sign-token")
            await expect(sign.get_by_role("button", name="Sign with my token")).to_be_visible()
            await expect(page.locator("#use-token")).to_have_count(0)
            await expect(page.locator("form[action$='/sign'] input[name=password]")).to_have_count(
                0
            )

            # the signer reads the request at the agent and declines: nothing is signed
            await sign.get_by_role("button", name="Sign with my token").click()
            console = await agent.expect(r"\[y/N\] ")
            assert "Sign this document?" in console and "Mã băm / SHA-256" in console
            await expect(sign.locator(".status")).to_contain_text("Confirm on your signing agent")
            await agent.answer("n")
            await expect(sign.locator(".status")).to_have_text(
                "You did not confirm on the signing agent; nothing was signed."
            )
            # asked again, confirmed
            await sign.get_by_role("button", name="Sign with my token").click()
            await agent.expect(r"\[y/N\] ")
            await agent.answer("y")
            await page.wait_for_url("**notice=signed")
            await expect(page.locator("[data-position]")).to_contain_text("1")
    finally:
        await agent.stop()

    pdf = (await minutes_signing.pdf(svc, held.actor("thuky"), mid)).data
    report = await verification.verify(svc, pdf)
    assert [(s.kind, s.valid, s.signer) for s in report.signatures] == [("own_key", True, "Thuky")]
