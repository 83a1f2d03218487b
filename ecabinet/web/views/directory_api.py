"""``/api/admin/*``: organizations, users and endpoints."""

from __future__ import annotations

from collections.abc import Sequence

from ...models import Endpoint, Organization, User
from ...schemas.directory import (
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    PasswordReset,
    UserCreated,
    UserIn,
    UserOut,
    UserPatch,
)
from ...services import directory
from ..access import access_ended
from ..api import ApiRegistry, ApiRequest, IntQuery

api = ApiRegistry()
TAGS = ("admin",)


@api.route(
    "GET",
    "/api/admin/organizations",
    summary="List organizations",
    response=list[OrganizationOut],
    tags=TAGS,
)
async def list_organizations(req: ApiRequest) -> Sequence[Organization]:
    return await directory.list_organizations(req.services, req.actor)


@api.route(
    "POST",
    "/api/admin/organizations",
    summary="Create an organization",
    body=OrganizationIn,
    response=OrganizationOut,
    status=201,
    tags=TAGS,
)
async def create_organization(req: ApiRequest) -> Organization:
    return await directory.create_organization(req.services, req.actor, req.body)


@api.route(
    "PATCH",
    r"/api/admin/organizations/{id:\d+}",
    summary="Rename or move an organization",
    body=OrganizationPatch,
    response=OrganizationOut,
    tags=TAGS,
)
async def update_organization(req: ApiRequest) -> Organization:
    return await directory.update_organization(req.services, req.actor, req.id(), req.body)


@api.route(
    "GET",
    "/api/admin/users",
    summary="List users",
    response=list[UserOut],
    tags=TAGS,
    query={
        "organization_id": IntQuery("Only users of this organization"),
        "q": "Part of a name or username",
    },
)
async def list_users(req: ApiRequest) -> Sequence[User]:
    return await directory.list_users(
        req.services,
        req.actor,
        organization_id=req.query_int("organization_id"),
        query=req.query("q"),
    )


@api.route(
    "POST",
    "/api/admin/users",
    summary="Create a user",
    body=UserIn,
    response=UserCreated,
    status=201,
    tags=TAGS,
)
async def create_user(req: ApiRequest) -> UserCreated:
    """Without a password, one is generated and returned once in ``initial_password``."""
    user, password = await directory.create_user(req.services, req.actor, req.body)
    return UserCreated(user=UserOut.model_validate(user), initial_password=password)


@api.route(
    "PATCH",
    r"/api/admin/users/{id:\d+}",
    summary="Change a user (incl. disable)",
    body=UserPatch,
    response=UserOut,
    tags=TAGS,
)
async def update_user(req: ApiRequest) -> User:
    """Setting ``is_active`` to false ends all of the user's sessions and live sockets at once."""
    user = await directory.update_user(req.services, req.actor, req.id(), req.body)
    if req.body.is_active is False:
        await access_ended(req.request.app, user.id)
    return user


@api.route(
    "POST",
    r"/api/admin/users/{id:\d+}/reset-password",
    summary="Generate a new password for a user",
    response=PasswordReset,
    tags=TAGS,
)
async def reset_password(req: ApiRequest) -> PasswordReset:
    """The new password is returned once; the user's sessions and live sockets all end."""
    password = await directory.reset_password(req.services, req.actor, req.id())
    await access_ended(req.request.app, req.id())
    return PasswordReset(initial_password=password)


@api.route(
    "GET",
    "/api/admin/endpoints",
    summary="List endpoints (điểm cầu)",
    response=list[EndpointOut],
    tags=TAGS,
)
async def list_endpoints(req: ApiRequest) -> Sequence[Endpoint]:
    return await directory.list_endpoints(req.services, req.actor)


@api.route(
    "POST",
    "/api/admin/endpoints",
    summary="Create an endpoint",
    body=EndpointIn,
    response=EndpointOut,
    status=201,
    tags=TAGS,
)
async def create_endpoint(req: ApiRequest) -> Endpoint:
    return await directory.create_endpoint(req.services, req.actor, req.body)


@api.route(
    "PATCH",
    r"/api/admin/endpoints/{id:\d+}",
    summary="Change an endpoint",
    body=EndpointPatch,
    response=EndpointOut,
    tags=TAGS,
)
async def update_endpoint(req: ApiRequest) -> Endpoint:
    return await directory.update_endpoint(req.services, req.actor, req.id(), req.body)
