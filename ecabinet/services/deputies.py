"""Who may stand in for an invited person (ủy quyền): the people of their own organization, found
by part of a name, a username or a title, as the delegation form's search offers them.

A deputy must belong to the principal's organization, be active, not be the principal and not be
invited already (the rules :func:`rsvp._delegate` enforces); the search offers only those. Names
match without regard to case or Vietnamese tone marks ("nguyen van" finds "Nguyễn Văn").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import NotFound, ValidationFailed
from ..models import Organization, Participant, User
from .actor import Actor
from .context import Services
from .meetings import visible_meeting

LIMIT = 10


@dataclass(frozen=True)
class DeputyCandidate:
    username: str
    full_name: str
    title: str
    organization: str


def folded(text: str) -> str:
    """Lower case without tone marks or the stroke of đ, for matching what people type."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(user: User, words: list[str]) -> bool:
    haystack = folded(f"{user.full_name} {user.username} {user.title}")
    return all(word in haystack for word in words)


async def _eligible(session: AsyncSession, actor: Actor, meeting_id: int) -> list[User]:
    """The actor's own seat must be a person's; the people who could stand in for them."""
    await visible_meeting(session, actor, meeting_id)
    invited = set(
        await session.scalars(
            select(Participant.user_id).where(
                Participant.meeting_id == meeting_id, Participant.user_id.is_not(None)
            )
        )
    )
    if actor.user_id not in invited:
        raise NotFound("You are not invited to this meeting.", code="not_a_participant")
    people = await session.scalars(
        select(User)
        .where(
            User.organization_id == actor.organization_id,
            User.is_active.is_(True),
            User.id != actor.user_id,
        )
        .order_by(User.full_name, User.id)
    )
    return [u for u in people if u.id not in invited]


async def search(
    svc: Services, actor: Actor, meeting_id: int, query: str, limit: int = LIMIT
) -> list[DeputyCandidate]:
    """Up to ``limit`` people of the actor's organization who could stand in for them, matching
    every word of ``query`` (all of them, first by name, for an empty query)."""
    words = folded(query).split()
    async with svc.db.reading() as session:
        people = [u for u in await _eligible(session, actor, meeting_id) if _matches(u, words)]
        organization = await session.get(Organization, actor.organization_id)
    name = organization.name if organization else ""
    return [DeputyCandidate(u.username, u.full_name, u.title, name) for u in people[:limit]]


async def resolve(svc: Services, actor: Actor, meeting_id: int, typed: str) -> str:
    """The username of the one deputy ``typed`` names (a username, or enough of a name to find
    one person); a form sent without picking from the list still works when it is unambiguous."""
    words = folded(typed).split()
    if not words:
        raise ValidationFailed("Choose the deputy from the list.", code="deputy_required")
    async with svc.db.reading() as session:
        people = await _eligible(session, actor, meeting_id)
    exact = [u for u in people if u.username == typed.strip()]
    found = exact or [u for u in people if _matches(u, words)]
    if not found:
        raise ValidationFailed(
            "Nobody of your organization matches that name.", code="unknown_deputy"
        )
    if len(found) > 1:
        raise ValidationFailed(
            "Several people match that name: choose the deputy from the list.",
            code="deputy_ambiguous",
        )
    return found[0].username
