"""The outbox sender: delivers queued mails over SMTP, with retries and exponential backoff.

Rows are claimed in a short transaction (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so
several processes can run senders) by pushing ``next_attempt_at`` a lease ahead; the SMTP
conversation happens outside any transaction; the row is then marked sent, or rescheduled.
A crash between sending and marking may send a mail twice (at least once, never lost); the
Message-ID is stable per row so mail clients fold such a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import select

from ..config import Settings
from ..models import OutboxMail, OutboxStatus
from .context import Services
from .mail_headers import MAIL_POLICY

log = logging.getLogger("ecabinet.mail")
LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 12
BATCH = 20
SMTP_TIMEOUT = 30


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … up to an hour between attempts."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def build_message(mail: OutboxMail, settings: Settings) -> EmailMessage:
    """text/plain + text/html + text/calendar;method=… as one multipart/alternative, written
    with ``MAIL_POLICY`` (a Vietnamese subject keeps its spaces in every decoder)."""
    msg = EmailMessage(policy=MAIL_POLICY)
    domain = settings.mail_from.rsplit("@", 1)[-1]
    msg["From"] = formataddr(("e-Cabinet", settings.mail_from))
    msg["To"] = formataddr((mail.to_name, mail.to_address))
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = f"<outbox-{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text_body)
    if mail.html_body:
        msg.add_alternative(mail.html_body, subtype="html")
    if mail.ics:
        msg.add_alternative(mail.ics, subtype="calendar", params={"method": mail.ics_method})
    return msg


def smtp_send(settings: Settings, message: EmailMessage) -> None:
    """Blocking SMTP delivery; called in a worker thread."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


async def deliver_due(svc: Services, *, batch: int = BATCH) -> int:
    """Send what is due now; return how many mails went out."""
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        query = (
            select(OutboxMail)
            .where(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(batch)
        )
        if not svc.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        claimed = list(await session.scalars(query))
        messages = []
        for mail in claimed:
            mail.attempts += 1
            mail.next_attempt_at = now + LEASE
            messages.append((mail.id, mail.attempts, build_message(mail, svc.settings)))
    sent = 0
    for mail_id, attempts, message in messages:
        error = ""
        try:
            await asyncio.to_thread(smtp_send, svc.settings, message)
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("mail %s not sent (attempt %s): %s", mail_id, attempts, error)
        async with svc.db.transaction() as session:
            mail = await session.get(OutboxMail, mail_id)
            if mail is None:
                continue
            if not error:
                mail.status, mail.sent_at, mail.last_error = OutboxStatus.SENT, svc.clock.now(), ""
                sent += 1
            else:
                mail.last_error = error
                mail.next_attempt_at = svc.clock.now() + backoff(attempts)
                if attempts >= MAX_ATTEMPTS:
                    mail.status = OutboxStatus.FAILED
                    log.error("mail %s given up after %s attempts", mail_id, attempts)
    return sent
