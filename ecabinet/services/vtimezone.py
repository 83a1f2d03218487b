"""VTIMEZONE components (RFC 5545 §3.6.5) written the way Outlook and Google write them.

``icalendar``'s ``add_missing_timezones()`` lists every transition of an observance as
comma-separated values on one RDATE line. Mozilla's ical.js (Thunderbird) and vobject read only
the first value, so a meeting at 10:00 CEST in Berlin showed at 09:00Z there instead of 08:00Z
(issue 20). Here every observance is one yearly RRULE (``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``),
as Outlook and Google send it, ending with UNTIL when the zone stops using that rule; a zone
whose transitions follow no weekday rule (Morocco's Ramadan time) gets one RDATE per line.

Transitions are read from ``zoneinfo`` from 2000 (or a year before the document's first event
if earlier) to ``HORIZON_YEARS`` after its last, so a zone that changed its rules is right for
the dates the document holds, and an open-ended rule is one the zone keeps.
An observance's DTSTART is local time before the change (TZOFFSETFROM), as RFC 5545 says.
"""

from __future__ import annotations

import calendar as gregorian
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar.prop import vRecur

DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Rules are checked against zoneinfo this many years past the last event, so that a client
# extrapolating an open-ended RRULE stays right for years (and a rule that held only by
# chance over a short span, such as "last Friday" for Israel's "Friday on or after the 23rd",
# is not taken).
HORIZON_YEARS = 10
# ... and from 2000 at the latest: vobject takes a zone for UTC when its offsets match UTC's over
# 2000–2020, so London or Casablanca described from 2025 only would be read as UTC there.
HISTORY_FROM = 2000
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset or abbreviation."""

    at: datetime  # the instant, in UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str

    @property
    def local(self) -> datetime:
        """The onset as a floating local time before the change (an observance's DTSTART)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def daylight(self) -> bool:
        return self.offset_to > self.offset_from

    @property
    def kind(self) -> tuple[bool, timedelta, timedelta, str]:
        return (self.daylight, self.offset_from, self.offset_to, self.name)


def _state(zone: ZoneInfo, at: datetime) -> tuple[timedelta, str]:
    local = at.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or ""


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every transition of ``zone`` in [start, end), to the second (day steps, then bisection)."""
    found: list[Transition] = []
    at, state = start, _state(zone, start)
    while at < end:
        step = min(at + DAY, end)
        after = _state(zone, step)
        if after != state:
            low, high = at, step  # state at low, after at high
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                if _state(zone, mid) == state:
                    low = mid
                else:
                    high = mid
            found.append(Transition(high.replace(microsecond=0), state[0], after[0], after[1]))
        at, state = step, after
    return found


@functools.lru_cache(maxsize=256)
def _transitions(tzid: str, first_year: int, end_year: int) -> tuple[Transition, ...]:
    start, end = (datetime(y, 1, 1, tzinfo=UTC) for y in (first_year, end_year))
    return tuple(transitions(ZoneInfo(tzid), start, end))


def _weekday_rule(onsets: list[datetime]) -> dict[str, object] | None:
    """The BYDAY (and BYMONTHDAY) that names every onset: ``-1SU`` (last Sunday), ``2SU``
    (second Sunday), or "the Friday on or after the 23rd" (BYDAY=FR;BYMONTHDAY=23,…,29, as
    tzdata's ``Fri>=23`` for Israel); None when the onsets are not all one weekday."""
    weekday = WEEKDAYS[onsets[0].weekday()]
    if any(WEEKDAYS[o.weekday()] != weekday for o in onsets):
        return None
    if all(_is_last(o) for o in onsets):  # "last Sunday" rather than "4th Sunday"
        return {"BYDAY": f"-1{weekday}"}
    nth = _nth(onsets[0])
    if all(_nth(o) == nth for o in onsets):
        return {"BYDAY": f"{nth}{weekday}"}
    days = [o.day for o in onsets]
    if max(days) - min(days) <= 6:
        first = max(days) - 6 if max(days) > 7 else 1
        return {"BYDAY": weekday, "BYMONTHDAY": list(range(first, first + 7))}
    return None


def _nth(day: datetime) -> int:
    return (day.day - 1) // 7 + 1


def _is_last(day: datetime) -> bool:
    return day.day + 7 > gregorian.monthrange(day.year, day.month)[1]


def _yearly_rule(group: list[Transition], last_year: int) -> vRecur | None:
    """One RRULE for a run of same-kind transitions, one a year, same month and clock time."""
    onsets = [t.local for t in group]
    years = [o.year for o in onsets]
    if years != list(range(years[0], years[0] + len(years))):
        return None
    if len({(o.month, o.time()) for o in onsets}) != 1:
        return None
    days = _weekday_rule(onsets)
    if days is None:
        return None
    rule = vRecur({"FREQ": "YEARLY", "BYMONTH": onsets[0].month, **days})
    if years[-1] < last_year:  # the zone stopped using this rule inside the window
        rule["UNTIL"] = group[-1].at
    return rule


def _runs(found: list[Transition]) -> list[list[Transition]]:
    """Same-kind transitions grouped into runs that a rule may cover, in order of first onset."""
    runs: dict[tuple[object, ...], list[list[Transition]]] = {}
    for t in found:
        key = (*t.kind, t.local.month, t.local.time())
        chains = runs.setdefault(key, [])
        if chains and chains[-1][-1].local.year == t.local.year - 1:
            chains[-1].append(t)
        else:
            chains.append([t])
    return sorted((c for chains in runs.values() for c in chains), key=lambda c: c[0].at)


def _ruled_parts(
    run: list[Transition], last_year: int
) -> list[tuple[list[Transition], vRecur | None]]:
    """Split a run into the longest spans one rule covers, latest first (the rule in force
    now is the one clients extrapolate); what no rule covers comes back with None."""
    parts: list[tuple[list[Transition], vRecur | None]] = []
    end = len(run)
    while end > 0:
        begin, rule = end - 1, None
        while begin > 0 and (longer := _yearly_rule(run[begin - 1 : end], last_year)):
            begin, rule = begin - 1, longer
        parts.append((run[begin:end], rule))
        end = begin
    return parts[::-1]


def _observance(first: Transition) -> Component:
    sub = TimezoneDaylight() if first.daylight else TimezoneStandard()
    sub.add("dtstart", first.local)
    sub.add("tzoffsetfrom", first.offset_from)
    sub.add("tzoffsetto", first.offset_to)
    if first.name:
        sub.add("tzname", first.name)
    return sub


def vtimezone(tzid: str, start: datetime, end: datetime) -> Timezone:
    """The VTIMEZONE of ``tzid``, right from 2000 (or the year before ``start``) to
    ``HORIZON_YEARS`` after ``end``: one observance per rule (RRULE), or per irregular kind of
    change (one RDATE line per change)."""
    zone = ZoneInfo(tzid)
    window_start = datetime(min(start.year - 1, HISTORY_FROM), 1, 1, tzinfo=UTC)
    window_end = datetime(end.year + HORIZON_YEARS + 1, 1, 1, tzinfo=UTC)
    found = list(_transitions(tzid, window_start.year, window_end.year))
    tz = Timezone()
    tz.add("tzid", tzid)
    if not found:  # no change in the window: one STANDARD with the zone's offset
        offset, name = _state(zone, window_start)
        found = [Transition(EPOCH - offset, offset, offset, name)]  # DTSTART:19700101T000000
    last_year = window_end.year - 1
    irregular: dict[tuple[object, ...], list[Transition]] = {}
    for run in _runs(found):
        for part, rule in _ruled_parts(run, last_year):
            if rule is None:
                irregular.setdefault(part[0].kind, []).extend(part)
                continue
            sub = _observance(part[0])
            sub.add("rrule", rule)
            tz.add_component(sub)
    for group in irregular.values():
        group.sort(key=lambda t: t.at)
        sub = _observance(group[0])
        # One RDATE property per onset, never a list, and the first one too: ical.js (as
        # libical) takes an observance with RDATEs to change on those dates only.
        for t in group:
            sub.add("rdate", t.local)
        tz.add_component(sub)
    return tz


def _spans(cal: Calendar) -> dict[str, tuple[datetime, datetime]]:
    """For each TZID the calendar's components use: the earliest and latest time in it."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for comp in cal.walk():
        for name in ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID"):
            value = getattr(comp.get(name), "dt", None)
            key = getattr(getattr(value, "tzinfo", None), "key", None)
            if key is None or key == "UTC":
                continue
            low, high = spans.get(key, (value, value))
            spans[key] = (min(low, value), max(high, value))
    return spans


def add_timezones(cal: Calendar) -> None:
    """Add a VTIMEZONE for every TZID the calendar uses, before its other components."""
    present = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    zones: Iterable[tuple[str, tuple[datetime, datetime]]] = sorted(_spans(cal).items())
    added = [vtimezone(tzid, *span) for tzid, span in zones if tzid not in present]
    cal.subcomponents[0:0] = added
