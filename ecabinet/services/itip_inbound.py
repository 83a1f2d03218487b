"""iTIP mail from calendar clients (RFC 5546): a REPLY records the attendee's answer, a COUNTER
is kept as a proposal the secretary accepts or declines (``counters.py``).

The mail comes through our own SMTP receiver (``ecabinet/mail_receiver.py``). It is believed
only as far as it proves who sent it: the event is found by UID, the attendee by the address
in the ATTENDEE line among the meeting's participants (a person, or the operator of an invited
endpoint), and the From address must be that attendee. Where the relay in front of us checked
DKIM (an ``Authentication-Results`` header, RFC 8601), a failing or unaligned result refuses
the mail; ``inbound_require_dkim`` refuses one without a pass. Every answer taken is audited
(``meeting.rsvp_mail``, ``meeting.counter``) like an answer given in the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import cast

import icalendar
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import DomainError
from ..models import Endpoint, Meeting, Participant, Rsvp, User
from ..schemas.meetings import RsvpIn
from . import counters, rsvp
from .context import Services, perform

ANSWERS = {
    "ACCEPTED": Rsvp.ACCEPTED,
    "DECLINED": Rsvp.DECLINED,
    "TENTATIVE": Rsvp.TENTATIVE,
    "DELEGATED": Rsvp.DELEGATED,
}
CALENDAR_TYPES = ("text/calendar", "application/ics")
DKIM_RESULT = re.compile(r"\bdkim\s*=\s*(\w+)([^;]*)", re.I)
DKIM_DOMAIN = re.compile(r"header\.(?:d|i)\s*=\s*[^\s;@]*@?([A-Za-z0-9.-]+)", re.I)
MAX_MAIL_BYTES = 2 * 1024 * 1024


class Refused(DomainError):
    """An iTIP mail we do not act on; ``code`` says why (the receiver answers 550 with it)."""

    status = 422


@dataclass(frozen=True)
class Outcome:
    method: str
    meeting_id: int
    participant_id: int
    answer: str


def _from_address(message: EmailMessage) -> str:
    found = getaddresses([str(v) for v in message.get_all("From", [])])
    addresses = [addr for _, addr in found if addr]
    if len(addresses) != 1:
        raise Refused("The mail must have one From address.", code="bad_sender")
    return addresses[0].casefold()


def check_dkim(message: EmailMessage, sender: str, *, required: bool) -> str:
    """The DKIM verdict of the relay's ``Authentication-Results`` (the topmost one, which our
    relay added) for the From domain: "pass", "none" (no result), or a refusal."""
    domain = sender.rsplit("@", 1)[-1]
    results = message.get_all("Authentication-Results", [])
    verdicts = DKIM_RESULT.findall(str(results[0])) if results else []
    if not verdicts:
        if required:
            raise Refused("A DKIM signature of the sender is required.", code="dkim_required")
        return "none"
    for result, rest in verdicts:
        signer = DKIM_DOMAIN.search(rest)
        aligned = signer is None or _aligned(signer.group(1).casefold(), domain)
        if result.lower() == "pass" and aligned:
            return "pass"
    raise Refused("The sender's DKIM signature did not verify.", code="dkim_failed")


def _aligned(signer: str, domain: str) -> bool:
    return domain == signer or domain.endswith("." + signer)


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    for part in message.walk():
        if part.get_content_type() in CALENDAR_TYPES:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                try:
                    return icalendar.Calendar.from_ical(payload)
                except ValueError as exc:
                    raise Refused("The calendar part is not iCalendar.", code="bad_ical") from exc
    raise Refused("The mail has no calendar part.", code="no_calendar")


def _address(value: object) -> str:
    text = str(value)
    return text[7:].casefold() if text.lower().startswith("mailto:") else text.casefold()


async def participant_by_address(
    session: AsyncSession, meeting_id: int, address: str
) -> Participant:
    """The meeting's participant that ``address`` answers for: the person, or the operator of
    an invited endpoint."""
    operated = select(Endpoint.id).join(User, User.id == Endpoint.operator_id)
    query = (
        select(Participant)
        .outerjoin(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting_id)
        .where(
            or_(
                func.lower(User.email) == address,
                Participant.endpoint_id.in_(operated.where(func.lower(User.email) == address)),
            )
        )
        .order_by(Participant.id)
    )
    row = (await session.scalars(query)).first()
    if row is None:
        raise Refused("The attendee is not invited to this meeting.", code="not_a_participant")
    return row


async def meeting_by_uid(session: AsyncSession, uid: str) -> Meeting:
    meeting = await session.scalar(select(Meeting).where(Meeting.ical_uid == uid))
    if meeting is None:
        raise Refused("No meeting has this UID.", code="unknown_event")
    return meeting


async def _deputy_username(session: AsyncSession, attendee: object) -> str:
    target = attendee.params.get("DELEGATED-TO", "") if hasattr(attendee, "params") else ""
    address = _address(str(target).strip('"'))
    user = await session.scalar(select(User).where(func.lower(User.email) == address))
    if not address or user is None:
        raise Refused("The deputy named in DELEGATED-TO is unknown.", code="unknown_deputy")
    return user.username


def _attendee(event: icalendar.Event, sender: str) -> object:
    found = event.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    mine = [a for a in found if _address(a) == sender]
    if len(found) == 0:
        raise Refused("The reply names no attendee.", code="no_attendee")
    if not mine:
        raise Refused("The From address is not the attendee who replies.", code="not_attendee")
    return mine[0]


async def receive(svc: Services, raw: bytes) -> Outcome:
    """Take in one iTIP mail (its bytes as received); raise ``Refused`` when it is not one."""
    if len(raw) > MAX_MAIL_BYTES:
        raise Refused("The mail is too large.", code="too_large")
    message = cast(EmailMessage, message_from_bytes(raw, policy=default_policy))
    sender = _from_address(message)
    dkim = check_dkim(message, sender, required=svc.settings.inbound_require_dkim)
    cal = calendar_of(message)
    method = str(cal.get("METHOD", "")).upper()
    events = cal.walk("VEVENT")
    if method not in ("REPLY", "COUNTER") or len(events) != 1:
        raise Refused("Only a REPLY or COUNTER for one event is taken.", code="not_a_reply")
    event = events[0]
    attendee = _attendee(event, sender)
    sequence = int(event.get("SEQUENCE", 0))
    if method == "COUNTER":
        return await counters.receive(svc, event, str(event.get("UID", "")), sender, dkim)
    partstat = str(attendee.params.get("PARTSTAT", "")).upper()  # type: ignore[attr-defined]
    if partstat not in ANSWERS:
        raise Refused("The reply has no answer (PARTSTAT).", code="no_answer")
    async with perform(svc, None, "meeting.rsvp_mail") as act:
        meeting = await meeting_by_uid(act.session, str(event.get("UID", "")))
        row = await participant_by_address(act.session, meeting.id, sender)
        answer = ANSWERS[partstat]
        deputy = await _deputy_username(act.session, attendee) if answer is Rsvp.DELEGATED else None
        reason = "Ủy quyền qua thư trả lời lịch / Delegated in a calendar reply" if deputy else ""
        data = RsvpIn(answer=answer, delegate_username=deputy, reason=reason)
        await rsvp.apply_answer(act.session, svc, meeting, row, data)
        act.record(
            "participant",
            row.id,
            meeting_id=meeting.id,
            answer=answer,
            deputy=deputy,
            via="itip",
            address=sender,
            dkim=dkim,
            sequence=sequence,
            stale=sequence < meeting.sequence,
        )
    return Outcome(method, meeting.id, row.id, answer.value)


def proposed_times(event: icalendar.Event) -> tuple[datetime, datetime]:
    """DTSTART/DTEND (or DURATION) of a COUNTER, as aware datetimes."""
    try:
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND") if "DTEND" in event else start + event.decoded("DURATION")
    except (KeyError, ValueError) as exc:
        raise Refused("The proposal has no time.", code="no_time") from exc
    if not isinstance(start, datetime) or start.tzinfo is None or end <= start:
        raise Refused("The proposed time is not a time with a zone.", code="bad_time")
    return start, end
