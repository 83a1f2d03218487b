"""The home page's "to do" list (việc cần làm): what waits for the actor, each kind read by the
function its own page uses, so a number on the home page is the number that page shows.

* invitations to answer — :func:`rsvp.awaiting` (the meeting page's "Your answer");
* minutes to review and minutes to sign — :func:`minutes.get`, the minutes page's view, for the
  minutes that name the actor as a reviewer or a signer: "to review" is its ``reviews_latest``
  while in review, "to sign" its ``may_sign_now`` (the actor's turn in the open round);
* tasks due — :func:`task_dashboard.list_tasks`, the tasks page's list, with the very filter the
  home page's link opens the tasks page with (the actor's organization, not done, due by the end
  of the day :data:`TASKS_AHEAD` from now; the web layer parses it from that link's query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..errors import DomainError
from ..models import (
    Meeting,
    Minutes,
    MinutesReviewer,
    MinutesSigningRound,
    MinutesStatus,
    RoundStatus,
)
from . import minutes, rsvp, task_dashboard
from .actor import Actor
from .context import Services
from .minutes_view import MinutesView

TASKS_AHEAD = timedelta(days=7)


@dataclass
class Todo:
    answers: list[tuple[Meeting, str]]  # meeting, endpoint name ("" for the actor's own seat)
    to_review: list[MinutesView]
    to_sign: list[MinutesView]
    tasks: task_dashboard.TaskPage
    tasks_filter: task_dashboard.TaskFilter

    @property
    def count(self) -> int:
        return len(self.answers) + len(self.to_review) + len(self.to_sign) + self.tasks.total


async def _minutes_naming(svc: Services, actor: Actor) -> list[int]:
    """Minutes in review that asked the actor to review, or with an open round that lists them."""
    async with svc.db.reading() as session:
        reviewing = set(
            await session.scalars(
                select(Minutes.id)
                .join(MinutesReviewer, MinutesReviewer.minutes_id == Minutes.id)
                .where(
                    Minutes.status == MinutesStatus.IN_REVIEW,
                    MinutesReviewer.user_id == actor.user_id,
                )
            )
        )
        rounds = (
            await session.execute(
                select(MinutesSigningRound.minutes_id, MinutesSigningRound.signer_ids).where(
                    MinutesSigningRound.status == RoundStatus.OPEN
                )
            )
        ).all()
    signing = {m for m, signers in rounds if actor.user_id in {int(i) for i in signers}}
    return sorted(reviewing | signing)


async def todo(svc: Services, actor: Actor, tasks_filter: task_dashboard.TaskFilter) -> Todo:
    views = []
    for minutes_id in await _minutes_naming(svc, actor):
        try:
            views.append(await minutes.get(svc, actor, minutes_id))
        except DomainError:  # no longer visible (the meeting moved out of sight): not to do
            continue
    return Todo(
        answers=await rsvp.awaiting(svc, actor),
        to_review=[
            v for v in views if v.status == MinutesStatus.IN_REVIEW.value and v.you.reviews_latest
        ],
        to_sign=[v for v in views if v.you.may_sign_now],
        tasks=await task_dashboard.list_tasks(svc, actor, tasks_filter),
        tasks_filter=tasks_filter,
    )
