"""iCalendar (RFC 5545) and iTIP (RFC 5546) documents for meetings, built with ``icalendar``.

What Outlook and Google need (shared/reference/feature-anchors.md §7): a stable UID, SEQUENCE
raised by the organizer on every change, ORGANIZER plus ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION
in a REQUEST, METHOD:CANCEL with STATUS:CANCELLED, and a VTIMEZONE for every TZID (generated
from zoneinfo with one RRULE per observance, as Outlook and Google write them: ``vtimezone.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from ..models import Meeting, MeetingMode, MeetingRole, MeetingStatus, Rsvp
from . import vtimezone
from .participants import ParticipantView

PRODID = "-//e-Cabinet//Scheduling 1.0//VI"
FEED_REFRESH = timedelta(hours=1)

PARTSTAT = {
    Rsvp.NEEDS_ACTION: "NEEDS-ACTION",
    Rsvp.ACCEPTED: "ACCEPTED",
    Rsvp.DECLINED: "DECLINED",
    Rsvp.TENTATIVE: "TENTATIVE",
    Rsvp.DELEGATED: "DELEGATED",
}
ICAL_ROLE = {
    MeetingRole.CHAIR: "CHAIR",
    MeetingRole.MEMBER: "REQ-PARTICIPANT",
    MeetingRole.INVITEE: "OPT-PARTICIPANT",
    MeetingRole.OBSERVER: "NON-PARTICIPANT",
}
ICAL_STATUS = {
    MeetingStatus.DRAFT: "TENTATIVE",
    MeetingStatus.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class Organizer:
    """ORGANIZER: where attendees' calendars send their REPLY (``email``), in whose name
    (``name``), and SENT-BY the address the mail comes From when that is another one."""

    name: str
    email: str
    sent_by: str = ""


def mailto(address: str) -> str:
    return f"mailto:{address}"


def _attendee(view: ParticipantView, by_id: dict[int, ParticipantView], rsvp: bool) -> vCalAddress:
    row = view.row
    attendee = vCalAddress(mailto(view.address))
    attendee.params["CN"] = vText(view.display_name)
    attendee.params["CUTYPE"] = "ROOM" if row.endpoint_id else "INDIVIDUAL"
    attendee.params["ROLE"] = ICAL_ROLE[row.role]
    attendee.params["PARTSTAT"] = PARTSTAT[row.rsvp]
    if rsvp and row.rsvp is Rsvp.NEEDS_ACTION:
        attendee.params["RSVP"] = "TRUE"
    deputy = by_id.get(row.delegated_to_id or 0)
    if deputy is not None and deputy.address:
        attendee.params["DELEGATED-TO"] = mailto(deputy.address)
    principal = by_id.get(row.delegated_from_id or 0)
    if principal is not None and principal.address:
        attendee.params["DELEGATED-FROM"] = mailto(principal.address)
    return attendee


def event(
    meeting: Meeting,
    participants: Sequence[ParticipantView],
    organizer: Organizer,
    *,
    stamp: datetime,
    url: str,
    rsvp: bool = False,
    cancelled: bool = False,
) -> Event:
    zone = ZoneInfo(meeting.time_zone)
    ev = Event()
    ev.add("uid", meeting.ical_uid)
    ev.add("sequence", meeting.sequence)
    ev.add("dtstamp", stamp)
    ev.add("created", meeting.created_at)
    ev.add("last-modified", meeting.updated_at)
    ev.add("dtstart", meeting.starts_at.astimezone(zone))
    ev.add("dtend", meeting.ends_at.astimezone(zone))
    ev.add("summary", meeting.title)
    location = meeting.room if meeting.mode is not MeetingMode.ONLINE else ""
    if meeting.mode is not MeetingMode.IN_PERSON:
        location = f"{location} · {url}" if location else url
    if location:
        ev.add("location", location)
    ev.add("description", "\n\n".join(p for p in (meeting.description, url) if p))
    ev.add("url", url)
    ev.add("class", "PUBLIC" if meeting.confidentiality.value == "normal" else "CONFIDENTIAL")
    status = "CANCELLED" if cancelled else ICAL_STATUS.get(meeting.status, "CONFIRMED")
    ev.add("status", status)
    ev.add("transp", "OPAQUE")
    org = vCalAddress(mailto(organizer.email))
    org.params["CN"] = vText(organizer.name)
    if organizer.sent_by and organizer.sent_by.casefold() != organizer.email.casefold():
        org.params["SENT-BY"] = mailto(organizer.sent_by)
    ev.add("organizer", org)
    by_id = {p.row.id: p for p in participants}
    for view in participants:
        if view.address:
            ev.add("attendee", _attendee(view, by_id, rsvp), encode=0)
    return ev


def _calendar(method: str | None, name: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def document(method: str | None, events: Iterable[Event], *, name: str = "") -> bytes:
    """A VCALENDAR with these events and a VTIMEZONE for every TZID they use."""
    cal = _calendar(method, name)
    for ev in events:
        cal.add_component(ev)
    vtimezone.add_timezones(cal)
    return cal.to_ical()


def feed(events: Iterable[Event], *, name: str) -> bytes:
    """A subscribable calendar: REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL for Outlook."""
    cal = _calendar("PUBLISH", name)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(FEED_REFRESH))
    for ev in events:
        cal.add_component(ev)
    vtimezone.add_timezones(cal)
    return cal.to_ical()
