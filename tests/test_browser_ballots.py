"""Acceptance: sending an opinion ballot with a PDF from the form, in real Chromium.

The secretary fills the form (question, explanatory text, a member picked from the directory,
the deadline in the organization's time zone, a PDF), the ballot arrives in the member's inbox
with the attachment, which opens in the pdf.js reader; a member who did not receive the ballot
gets 404 for that document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from ecabinet.services import opinion_ballots

from .browser import launch, logged_in
from .conftest import PASSWORD, World
from .documents.pdfs import make_pdf
from .governance import actor

pytestmark = pytest.mark.browser
MARKER = "Dự thảo Nghị định"


async def test_the_secretary_sends_a_ballot_with_a_pdf_and_the_member_reads_it(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    pdf = tmp_path / "du-thao-nghi-dinh.pdf"
    pdf.write_bytes(make_pdf(MARKER, pages=2))
    base = f"http://{client.host}:{client.port}"
    async with launch() as browser:
        _, secretary = await logged_in(browser, base, "thuky", PASSWORD)
        await secretary.goto("/ballots")
        await secretary.get_by_role("link", name="Send a ballot").click()
        await secretary.wait_for_url("**/ballots/new")
        form = secretary.locator("#ballot-form")
        await form.locator("input[name=title]").fill("Xin ý kiến dự thảo Nghị định")
        await form.locator("textarea[name=question]").fill("Đồng chí có đồng ý với dự thảo?")
        await form.locator("textarea[name=explanation]").fill("Dự thảo bổ sung ba điều mới.")
        await form.locator("input[name=deadline]").fill("2026-11-30T17:00")
        await form.locator("summary", has_text="Bộ Y tế").click()
        await form.locator("input[name=recipients][value=daibieu]").check()
        await form.locator("input[name=files]").set_input_files(str(pdf))
        await form.locator("button[type=submit]").click()
        await secretary.wait_for_url("**/ballots/*?notice=sent")
        await expect(secretary.locator(".attachments")).to_contain_text("du-thao-nghi-dinh")
        assert await secretary.evaluate("window.__csp") == []

        ballots = await opinion_ballots.inbox(world.svc, actor(world, "daibieu"))
        assert len(ballots) == 1
        ballot = ballots[0]
        assert ballot.explanation == "Dự thảo bổ sung ba điều mới."
        assert ballot.deadline.isoformat() == "2026-11-30T10:00:00+00:00"  # 17:00 in Hà Nội
        [attachment] = ballot.attachments

        _, member = await logged_in(browser, base, "daibieu", PASSWORD)
        await member.goto("/ballots")
        await member.get_by_role("link", name="du-thao-nghi-dinh").click()
        await member.wait_for_url(f"**/documents/{attachment.id}/read")
        layer = member.locator('#viewer .page[data-page-number="1"] .textLayer')
        await expect(layer).to_contain_text(MARKER, timeout=30_000)
        assert await member.evaluate("window.__csp") == []

        _, outsider = await logged_in(browser, base, "botruong", PASSWORD)
        page = await outsider.goto(f"/documents/{attachment.id}/read")
        assert page is not None and page.status == 404
        content = await outsider.request.get(f"/api/documents/{attachment.id}/content")
        assert content.status == 404
