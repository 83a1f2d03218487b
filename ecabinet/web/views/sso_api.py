"""``/api/admin/users/{id}/sso-links``: which provider identities sign in as a user."""

from __future__ import annotations

from collections.abc import Sequence

from ...models import SsoLink
from ...schemas.sso import SsoLinkIn, SsoLinkOut
from ...services import sso
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()
TAGS = ("admin",)
LINKS = r"/api/admin/users/{id:\d+}/sso-links"


@api.route(
    "GET", LINKS, summary="List a user's linked identities", response=list[SsoLinkOut], tags=TAGS
)
async def list_links(req: ApiRequest) -> Sequence[SsoLink]:
    return await sso.list_links(req.services, req.actor, req.id())


@api.route(
    "POST",
    LINKS,
    summary="Link a provider identity (issuer + subject) to a user",
    body=SsoLinkIn,
    response=SsoLinkOut,
    status=201,
    tags=TAGS,
)
async def link(req: ApiRequest) -> SsoLink:
    """The subject then signs in as this user. One identity belongs to one user (409
    ``sso_subject_taken``); an unknown provider name is 404 ``sso_unknown_provider``."""
    body: SsoLinkIn = req.body
    return await sso.link_user(
        req.services,
        req.actor,
        req.services.settings.oidc_providers,
        req.id(),
        body.provider,
        body.subject,
    )


@api.route(
    "DELETE",
    LINKS + r"/{link_id:\d+}",
    summary="Unlink a provider identity from a user",
    status=204,
    tags=TAGS,
)
async def unlink(req: ApiRequest) -> None:
    await sso.unlink_user(req.services, req.actor, req.id(), req.id("link_id"))
