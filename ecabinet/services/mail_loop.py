"""The background loop the app runs: queue due reminders (meetings, ballots, tasks), then
deliver due mails."""

from __future__ import annotations

import asyncio
import logging

from . import mailer, opinion_ballots, reminders, task_reminders
from .context import Services

log = logging.getLogger("ecabinet.mail")


async def run(svc: Services, stop: asyncio.Event) -> None:
    """Until ``stop`` is set: every ``outbox_poll_seconds``, remind and deliver."""
    while not stop.is_set():
        try:
            await reminders.queue_due(svc)
            await opinion_ballots.queue_reminders(svc)
            await opinion_ballots.close_due(svc)
            await task_reminders.queue_due(svc)
            while await mailer.deliver_due(svc) == mailer.BATCH:
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("mail loop failed; trying again")
        try:
            await asyncio.wait_for(stop.wait(), svc.settings.outbox_poll_seconds)
        except TimeoutError:
            pass
