"""The directory: organizations, users and endpoints, managed by administrators.

Each write is a named action (``organization.create``, ``user.disable`` …) run through
:func:`perform`, so it is authorized, atomic and audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Endpoint, Organization, Role, User
from ..schemas.directory import (
    EndpointIn,
    EndpointPatch,
    OrganizationIn,
    OrganizationPatch,
    UserIn,
    UserPatch,
)
from . import passwords
from .actor import Actor
from .auth import revoke_user_sessions
from .context import Services, perform
from .permissions import Permission

# ---------------------------------------------------------------- organizations


async def list_organizations(svc: Services, actor: Actor) -> Sequence[Organization]:
    actor.require(Permission.DIRECTORY_VIEW)
    async with svc.db.reading() as session:
        return (await session.scalars(select(Organization).order_by(Organization.id))).all()


async def get_organization(session: AsyncSession, organization_id: int) -> Organization:
    org = await session.get(Organization, organization_id)
    if org is None:
        raise NotFound("No such organization.", code="organization_not_found")
    return org


async def organization_by_slug(session: AsyncSession, slug: str) -> Organization:
    org = await session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound(f"No organization with slug {slug!r}.", code="organization_not_found")
    return org


async def _check_parent(session: AsyncSession, org_id: int | None, parent_id: int | None) -> None:
    """The parent must exist and must not be the organization itself or one of its descendants."""
    seen: set[int] = set()
    current = parent_id
    while current is not None:
        if current == org_id or current in seen:
            raise ValidationFailed(
                "An organization cannot be placed under itself.", code="organization_cycle"
            )
        seen.add(current)
        current = (await get_organization(session, current)).parent_id


async def create_organization(
    svc: Services, actor: Actor | None, data: OrganizationIn
) -> Organization:
    async with perform(svc, actor, "organization.create", Permission.ORGANIZATION_MANAGE) as act:
        if await act.session.scalar(select(Organization.id).where(Organization.slug == data.slug)):
            raise Conflict(f"The slug {data.slug!r} is taken.", code="duplicate_slug")
        await _check_parent(act.session, None, data.parent_id)
        org = Organization(**data.model_dump())
        act.session.add(org)
        await act.session.flush()
        act.record("organization", org.id, slug=org.slug, name=org.name, level=org.level)
    return org


async def update_organization(
    svc: Services, actor: Actor, organization_id: int, patch: OrganizationPatch
) -> Organization:
    async with perform(svc, actor, "organization.update", Permission.ORGANIZATION_MANAGE) as act:
        org = await get_organization(act.session, organization_id)
        changes = patch.model_dump(exclude_unset=True)
        if "name" in changes and changes["name"] is None:
            raise ValidationFailed("The name cannot be empty.", code="name_required")
        if "parent_id" in changes:
            await _check_parent(act.session, org.id, changes["parent_id"])
        for key, value in changes.items():
            setattr(org, key, value)
        act.record("organization", org.id, **changes)
    return org


# ---------------------------------------------------------------- users


async def list_users(
    svc: Services, actor: Actor, *, organization_id: int | None = None, query: str = ""
) -> Sequence[User]:
    actor.require(Permission.DIRECTORY_VIEW)
    stmt = select(User).order_by(User.organization_id, User.full_name)
    if organization_id is not None:
        stmt = stmt.where(User.organization_id == organization_id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(func.lower(User.full_name).like(like) | User.username.like(like))
    async with svc.db.reading() as session:
        return (await session.scalars(stmt.limit(500))).all()


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def create_user(svc: Services, actor: Actor | None, data: UserIn) -> tuple[User, str | None]:
    """Create an account; returns the generated password (once) when none was given."""
    generated = None if data.password else passwords.generate_password()
    password = data.password or generated or ""
    passwords.check_policy(password)
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    async with perform(svc, actor, "user.create", Permission.USER_MANAGE) as act:
        if await act.session.scalar(select(User.id).where(User.username == data.username)):
            raise Conflict(f"The username {data.username!r} is taken.", code="duplicate_username")
        await get_organization(act.session, data.organization_id)
        now = svc.clock.now()
        user = User(
            **data.model_dump(exclude={"password", "email"}),
            email=data.email or "",
            password_hash=password_hash,
            created_at=now,
            password_changed_at=now,
            must_change_password=generated is not None,
        )
        act.session.add(user)
        await act.session.flush()
        act.record("user", user.id, username=user.username, role=user.role)
    return user, generated


async def update_user(svc: Services, actor: Actor, user_id: int, patch: UserPatch) -> User:
    async with perform(svc, actor, "user.update", Permission.USER_MANAGE) as act:
        user = await get_user(act.session, user_id)
        changes = patch.model_dump(exclude_unset=True)
        for key in ("full_name", "role", "organization_id", "language", "is_active"):
            if key in changes and changes[key] is None:
                raise ValidationFailed(f"{key} cannot be null.", code="null_field")
        if "organization_id" in changes:
            await get_organization(act.session, changes["organization_id"])
        if user.id == actor.user_id and (
            changes.get("is_active") is False or changes.get("role", Role.ADMIN) != Role.ADMIN
        ):
            raise ValidationFailed(
                "You cannot disable yourself or remove your own admin role.", code="self_lockout"
            )
        if "email" in changes:
            changes["email"] = changes["email"] or ""
        for key, value in changes.items():
            setattr(user, key, value)
        if changes.get("is_active") is False:
            await revoke_user_sessions(act.session, user.id, at=svc.clock.now(), reason="disabled")
        act.record("user", user.id, **changes)
    return user


async def reset_password(svc: Services, actor: Actor, user_id: int) -> str:
    """Give the user a new generated password and end all their sessions."""
    password = passwords.generate_password()
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    async with perform(svc, actor, "user.reset_password", Permission.USER_MANAGE) as act:
        user = await get_user(act.session, user_id)
        user.password_hash = password_hash
        user.password_changed_at = svc.clock.now()
        user.must_change_password = True
        await revoke_user_sessions(
            act.session, user.id, at=svc.clock.now(), reason="password_reset"
        )
        act.record("user", user.id)
    return password


async def set_language(svc: Services, actor: Actor, language: str) -> None:
    async with perform(svc, actor, "user.set_language") as act:
        user = await get_user(act.session, actor.user_id)
        user.language = language  # type: ignore[assignment]
        act.record("user", user.id, language=language)


# ---------------------------------------------------------------- endpoints


async def list_endpoints(svc: Services, actor: Actor) -> Sequence[Endpoint]:
    actor.require(Permission.DIRECTORY_VIEW)
    async with svc.db.reading() as session:
        return (await session.scalars(select(Endpoint).order_by(Endpoint.id))).all()


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> Endpoint:
    endpoint = await session.get(Endpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("No such endpoint.", code="endpoint_not_found")
    return endpoint


async def _check_operator(session: AsyncSession, operator_id: int | None) -> None:
    if operator_id is None:
        return
    operator = await get_user(session, operator_id)
    if operator.role != Role.OPERATOR:
        raise ValidationFailed(
            "An endpoint's operator must have the operator role.", code="not_an_operator"
        )


async def create_endpoint(svc: Services, actor: Actor | None, data: EndpointIn) -> Endpoint:
    async with perform(svc, actor, "endpoint.create", Permission.ENDPOINT_MANAGE) as act:
        if await act.session.scalar(select(Endpoint.id).where(Endpoint.slug == data.slug)):
            raise Conflict(f"The slug {data.slug!r} is taken.", code="duplicate_slug")
        await get_organization(act.session, data.organization_id)
        await _check_operator(act.session, data.operator_id)
        endpoint = Endpoint(**data.model_dump())
        act.session.add(endpoint)
        await act.session.flush()
        act.record("endpoint", endpoint.id, slug=endpoint.slug, name=endpoint.name)
    return endpoint


async def update_endpoint(
    svc: Services, actor: Actor, endpoint_id: int, patch: EndpointPatch
) -> Endpoint:
    async with perform(svc, actor, "endpoint.update", Permission.ENDPOINT_MANAGE) as act:
        endpoint = await get_endpoint(act.session, endpoint_id)
        changes = patch.model_dump(exclude_unset=True)
        for key in ("name", "location", "capacity", "is_active"):
            if key in changes and changes[key] is None:
                raise ValidationFailed(f"{key} cannot be null.", code="null_field")
        if "operator_id" in changes:
            await _check_operator(act.session, changes["operator_id"])
        for key, value in changes.items():
            setattr(endpoint, key, value)
        act.record("endpoint", endpoint.id, **changes)
    return endpoint
