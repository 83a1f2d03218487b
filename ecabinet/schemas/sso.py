"""Single sign-on: the identities an administrator links to an account."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .common import Input, Output


class SsoLinkIn(Input):
    provider: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,31}$",
        description="The provider's name in ECABINET_OIDC_PROVIDERS.",
    )
    subject: str = Field(
        min_length=1,
        max_length=255,
        description="The stable `sub` claim the provider gives this person (not an e-mail).",
    )


class SsoLinkOut(Output):
    id: int
    user_id: int
    provider: str
    issuer: str
    subject: str
    created_at: datetime
    last_login_at: datetime | None
