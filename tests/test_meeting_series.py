"""Series from an RRULE: each occurrence its own meeting and UID; one occurrence or the rest of
the series moved or cancelled in one action."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from .conftest import api_login, bearer
from .scheduling import meeting_body, outbox, prepare

FIRST_THURSDAYS = "FREQ=MONTHLY;BYDAY=1TH;COUNT=6"


def series_body(**overrides):
    body = meeting_body(
        title="Phiên họp Chính phủ thường kỳ",
        starts_at="2026-12-03T09:00:00+07:00",
        ends_at="2026-12-03T11:30:00+07:00",
    )
    body["rrule"] = FIRST_THURSDAYS
    body.update(overrides)
    return body


async def _series(client, headers, **overrides):
    resp = await client.post("/api/series", json=series_body(**overrides), headers=headers)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_occurrences_match_dateutil_and_each_has_its_own_uid(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    series = await _series(client, secretary)
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    expected = list(rrulestr(FIRST_THURSDAYS, dtstart=datetime(2026, 12, 3, 9, tzinfo=zone)))
    starts = [datetime.fromisoformat(m["starts_at"]) for m in series["meetings"]]
    assert starts == expected
    assert [s.astimezone(zone).day for s in starts] == [3, 7, 4, 4, 1, 6]
    details = [
        await (await client.get(f"/api/meetings/{m['id']}", headers=secretary)).json()
        for m in series["meetings"]
    ]
    assert len({d["ical_uid"] for d in details}) == 6
    assert {d["series_id"] for d in details} == {series["id"]}
    mails = await outbox(world)
    assert len(mails) == 6 * 2
    assert all("RRULE" not in m.ics for m in mails), "no RRULE in invitations (Outlook)"
    got = await (await client.get(f"/api/series/{series['id']}", headers=secretary)).json()
    assert [m["id"] for m in got["meetings"]] == [m["id"] for m in series["meetings"]]


async def test_wall_clock_time_holds_across_daylight_saving(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    series = await _series(
        client,
        secretary,
        starts_at="2027-03-18T09:00:00+01:00",
        ends_at="2027-03-18T10:00:00+01:00",
        time_zone="Europe/Berlin",
        rrule="FREQ=WEEKLY;COUNT=3",
        room="",
    )
    zone = ZoneInfo("Europe/Berlin")
    local = [datetime.fromisoformat(m["starts_at"]).astimezone(zone) for m in series["meetings"]]
    assert [t.hour for t in local] == [9, 9, 9]
    utc = [datetime.fromisoformat(m["starts_at"]).astimezone(UTC).hour for m in series["meetings"]]
    assert utc == [8, 8, 7]


async def test_moving_one_occurrence_tells_only_its_participants_once(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    series = await _series(client, secretary)
    target = series["meetings"][2]
    before = len(await outbox(world))
    resp = await client.patch(
        f"/api/meetings/{target['id']}",
        json={"starts_at": "2027-02-05T09:00:00+07:00"},
        headers=secretary,
    )
    assert resp.status == 200, await resp.text()
    new = (await outbox(world))[before:]
    assert sorted(m.to_address for m in new) == ["botruong@chinhphu.vn", "daibieu@chinhphu.vn"]
    assert {m.meeting_id for m in new} == {target["id"]}
    assert all("SEQUENCE:1" in m.ics for m in new)
    for other in series["meetings"]:
        if other["id"] != target["id"]:
            got = await (await client.get(f"/api/meetings/{other['id']}", headers=secretary)).json()
            assert got["sequence"] == 0


async def test_this_and_following_moves_the_rest_of_the_series_in_one_action(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    series = await _series(client, secretary)
    pivot = series["meetings"][3]
    resp = await client.patch(
        f"/api/meetings/{pivot['id']}",
        json={"starts_at": "2027-03-04T14:00:00+07:00", "scope": "following", "room": "Phòng B"},
        headers=secretary,
    )
    assert resp.status == 200, await resp.text()
    got = await (await client.get(f"/api/series/{series['id']}", headers=secretary)).json()
    hours = [datetime.fromisoformat(m["starts_at"]).astimezone(UTC).hour for m in got["meetings"]]
    assert hours == [2, 2, 2, 7, 7, 7]
    assert [m["room"] for m in got["meetings"]] == ["Phòng họp A, VPCP"] * 3 + ["Phòng B"] * 3
    updates = [m for m in await outbox(world) if m.purpose == "update"]
    assert {m.meeting_id for m in updates} == {m["id"] for m in series["meetings"][3:]}


async def test_cancelling_this_and_following(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    series = await _series(client, secretary)
    pivot = series["meetings"][4]
    resp = await client.delete(f"/api/meetings/{pivot['id']}?scope=following", headers=secretary)
    assert resp.status == 200
    got = await (await client.get(f"/api/series/{series['id']}", headers=secretary)).json()
    assert [m["status"] for m in got["meetings"]] == ["scheduled"] * 4 + ["cancelled"] * 2
    cancels = [m for m in await outbox(world) if m.purpose == "cancellation"]
    assert len(cancels) == 4


async def test_rules_that_never_end_or_do_not_parse_are_refused(client, world):
    secretary = bearer(await api_login(client, "thuky"))
    for rule in (
        "FREQ=MONTHLY;BYDAY=1TH",
        "FREQ=SOMETIMES;COUNT=2",
        "FREQ=MINUTELY;COUNT=5",
        "FREQ=DAILY;COUNT=500",
        "FREQ=WEEKLY;BYDAY=XX;COUNT=2",
    ):
        resp = await client.post("/api/series", json=series_body(rrule=rule), headers=secretary)
        assert resp.status == 422, rule
        assert (await resp.json())["error"]["code"] in ("invalid_rrule", "series_too_long"), rule


async def test_members_cannot_create_series_or_read_others(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    series = await _series(client, secretary, participants=[{"username": "botruong"}])
    outsider = bearer(await api_login(client, "daibieu"))
    assert (await client.get(f"/api/series/{series['id']}", headers=outsider)).status == 404
    resp = await client.post("/api/series", json=series_body(), headers=outsider)
    assert resp.status == 403
