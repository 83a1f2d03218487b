"""``/api/auth/*`` and ``/api/me``: tokens for API clients."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from ...models import User
from ...schemas.auth import (
    LoginRequest,
    MeResponse,
    PasswordChange,
    RefreshRequest,
    TokenResponse,
)
from ...schemas.directory import OrganizationOut
from ...services import account, auth
from ...services.permissions import permissions_of
from ..access import access_ended
from ..api import ApiRegistry, ApiRequest
from ..session import client_address

api = ApiRegistry()


@api.route(
    "POST",
    "/api/auth/login",
    summary="Log in with username and password",
    body=LoginRequest,
    response=TokenResponse,
    auth=False,
    tags=("auth",),
)
async def login(req: ApiRequest) -> TokenResponse:
    """Returns a 15-minute access token and a single-use refresh token. Failed logins are
    throttled per account and per address (429 with Retry-After)."""
    body: LoginRequest = req.body
    pair = await auth.login_api(
        req.services,
        body.username,
        body.password,
        address=client_address(req.request),
        user_agent=req.request.headers.get("User-Agent", ""),
    )
    return TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@api.route(
    "POST",
    "/api/auth/refresh",
    summary="Exchange a refresh token for a new pair",
    body=RefreshRequest,
    response=TokenResponse,
    auth=False,
    tags=("auth",),
)
async def refresh(req: ApiRequest) -> TokenResponse:
    """Each refresh token works once. Presenting a used one ends the whole session (all tokens
    descended from the same login) and answers 401 ``refresh_token_reused``."""
    body: RefreshRequest = req.body
    pair = await auth.refresh(req.services, body.refresh_token, address=client_address(req.request))
    return TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@api.route(
    "POST", "/api/auth/logout", summary="End the current session", status=204, tags=("auth",)
)
async def logout(req: ApiRequest) -> None:
    await auth.logout(req.services, req.actor)


@api.route("GET", "/api/me", summary="Who am I", response=MeResponse, tags=("auth",))
async def me(req: ApiRequest) -> MeResponse:
    async with req.services.db.reading() as session:
        user = await session.get(User, req.actor.user_id, options=[selectinload(User.organization)])
    assert user is not None
    return MeResponse(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        title=user.title,
        email=user.email,
        role=user.role,
        language=user.language,
        organization=OrganizationOut.model_validate(user.organization),
        permissions=sorted(permissions_of(user.role)),
        must_change_password=user.must_change_password,
    )


@api.route(
    "POST",
    "/api/me/password",
    summary="Change my password",
    body=PasswordChange,
    status=204,
    tags=("auth",),
)
async def change_password(req: ApiRequest) -> None:
    """Needs the current password. Every other session of the user ends, and its live sockets
    close at once; this one stays."""
    body: PasswordChange = req.body
    await account.change_password(req.services, req.actor, body.current_password, body.new_password)
    await access_ended(req.request.app, req.actor.user_id, keep_session=req.actor.session_id)
