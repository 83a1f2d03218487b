"""Logging in and out, refreshing tokens, and turning a credential into an :class:`Actor`.

Rules enforced here:
- passwords are checked with Argon2; an unknown name costs the same as a wrong password;
- failed logins are throttled per account and per address within a sliding window;
- API clients get a 15-minute access JWT and a single-use refresh token; presenting a refresh
  token a second time revokes its whole family (the session), since one of the two holders
  must be a thief;
- browsers get an opaque session cookie; both kinds of session are revocable at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import TooManyRequests, Unauthorized
from ..models import AuthSession, LoginAttempt, RefreshToken, SessionKind, User
from . import audit, passwords
from .actor import Actor
from .context import Services
from .tokens import TokenType


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class SessionEnded(Unauthorized):
    code = "session_ended"


def digest(secret: str) -> str:
    """Tokens are random and long, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


@dataclass(frozen=True)
class BrowserLogin:
    cookie_value: str
    session_id: str
    expires_at: datetime
    actor: Actor


def _actor(user: User, session_id: str, address: str) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        organization_id=user.organization_id,
        language=user.language,
        session_id=session_id,
        address=address,
        must_change_password=user.must_change_password,
        title=user.title,
    )


async def check_throttle(
    svc: Services,
    session: AsyncSession,
    username: str,
    address: str,
    *,
    code: str = "login_throttled",
) -> None:
    """429 when the account or the address has too many failed password checks in the window
    (logins, and the password re-entered to confirm a signature, share one count)."""
    now = svc.clock.now()
    since = now - timedelta(seconds=svc.settings.login_throttle_window)
    for column, value, limit in (
        (LoginAttempt.username, username, svc.settings.login_failures_per_account),
        (LoginAttempt.address, address, svc.settings.login_failures_per_address),
    ):
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginAttempt.at)).where(
                    column == value, LoginAttempt.at > since, LoginAttempt.succeeded.is_(False)
                )
            )
        ).one()
        if count >= limit:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            retry = math.ceil((oldest_at - since).total_seconds())
            raise TooManyRequests(
                "Too many failed logins. Try again later."
                if code == "login_throttled"
                else "Too many wrong passwords. Try again later.",
                retry_after=max(retry, 1),
                code=code,
            )


async def _verify_login(svc: Services, username: str, password: str, address: str) -> User:
    """Check the password; record the attempt (committed even when the login fails)."""
    username = username.strip().lower()
    async with svc.db.reading() as session:
        await check_throttle(svc, session, username, address)
        user = await session.scalar(select(User).where(User.username == username))
    # Argon2 (~100 ms of CPU) runs outside any transaction: a write transaction holds SQLite's
    # one write lock, so a burst of logins would make every other write wait (or time out).
    ok = await asyncio.to_thread(
        passwords.verify_password, user.password_hash if user else None, password
    )
    ok = ok and user is not None and user.is_active
    rehashed = None
    if ok and user and passwords.needs_rehash(user.password_hash):
        rehashed = await asyncio.to_thread(passwords.hash_password, password)
    async with svc.db.transaction() as session:
        await check_throttle(svc, session, username, address)  # attempts made meanwhile
        now = svc.clock.now()
        session.add(LoginAttempt(username=username, address=address, at=now, succeeded=ok))
        await audit.append(
            session,
            at=now,
            action="auth.login" if ok else "auth.login_failed",
            actor_id=user.id if ok and user else None,
            address=address,
            subject_type="user",
            subject_id=username,
        )
        if rehashed and user:
            stored = await session.get(User, user.id)
            if stored is not None:
                stored.password_hash = rehashed
    if not ok or user is None:
        raise InvalidCredentials("The username or password is incorrect.")
    return user


async def login_api(
    svc: Services, username: str, password: str, *, address: str, user_agent: str = ""
) -> TokenPair:
    user = await _verify_login(svc, username, password, address)
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        auth_session = AuthSession(
            id=secrets.token_hex(16),
            user_id=user.id,
            kind=SessionKind.API,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=svc.settings.refresh_token_ttl),
            user_agent=user_agent[:300],
            address=address,
        )
        session.add(auth_session)
        await session.flush()
        return await _issue_pair(svc, session, auth_session, user)


async def _issue_pair(
    svc: Services, session: AsyncSession, auth_session: AuthSession, user: User
) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=digest(refresh), created_at=svc.clock.now()
        )
    )
    ttl = svc.settings.access_token_ttl
    access = svc.tokens.issue(
        TokenType.ACCESS, str(user.id), timedelta(seconds=ttl), sid=auth_session.id
    )
    return TokenPair(access, refresh, ttl, auth_session.id)


async def refresh(svc: Services, refresh_token: str, *, address: str) -> TokenPair:
    """Exchange a refresh token for a new pair; a second use of a token ends its family."""
    now = svc.clock.now()
    reused_session: str | None = None
    async with svc.db.transaction() as session:
        row = (
            await session.execute(
                select(RefreshToken, AuthSession, User)
                .join(AuthSession, RefreshToken.session_id == AuthSession.id)
                .join(User, AuthSession.user_id == User.id)
                .where(RefreshToken.token_hash == digest(refresh_token))
                .with_for_update(of=[RefreshToken, AuthSession])
            )
        ).first()
        if row is None:
            raise SessionEnded("The refresh token is not valid.", code="invalid_refresh_token")
        token, auth_session, user = row
        if token.used_at is not None:
            if auth_session.revoked_at is None:
                auth_session.revoked_at = now
                auth_session.revoked_reason = "refresh_reuse"
                await audit.append(
                    session,
                    at=now,
                    action="auth.refresh_reuse",
                    actor_id=user.id,
                    address=address,
                    subject_type="session",
                    subject_id=auth_session.id,
                )
            reused_session = auth_session.id
        else:
            _check_session_alive(auth_session, user, now)
            token.used_at = now
            auth_session.last_seen_at = now
            auth_session.expires_at = now + timedelta(seconds=svc.settings.refresh_token_ttl)
            return await _issue_pair(svc, session, auth_session, user)
    raise SessionEnded(
        "This refresh token was already used; the session has been ended for safety.",
        code="refresh_token_reused",
        details={"session_id": reused_session},
    )


def _check_session_alive(auth_session: SessionState, user: UserState, now: datetime) -> None:
    if auth_session.revoked_at is not None:
        raise SessionEnded("The session has ended. Please log in again.")
    if auth_session.expires_at <= now:
        raise SessionEnded("The session has expired. Please log in again.")
    if not user.is_active:
        raise SessionEnded("The account is disabled.")


async def login_browser(
    svc: Services, username: str, password: str, *, address: str, user_agent: str = ""
) -> BrowserLogin:
    user = await _verify_login(svc, username, password, address)
    async with svc.db.transaction() as session:
        return open_browser_session(svc, session, user, address=address, user_agent=user_agent)


def open_browser_session(
    svc: Services, session: AsyncSession, user: User, *, address: str, user_agent: str
) -> BrowserLogin:
    """A new cookie session for a user whose credential was checked (password or single
    sign-on), added to the caller's transaction."""
    now = svc.clock.now()
    cookie = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=svc.settings.browser_session_idle_ttl)
    auth_session = AuthSession(
        id=secrets.token_hex(16),
        user_id=user.id,
        kind=SessionKind.BROWSER,
        cookie_hash=digest(cookie),
        created_at=now,
        last_seen_at=now,
        expires_at=expires,
        user_agent=user_agent[:300],
        address=address,
    )
    session.add(auth_session)
    return BrowserLogin(cookie, auth_session.id, expires, _actor(user, auth_session.id, address))


class SessionState(Protocol):
    revoked_at: datetime | None
    expires_at: datetime


class UserState(Protocol):
    is_active: bool


_SESSION_COLUMNS = (
    AuthSession.id,
    AuthSession.revoked_at,
    AuthSession.expires_at,
    User.id.label("user_id"),
    User.username,
    User.full_name,
    User.title,
    User.role,
    User.organization_id,
    User.language,
    User.must_change_password,
    User.is_active,
)


# Every request runs one of these: built once, with the columns it needs rather than an
# AuthSession and a User object.
_LIVE_SESSION = select(*_SESSION_COLUMNS).join(User, AuthSession.user_id == User.id)
_SESSION_BY_ID = _LIVE_SESSION.where(AuthSession.id == bindparam("key"))
_SESSION_BY_COOKIE = _LIVE_SESSION.where(
    AuthSession.cookie_hash == bindparam("key"), AuthSession.kind == SessionKind.BROWSER
)


async def _load(svc: Services, query: Select[Any], key: str, address: str) -> Actor:
    async with svc.db.reading() as session:
        row = (await session.execute(query, {"key": key})).first()
    if row is None:
        raise SessionEnded("You are not logged in.", code="not_authenticated")
    _check_session_alive(row, row, svc.clock.now())
    return Actor(
        user_id=row.user_id,
        username=row.username,
        full_name=row.full_name,
        role=row.role,
        organization_id=row.organization_id,
        language=row.language,
        session_id=row.id,
        address=address,
        must_change_password=row.must_change_password,
        title=row.title,
    )


async def actor_from_access_token(svc: Services, token: str, *, address: str) -> Actor:
    claims = svc.tokens.verify(token, TokenType.ACCESS)
    sid = claims.get("sid")
    if not isinstance(sid, str):
        raise SessionEnded("The token names no session.", code="invalid_token")
    actor = await _load(svc, _SESSION_BY_ID, sid, address)
    if str(actor.user_id) != claims["sub"]:
        raise SessionEnded("The token does not match its session.", code="invalid_token")
    return actor


async def actor_of_session(svc: Services, session_id: str, *, address: str) -> Actor:
    """The actor of a session that is still alive; long-lived sockets re-check with this."""
    return await _load(svc, _SESSION_BY_ID, session_id, address)


async def actor_from_cookie(svc: Services, cookie_value: str, *, address: str) -> Actor:
    return await _load(svc, _SESSION_BY_COOKIE, digest(cookie_value), address)


async def logout(svc: Services, actor: Actor) -> None:
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == actor.session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="logout")
        )
        await audit.append(
            session,
            at=now,
            action="auth.logout",
            actor_id=actor.user_id,
            address=actor.address,
            subject_type="session",
            subject_id=actor.session_id,
        )


async def revoke_user_sessions(
    session: AsyncSession, user_id: int, *, at: datetime, reason: str
) -> int:
    """End every session of a user (disabling, password reset): the next request gets 401."""
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at, revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
