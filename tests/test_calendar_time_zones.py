"""Every zone with daylight saving time that the API accepts, read back by Mozilla's ical.js
(Thunderbird) and by vobject from the VTIMEZONE we generate: summer and winter, both sides of
each change, must land on the instant zoneinfo says (issue 20, item 1)."""

from __future__ import annotations

import functools
import itertools
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from pydantic import TypeAdapter, ValidationError

from ecabinet.schemas.meetings import TimeZoneName
from ecabinet.services import calendar

from .calendar_parsers import icaljs_times, require_icaljs, vobject_times
from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare

YEARS = (2026, 2027)
WEEK = timedelta(days=7)
ZONE_NAME = TypeAdapter(TimeZoneName)


def _accepted(name: str) -> bool:
    try:
        ZONE_NAME.validate_python(name)
    except ValidationError:
        return False
    return True


def _weekly_noons(zone: ZoneInfo) -> list[datetime]:
    first = datetime(YEARS[0], 1, 1, 12, tzinfo=UTC)
    count = (datetime(YEARS[-1] + 1, 1, 1, tzinfo=UTC) - first) // WEEK
    return [(first + n * WEEK).astimezone(zone) for n in range(count)]


def _dst_zones() -> list[str]:
    """Zones the API accepts whose offset changes during YEARS (sampled once a week)."""
    found = []
    for name in sorted(zoneinfo.available_timezones()):
        if not _accepted(name):
            continue
        offsets = {t.utcoffset() for t in _weekly_noons(ZoneInfo(name))}
        if len(offsets) > 1:
            found.append(name)
    return found


DST_ZONES = _dst_zones()


def _local_times(name: str) -> list[datetime]:
    """10:00 local on mid-month days of each season, and in the weeks around every change."""
    zone = ZoneInfo(name)
    times = [datetime(y, m, 15, 10, tzinfo=zone) for y in YEARS for m in (1, 4, 7, 10)]
    noons = _weekly_noons(zone)
    for before, after in itertools.pairwise(noons):
        if before.utcoffset() != after.utcoffset():
            times += [before.replace(hour=10), after.replace(hour=10)]
    return sorted(set(times))


@functools.cache
def _document(name: str) -> tuple[bytes, dict[str, datetime]]:
    events, expected = [], {}
    for n, local in enumerate(_local_times(name)):
        ev = icalendar.Event()
        uid = f"{n}-{name}@test"
        ev.add("uid", uid)
        ev.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        ev.add("dtstart", local)
        ev.add("dtend", local + timedelta(hours=1))
        ev.add("summary", "Họp")
        events.append(ev)
        expected[uid] = local.astimezone(UTC)
    return calendar.document("REQUEST", events), expected


def _wrong(name: str, got: list, expected: dict[str, datetime]) -> list[str]:
    errors = []
    for t in got:
        want = expected[t.uid]
        if t.start != want or t.end != want + timedelta(hours=1):
            errors.append(f"{name} {t.uid}: {t.start:%Y-%m-%dT%H:%MZ}, not {want:%Y-%m-%dT%H:%MZ}")
    if len(got) != len(expected):
        errors.append(f"{name}: {len(got)} events read, not {len(expected)}")
    return errors


def test_the_zones_under_test_include_the_usual_daylight_saving_rules():
    for name in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Africa/Casablanca"):
        assert name in DST_ZONES
    assert "Asia/Ho_Chi_Minh" not in DST_ZONES
    assert len(DST_ZONES) > 100


def test_every_daylight_saving_zone_reads_right_in_icaljs():
    require_icaljs()
    documents = {name: _document(name) for name in DST_ZONES}
    results = icaljs_times([doc for doc, _ in documents.values()])
    errors = []
    for (name, (_, expected)), got in zip(documents.items(), results, strict=True):
        errors += _wrong(name, got, expected)
    assert not errors, "\n".join(errors[:40])


def test_every_daylight_saving_zone_reads_right_in_vobject():
    errors = []
    for name in DST_ZONES:
        doc, expected = _document(name)
        errors += _wrong(name, vobject_times(doc), expected)
    assert not errors, "\n".join(errors[:40])


@pytest.mark.parametrize("name", ["Europe/Berlin", "Africa/Casablanca", "Asia/Jerusalem"])
def test_vtimezone_has_a_rule_per_observance_or_one_rdate_per_line(name):
    doc, _ = _document(name)
    text = doc.decode().replace("\r\n ", "")
    assert not re.search(r"^RDATE[^\r\n]*,", text, re.M), "no list of dates on one RDATE"
    cal = icalendar.Calendar.from_ical(doc)
    (tz,) = cal.walk("VTIMEZONE")
    for observance in tz.subcomponents:
        assert "DTSTART" in observance and "TZOFFSETFROM" in observance
    if name == "Europe/Berlin":
        rules = {o.name: o["RRULE"].to_ical().decode() for o in tz.subcomponents}
        assert rules == {
            "DAYLIGHT": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
            "STANDARD": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        }
        starts = {o.name: o.decoded("DTSTART").time().hour for o in tz.subcomponents}
        assert starts == {"DAYLIGHT": 2, "STANDARD": 3}, "local time before the change"


async def test_a_berlin_meeting_in_july_is_0800z_in_thunderbird_and_vobject(client, world):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    made = []
    for day in ("2027-07-01", "2027-01-14"):
        body = meeting_body(
            starts_at=f"{day}T10:00:00+0{2 if day.endswith('07-01') else 1}:00",
            ends_at=f"{day}T11:00:00+0{2 if day.endswith('07-01') else 1}:00",
            time_zone="Europe/Berlin",
        )
        resp = await client.post("/api/meetings", json=body, headers=secretary)
        assert resp.status == 201, await resp.text()
        made.append(await resp.json())
    docs = []
    for meeting in made:
        resp = await client.get(f"/api/meetings/{meeting['id']}/invitation.ics", headers=secretary)
        assert resp.status == 200
        docs.append(await resp.read())
    want = [datetime(2027, 7, 1, 8, tzinfo=UTC), datetime(2027, 1, 14, 9, tzinfo=UTC)]
    assert [t[0].start for t in map(vobject_times, docs)] == want
    assert [t[0].start for t in icaljs_times(docs)] == want
