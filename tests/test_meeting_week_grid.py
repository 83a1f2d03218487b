"""Issue 21 item 9: the calendar's week view is an hour grid (a row per hour, a column per day),
each meeting in the row of its local start hour, with the office hours always shown."""

from __future__ import annotations

import re

from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare
from .test_meeting_pages import browser_login


async def test_the_week_is_an_hour_grid(client, world):
    await prepare(world)
    headers = bearer(await api_login(client, "thuky"))
    for title, starts, ends in (
        ("Họp sáng", "2026-12-03T09:00:00+07:00", "2026-12-03T10:30:00+07:00"),
        ("Họp tối", "2026-12-04T20:00:00+07:00", "2026-12-04T21:00:00+07:00"),
    ):
        body = meeting_body(title=title, starts_at=starts, ends_at=ends)
        assert (await client.post("/api/meetings", json=body, headers=headers)).status == 201
    await browser_login(client, "botruong")
    html = await (await client.get("/meetings?view=week&date=2026-12-03")).text()
    grid = html.split('<table class="calendar week hours">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row" class="hour">(\d\d:00)</th>(.*?)</tr>', grid, re.S)
    hours = [hour for hour, _ in rows]
    assert hours[0] == "07:00" and hours[-1] == "20:00", "office hours, widened to 20:00"
    assert len(hours) == 14
    cells = {hour: re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for hour, row in rows}
    assert len(cells["09:00"]) == 7, "Monday to Sunday"
    thursday, friday = 3, 4
    assert "09:00–10:30</time> Họp sáng" in cells["09:00"][thursday]
    assert "Họp tối" in cells["20:00"][friday]
    assert all(
        "Họp" not in cell for hour, row in cells.items() if hour != "09:00" for cell in row[:4]
    )
    assert "Thứ Năm 3/12" in grid
