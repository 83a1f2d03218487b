"""The administrator's side of signers' certificates: who has one, issuing (``pki.issue_
certificate``) and revoking. A revoked certificate signs nothing more (``pki.current_credential``
skips it) and is listed in the platform CA's CRL (``services/revocation.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import NotFound
from ..models import SignerCredential, User
from .actor import Actor
from .context import Services, perform
from .permissions import Permission


@dataclass(frozen=True)
class CertificateStatus:
    """A user's current certificate, as the users page shows it."""

    credential_id: int
    source: str
    fingerprint: str
    not_after: datetime


async def current_by_user(svc: Services, actor: Actor) -> dict[int, CertificateStatus]:
    """Every user's current (not revoked) certificate, by user id."""
    actor.require(Permission.SIGNER_CERTIFICATE_ISSUE)
    async with svc.db.reading() as session:
        rows = await session.scalars(
            select(SignerCredential)
            .where(SignerCredential.revoked_at.is_(None))
            .order_by(SignerCredential.id)
        )
        return {
            row.user_id: CertificateStatus(row.id, row.source.value, row.fingerprint, row.not_after)
            for row in rows
        }


async def revoke(svc: Services, actor: Actor, user_id: int) -> SignerCredential:
    """Revoke the user's current certificate (audited ``pki.certificate_revoke``)."""
    async with perform(
        svc, actor, "pki.certificate_revoke", Permission.SIGNER_CERTIFICATE_ISSUE
    ) as act:
        if await act.session.get(User, user_id) is None:
            raise NotFound("No such user.", code="user_not_found")
        current = (
            await act.session.scalars(
                select(SignerCredential)
                .where(SignerCredential.user_id == user_id, SignerCredential.revoked_at.is_(None))
                .with_for_update()
            )
        ).all()
        if not current:
            raise NotFound("The user has no certificate to revoke.", code="no_signing_certificate")
        now = svc.clock.now()
        for row in current:
            row.revoked_at = now
        act.record(
            "signer_credential",
            current[-1].id,
            user_id=user_id,
            fingerprint=current[-1].fingerprint,
            revoked=[row.fingerprint for row in current],
        )
    return current[-1]
