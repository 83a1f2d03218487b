"""Our own SMTP (or LMTP) receiver for iTIP mail (REPLY, COUNTER) that the mail server forwards to.

Started by the app when ``ECABINET_INBOUND_MAIL_PORT`` is set (off by default), on
``ECABINET_INBOUND_MAIL_HOST`` (loopback by default: the relay in front of it is the one
that faces the Internet and adds ``Authentication-Results``). With several worker processes
each binds the port with SO_REUSEPORT. Each mail is handed to ``services.itip_inbound``; the
SMTP answer says what became of it: 250 taken, 550 with the refusal's code otherwise, so the
sender's server can bounce it. aiosmtpd speaks the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from .errors import DomainError
from .services import itip_inbound
from .services.context import Services

log = logging.getLogger("ecabinet.mail.inbound")


class ItipHandler:
    """aiosmtpd handler: RCPT only to the reply address (when set); DATA to the service."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        wanted = self.svc.settings.itip_reply_address
        if wanted and address.casefold() != wanted.casefold():
            return "550 5.1.1 No such mailbox here"
        if envelope.rcpt_tos and isinstance(server, LMTP):
            # LMTP answers DATA once per recipient; one recipient per transaction keeps that
            # true (the client sends the others in a later transaction).
            return "452 4.5.3 One recipient at a time"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            outcome = await itip_inbound.receive(self.svc, raw)
        except DomainError as exc:
            log.info("iTIP mail from %s refused: %s", envelope.mail_from, exc.code)
            return f"550 5.7.1 {exc.code}: {exc.message}"
        except Exception:
            log.exception("iTIP mail from %s could not be taken", envelope.mail_from)
            return "451 4.3.0 Try again later"
        log.info(
            "iTIP %s taken: meeting %s participant %s (%s)",
            outcome.method,
            outcome.meeting_id,
            outcome.participant_id,
            outcome.answer,
        )
        return f"250 OK {outcome.method} {outcome.answer}"


async def serve(svc: Services) -> AsyncIterator[None]:
    """Listen while the app runs (a ``cleanup_ctx`` body); nothing when the port is 0."""
    settings = svc.settings
    if not settings.inbound_mail_port:
        yield
        return
    loop = asyncio.get_running_loop()
    handler = ItipHandler(svc)
    protocol = LMTP if settings.inbound_mail_protocol == "lmtp" else SMTP
    server = await loop.create_server(
        lambda: protocol(
            handler,
            hostname=settings.inbound_mail_host,
            data_size_limit=itip_inbound.MAX_MAIL_BYTES,
            enable_SMTPUTF8=True,
        ),
        settings.inbound_mail_host,
        settings.inbound_mail_port,
        reuse_port=sys.platform.startswith("linux"),
    )
    log.info("iTIP receiver on %s:%s", settings.inbound_mail_host, settings.inbound_mail_port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
