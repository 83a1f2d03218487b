"""Single sign-on with an organization's OpenID provider: who logs in as whom.

Rules enforced here:
- a login under way is stored server-side (``oidc_login``) with its ``nonce`` and PKCE verifier;
  the callback must bring back its ``state`` *and* the browser cookie it was started with, within
  :data:`LOGIN_TTL`, once (a second callback with the same state is refused);
- a user is found by the (issuer, subject) pair of a verified ID token (``sso_link``), never by an
  e-mail address; an unknown subject is refused unless the provider allows provisioning, which
  then makes an account in the configured organization with the configured role;
- a disabled account cannot log in this way either;
- every outcome is audited: ``auth.login`` (``method: oidc``) as for passwords,
  ``auth.sso_refused`` with the reason's code, ``auth.sso_provisioned`` for a new account;
- the administrator links and unlinks subjects (``user.sso_link`` / ``user.sso_unlink``).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..config import OidcProvider
from ..errors import Conflict, NotFound
from ..models import OidcLogin, Organization, Role, SsoLink, User
from . import audit, auth, passwords
from .actor import Actor
from .context import Services, perform
from .directory import get_user
from .oidc import OidcClient, SsoRefused
from .permissions import Permission

LOGIN_TTL = timedelta(minutes=10)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class UnknownProvider(NotFound):
    code = "sso_unknown_provider"


@dataclass(frozen=True)
class LoginStart:
    redirect_url: str
    browser_cookie: str


@dataclass(frozen=True)
class LoginDone:
    login: auth.BrowserLogin
    next_url: str


@dataclass(frozen=True)
class LogoutOffer:
    provider_label: str
    url: str


def _provider(oidc: OidcClient, name: str) -> OidcProvider:
    provider = oidc.provider(name)
    if provider is None:
        raise UnknownProvider("No such identity provider.")
    return provider


async def begin_login(
    svc: Services, oidc: OidcClient, name: str, *, redirect_uri: str, next_url: str
) -> LoginStart:
    """Remember a new authorization request and say where to send the browser."""
    provider = _provider(oidc, name)
    metadata = await oidc.metadata(provider)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier, browser = secrets.token_urlsafe(64), secrets.token_urlsafe(32)
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        # Requests nobody came back from are of no use once expired.
        await session.execute(
            delete(OidcLogin).where(OidcLogin.expires_at < now, OidcLogin.session_id.is_(None))
        )
        session.add(
            OidcLogin(
                state_hash=auth.digest(state),
                provider=provider.name,
                browser_hash=auth.digest(browser),
                nonce=nonce,
                code_verifier=verifier,
                next_url=next_url[:500],
                created_at=now,
                expires_at=now + LOGIN_TTL,
            )
        )
    url = oidc.authorization_url(
        provider,
        metadata,
        redirect_uri=redirect_uri,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )
    return LoginStart(url, browser)


async def _refused(
    svc: Services, provider: str, code: str, address: str, subject: str = "", user_id: int = 0
) -> None:
    async with svc.db.transaction() as session:
        await audit.append(
            session,
            at=svc.clock.now(),
            action="auth.sso_refused",
            actor_id=user_id or None,
            address=address,
            subject_type="sso",
            subject_id=provider,
            data={"code": code, "subject": subject[:255]} if subject else {"code": code},
        )


async def _claim_state(
    svc: Services, provider: OidcProvider, state: str, browser_cookie: str
) -> OidcLogin:
    """The login request this callback answers, marked used; refused unless it is this
    browser's, unused and in time (the CSRF defence of the flow)."""
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        row = await session.get(OidcLogin, auth.digest(state), with_for_update=True)
        if row is not None and row.used_at is not None:
            raise SsoRefused("This sign-in was already used. Start again.", code="sso_state_used")
        if (
            row is None
            or row.provider != provider.name
            or not browser_cookie
            or not secrets.compare_digest(row.browser_hash, auth.digest(browser_cookie))
        ):
            raise SsoRefused(
                "This sign-in did not start in this browser (state mismatch). Start again.",
                code="sso_state_mismatch",
            )
        if row.expires_at <= now:
            raise SsoRefused("This sign-in took too long. Start again.", code="sso_state_expired")
        row.used_at = now
    return row


async def finish_login(
    svc: Services,
    oidc: OidcClient,
    name: str,
    *,
    code: str,
    state: str,
    browser_cookie: str,
    redirect_uri: str,
    address: str,
    user_agent: str = "",
) -> LoginDone:
    """The provider's callback: verify everything, then open a session for the linked user."""
    provider = _provider(oidc, name)
    subject = ""
    try:
        request = await _claim_state(svc, provider, state, browser_cookie)
        metadata = await oidc.metadata(provider)
        result = await oidc.exchange_code(
            provider,
            metadata,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=request.code_verifier,
            nonce=request.nonce,
        )
        subject = result.claims["sub"]
        async with svc.db.reading() as session:
            link = await session.scalar(
                select(SsoLink).where(SsoLink.issuer == provider.issuer, SsoLink.subject == subject)
            )
        profile: dict[str, Any] = {}
        if link is None:
            if not provider.provision:
                raise SsoRefused(
                    "No account is linked to this identity. Ask the administrator to link it.",
                    code="sso_unknown_subject",
                )
            profile = {
                **await oidc.userinfo(metadata, result.access_token, subject),
                **result.claims,
            }
        unusable_hash = ""
        if link is None:
            secret = secrets.token_urlsafe(32)
            unusable_hash = await asyncio.to_thread(passwords.hash_password, secret)
        async with svc.db.transaction() as session:
            if link is None:
                user = await _provision(svc, session, provider, subject, profile, unusable_hash)
                link = await session.scalar(
                    select(SsoLink).where(
                        SsoLink.issuer == provider.issuer, SsoLink.subject == subject
                    )
                )
            user = await session.get(User, link.user_id) if link else None
            if user is None or not user.is_active:
                raise SsoRefused("The account is disabled.", code="account_disabled")
            await session.execute(
                update(SsoLink).where(SsoLink.id == link.id).values(last_login_at=svc.clock.now())
            )
            login = auth.open_browser_session(
                svc, session, user, address=address, user_agent=user_agent
            )
            await session.execute(
                update(OidcLogin)
                .where(OidcLogin.state_hash == request.state_hash)
                .values(session_id=login.session_id, id_token=result.id_token)
            )
            await audit.append(
                session,
                at=svc.clock.now(),
                action="auth.login",
                actor_id=user.id,
                address=address,
                subject_type="user",
                subject_id=user.username,
                data={"method": "oidc", "provider": provider.name},
            )
    except SsoRefused as exc:
        await _refused(svc, provider.name, exc.code, address, subject)
        raise
    except IntegrityError as exc:  # the same new subject provisioned twice at once
        raise Conflict(
            "This identity was being linked at the same moment. Sign in again.",
            code="sso_provisioning_race",
        ) from exc
    return LoginDone(login, request.next_url)


async def _provision(
    svc: Services,
    session: AsyncSession,
    provider: OidcProvider,
    subject: str,
    profile: dict[str, Any],
    password_hash: str,
) -> User:
    """A new account for a subject seen first, with a password nobody knows (they sign in through
    the provider; an administrator can still reset one)."""
    org = await session.scalar(
        select(Organization).where(Organization.slug == provider.provision_organization)
    )
    if org is None:
        raise SsoRefused(
            "The organization for new accounts from this provider does not exist.",
            code="sso_provisioning_misconfigured",
        )
    now = svc.clock.now()
    user = User(
        username=await _free_username(session, provider, subject, profile),
        full_name=str(profile.get("name") or profile.get("preferred_username") or subject)[:200],
        email=str(profile.get("email") or "")[:254] if profile.get("email_verified") else "",
        password_hash=password_hash,
        role=Role(provider.provision_role),
        organization_id=org.id,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    await session.flush()
    session.add(
        SsoLink(
            user_id=user.id,
            issuer=provider.issuer,
            subject=subject,
            provider=provider.name,
            created_at=now,
        )
    )
    await session.flush()
    await audit.append(
        session,
        at=now,
        action="auth.sso_provisioned",
        actor_id=None,
        subject_type="user",
        subject_id=user.id,
        data={"provider": provider.name, "subject": subject, "username": user.username},
    )
    return user


async def _free_username(
    session: AsyncSession, provider: OidcProvider, subject: str, profile: dict[str, Any]
) -> str:
    fallback = "sso-" + hashlib.sha256(f"{provider.issuer} {subject}".encode()).hexdigest()[:12]
    wanted = [str(profile.get("preferred_username") or "").lower()]
    wanted.append(str(profile.get("email") or "").partition("@")[0].lower())
    for base in [w for w in wanted if USERNAME.match(w)] + [fallback]:
        for candidate in (base, *(f"{base[:60]}-{n}" for n in range(2, 6))):
            if not await session.scalar(select(User.id).where(User.username == candidate)):
                return candidate
    return fallback + "-" + secrets.token_hex(3)


async def logout_offer(
    svc: Services, oidc: OidcClient, session_id: str, *, after: str
) -> LogoutOffer | None:
    """If this session came from a provider that offers RP-initiated logout, the link to it."""
    async with svc.db.reading() as session:
        row = await session.scalar(select(OidcLogin).where(OidcLogin.session_id == session_id))
    provider = oidc.provider(row.provider) if row is not None else None
    if row is None or provider is None or not row.id_token:
        return None
    metadata = await oidc.metadata(provider)
    if not metadata.end_session_endpoint:
        return None
    return LogoutOffer(
        provider.label, oidc.end_session_url(metadata, provider, row.id_token, after)
    )


# ---------------------------------------------------------------- administration


async def list_links(svc: Services, actor: Actor, user_id: int) -> list[SsoLink]:
    actor.require(Permission.USER_MANAGE)
    return await links_of(svc, user_id)


async def links_of(svc: Services, user_id: int) -> list[SsoLink]:
    """A user's links (no authorization: for the command line and pages that checked it)."""
    async with svc.db.reading() as session:
        await get_user(session, user_id)
        rows = await session.scalars(
            select(SsoLink).where(SsoLink.user_id == user_id).order_by(SsoLink.id)
        )
        return list(rows)


async def link_user(
    svc: Services,
    actor: Actor | None,
    oidc_providers: tuple[OidcProvider, ...],
    user_id: int,
    provider_name: str,
    subject: str,
) -> SsoLink:
    """Let ``subject`` at the provider sign in as this user (one user per subject)."""
    provider = next((p for p in oidc_providers if p.name == provider_name), None)
    if provider is None:
        raise UnknownProvider("No such identity provider.")
    async with perform(svc, actor, "user.sso_link", Permission.USER_MANAGE) as act:
        await get_user(act.session, user_id)
        taken = await act.session.scalar(
            select(SsoLink.user_id).where(
                SsoLink.issuer == provider.issuer, SsoLink.subject == subject
            )
        )
        if taken is not None:
            raise Conflict(
                "This identity is already linked to an account.", code="sso_subject_taken"
            )
        link = SsoLink(
            user_id=user_id,
            issuer=provider.issuer,
            subject=subject,
            provider=provider.name,
            created_at=svc.clock.now(),
        )
        act.session.add(link)
        await act.session.flush()
        act.record("user", user_id, provider=provider.name, subject=subject)
    return link


async def unlink_user(svc: Services, actor: Actor | None, user_id: int, link_id: int) -> None:
    async with perform(svc, actor, "user.sso_unlink", Permission.USER_MANAGE) as act:
        link = await act.session.get(SsoLink, link_id)
        if link is None or link.user_id != user_id:
            raise NotFound("No such link.", code="sso_link_not_found")
        act.record("user", user_id, provider=link.provider, subject=link.subject)
        await act.session.delete(link)
