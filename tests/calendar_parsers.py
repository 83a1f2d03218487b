"""Other people's calendar parsers, for checking what we send: Mozilla's ical.js (Thunderbird's,
run under node from ``tests/js``) and vobject (dateutil's VTIMEZONE reader).

Both must read the offsets from OUR VTIMEZONE: the ical.js script registers each document's
zones and nothing else; vobject keeps a process-wide TZID registry (first one wins, then pytz),
so ``vobject_starts`` forgets the document's TZIDs before parsing and checks the zone it got is
the one built from the document.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
import vobject
import vobject.icalendar

JS_DIR = Path(__file__).parent / "js"


@dataclass(frozen=True)
class Times:
    uid: str
    start: datetime
    end: datetime


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def require_icaljs() -> str:
    """The node binary, or skip with the reason (node missing, or ``npm ci`` not run)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: ical.js (Thunderbird's parser) cannot run")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.skip("ical.js is not installed: run `npm ci` in tests/js (.ci/run does)")
    return node


def icaljs_times(documents: list[bytes]) -> list[list[Times]]:
    """For each document, every VEVENT's DTSTART/DTEND in UTC as ical.js reads them."""
    node = require_icaljs()
    payload = json.dumps([d.decode() for d in documents])
    done = subprocess.run(
        [node, str(JS_DIR / "ical_times.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [
        [Times(e["uid"], _utc(e["start"]), _utc(e["end"])) for e in events]
        for events in json.loads(done.stdout)
    ]


def vobject_times(document: bytes) -> list[Times]:
    """Every VEVENT's DTSTART/DTEND in UTC as vobject reads them from this document alone."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    tzids = [str(tz["TZID"]) for tz in icalendar.Calendar.from_ical(document).walk("VTIMEZONE")]
    for tzid in tzids:
        registry.pop(tzid, None)
    parsed = vobject.readOne(document.decode())  # registers this document's zones afresh
    out = []
    for ev in parsed.vevent_list:
        start, end = ev.dtstart.value, ev.dtend.value
        for value in (start, end):
            kind = type(value.tzinfo).__name__
            assert kind in ("_tzicalvtz", "tzutc"), f"vobject used {kind}, not our VTIMEZONE"
        out.append(Times(ev.uid.value, start.astimezone(UTC), end.astimezone(UTC)))
    for tzid in tzids:
        registry.pop(tzid, None)
    return out
