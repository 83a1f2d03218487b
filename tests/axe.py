"""axe-core in the browser tests: inject the vendored axe (tests/js/axe-core, MPL-2.0) into the
page Playwright shows and fail on every critical or serious violation, naming the rule and the
elements. Call :func:`check` at each page state a test visits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

AXE = Path(__file__).resolve().parent / "js" / "axe-core" / "axe.min.js"
FAILING = ("critical", "serious")


async def violations(page: Page) -> list[dict[str, Any]]:
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated over the DevTools protocol: the page's CSP (no inline script) still holds
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = await page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v["impact"] in FAILING]


async def check(page: Page, state: str = "") -> None:
    """No critical or serious accessibility violation in the page as it is now."""
    found = await violations(page)
    assert not found, f"axe on {state or page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['nodes'])}" for v in found
    )
