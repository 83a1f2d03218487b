"""Wording in the room and on the console (issue 22 item 4): the main video is not labelled
"Main speaker" when it shows the chair while nobody speaks, and an empty speaking queue is not
numbered ("1. Nobody has asked for the floor.")."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.browser import launch, logged_in

from ..conftest import PASSWORD
from .conftest import Join, Meeting

pytestmark = pytest.mark.browser


async def test_the_chair_shown_while_nobody_speaks_is_not_the_main_speaker(
    client: TestClient, meeting: Meeting, joiner: Join
) -> None:
    chair = await joiner("botruong", "red")  # no microphone: never the active speaker
    base = f"http://{client.host}:{client.port}"
    async with launch(media=True) as browser:
        _, room = await logged_in(browser, base, "daibieu", PASSWORD)
        await room.goto(f"/meetings/{meeting.id}/room")
        await room.wait_for_function(
            f"() => window.ecabinetRoom.slots.main === '{chair.participant}'", timeout=30_000
        )
        label = room.locator(".tile.main .slot-label")
        await room.wait_for_function(
            "() => document.querySelector('.tile.main .slot-label').textContent === 'Chair'"
        )
        assert await label.text_content() == "Chair"

        _, console = await logged_in(browser, base, "botruong", PASSWORD)
        await console.goto(f"/meetings/{meeting.id}/session")
        empty = console.locator("ol.queue li.empty")
        assert await empty.text_content() == "Nobody has asked for the floor."
        style = await empty.evaluate("(li) => getComputedStyle(li).listStyleType")
        assert style == "none"
