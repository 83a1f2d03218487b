"""Single sign-on: which provider subject is which user, and the logins under way.

A user is matched by the pair (issuer, subject) the provider vouches for in its ID token, never by
an e-mail address. A login under way is stored server-side: its ``state`` (as a digest), the
``nonce`` and PKCE verifier sent with it, and the digest of a random cookie that binds it to the
browser that started it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class SsoLink(Base):
    """A provider's subject that signs in as this user."""

    __tablename__ = "sso_link"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sso_link_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    provider: Mapped[str] = mapped_column(String(32))  # the configured name, for display
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OidcLogin(Base):
    """One authorization request, from the redirect to the provider until its callback."""

    __tablename__ = "oidc_login"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_url: Mapped[str] = mapped_column(String(500), default="/")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the login succeeded: the session it opened and the ID token (the hint for the
    # provider's logout).
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("auth_session.id", ondelete="CASCADE"), index=True
    )
    id_token: Mapped[str | None] = mapped_column(Text)
