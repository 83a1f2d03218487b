"""Approving the minutes for signature and signing them in the configured order, chair last.

Approving renders the latest version to PDF (with one empty signature field per signer) and
opens a signing round, in one transaction with the status change. Each signature runs
:func:`signing.sign_in` inside the ``minutes.sign`` action, with the minutes row locked, so a
signature and a concurrent edit cannot interleave: either the edit comes first (the round is
void and the signature is refused) or the signature does (and the edit voids it). The chair's
signature, the last, makes the minutes final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import (
    AuditEvent,
    DocumentSignature,
    Minutes,
    MinutesComment,
    MinutesSigningRound,
    MinutesVersion,
    RoundStatus,
    SignerCredential,
    SigningDocument,
)
from ..schemas.minutes import ApproveIn
from . import (
    external_signing,
    minutes_heading,
    minutes_notices,
    minutes_render,
    seats,
    signing,
    signing_confirmation,
)
from .actor import Actor
from .context import Services, perform
from .minutes_access import latest_version, load, open_round
from .minutes_view import MinutesView, chair_of, view
from .minutes_workflow import Event, next_status
from .permissions import Permission

SUBJECT = "minutes_version"


async def _signers(svc: Services, actor: Actor, minutes_id: int, data: ApproveIn) -> list[int]:
    """The signing order: the one asked for, or the secretary then the chair; the chair last."""
    async with svc.db.reading() as session:
        access = await load(session, actor, minutes_id)
        access.require_secretary()
        people = await seats.participants_of(session, access.minutes.meeting_id)
        chair = await chair_of(session, access.minutes.meeting_id)
    if chair is None:
        raise Conflict("The meeting has no chair to sign last.", code="no_chair")
    order = list(data.signer_ids) if data.signer_ids else [actor.user_id, chair]
    if chair == actor.user_id and not data.signer_ids:
        order = [chair]
    if order[-1] != chair:
        raise ValidationFailed("The chair signs last.", code="chair_not_last")
    allowed = {p.user_id for p in people if p.user_id} | {actor.user_id}
    if any(uid not in allowed for uid in order):
        raise ValidationFailed(
            "Signers are the meeting's participants or its secretary.",
            code="signer_not_participant",
        )
    if len(set(order)) != len(order):
        raise ValidationFailed("A signer is listed twice.", code="bad_signer_list")
    return order


def _paragraphs(version: MinutesVersion, head: tuple[int, str] | None) -> list[str]:
    """The text, then what the signatures vouch for beyond it: the version's content hash and
    the audit log's head at approval (SEC-J2: the signed minutes anchor the hash chain)."""
    lines = [
        *minutes_render.paragraphs(version.content),
        f"• Phiên bản {version.number} — SHA-256 của nội dung: {version.content_sha256}",
    ]
    if head is not None:
        lines.append(f"• Nhật ký hệ thống khi duyệt: bản ghi số {head[0]}, mã băm {head[1]}")
    return lines


async def audit_head(session: AsyncSession) -> tuple[int, str] | None:
    row = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
        )
    ).first()
    return (row.seq, row.entry_hash) if row else None


async def approve(svc: Services, actor: Actor, minutes_id: int, data: ApproveIn) -> MinutesView:
    """Approve the latest version for signature: render it and open a signing round."""
    signer_ids = await _signers(svc, actor, minutes_id, data)
    async with svc.db.reading() as session:
        latest = await latest_version(session, minutes_id)
        head = await audit_head(session)
        record = await session.get(Minutes, minutes_id)
        heading = (
            await minutes_heading.heading_of(session, record, svc.clock.now()) if record else None
        )
    if latest.number != data.version:
        raise Conflict(f"Version {latest.number} is the latest.", code="stale_version")
    request = signing.DocumentRequest(
        subject_type=SUBJECT,
        subject_id=str(latest.id),
        title=latest.title,
        paragraphs=_paragraphs(latest, head),
        signer_ids=signer_ids,
        administrative=heading,
    )
    pdf = await signing.render(svc, request)
    async with perform(svc, actor, "minutes.approve", Permission.SIGNING_REQUEST) as act:
        access = await load(act.session, actor, minutes_id, lock=True)
        access.require_secretary()
        minutes = access.minutes
        status = next_status(minutes.status, Event.APPROVE)
        if (await latest_version(act.session, minutes.id)).id != latest.id:
            raise Conflict("A newer version was saved meanwhile.", code="stale_version")
        requested = await act.session.scalar(
            select(func.count())
            .select_from(MinutesComment)
            .where(MinutesComment.version_id == latest.id, MinutesComment.changes_requested)
        )
        if requested:
            raise Conflict(
                "A reviewer asked for changes to this version; save a new version first.",
                code="changes_requested",
            )
        now = svc.clock.now()
        doc = await signing.store(act.session, actor, request, pdf, now)
        opened = MinutesSigningRound(
            minutes_id=minutes.id,
            version_id=latest.id,
            signing_document_id=doc.id,
            signer_ids=signer_ids,
            status=RoundStatus.OPEN,
            approved_by=actor.user_id,
            approved_at=now,
        )
        act.session.add(opened)
        minutes.status, minutes.updated_at = status, now
        await act.session.flush()
        await minutes_notices.turn_to_sign(
            act.session, svc, access.seat.meeting, minutes.id, opened.id, 1, signer_ids[0]
        )
        act.record(
            "minutes",
            minutes.id,
            version=latest.number,
            signing_document=doc.id,
            signers=signer_ids,
            sha256=doc.pdf_sha256,
            audit_head_seq=head[0] if head else None,
        )
        return await view(act.session, access)


async def sign_confirmed(
    svc: Services, actor: Actor, minutes_id: int, password: str
) -> MinutesView:
    """What a person does (page and API): confirm with the password, then sign."""
    confirmation = await signing_confirmation.confirm(svc, actor, password)
    return await sign(svc, actor, minutes_id, confirmation=confirmation)


async def sign(
    svc: Services,
    actor: Actor,
    minutes_id: int,
    *,
    confirmation: signing_confirmation.Confirmation | None = None,
) -> MinutesView:
    """The actor's signature on the open round, if it is their turn; the last makes it final.
    People sign through :func:`sign_confirmed`; the confirmation's factor is audited."""
    font = await signing.stamp_font(svc)
    timestamper = signing.timestamper_for(svc)
    async with perform(svc, actor, "minutes.sign") as act:
        access, current = await _open_round_for(act, actor, minutes_id)
        doc, record, credential = await signing.sign_in(
            act.session,
            svc,
            actor,
            current.signing_document_id,
            font=font,
            timestamper=timestamper,
        )
        return await _signed(
            act, svc, access, current, doc, record, credential,
            confirmation.factor if confirmation else None,
        )  # fmt: skip


async def _signed(
    act: Any,
    svc: Services,
    access: Any,
    current: MinutesSigningRound,
    doc: SigningDocument,
    record: DocumentSignature,
    credential: SignerCredential,
    confirmed: str | None,
) -> MinutesView:
    """After a signature on the open round: the minutes' state, notices, the audit entry."""
    minutes = access.minutes
    last = record.position == len(current.signer_ids)
    minutes.status = next_status(minutes.status, Event.SIGN_LAST if last else Event.SIGN)
    minutes.updated_at = record.signed_at
    meeting = access.seat.meeting
    if last:
        current.status = RoundStatus.COMPLETE
        people = await seats.participants_of(act.session, meeting.id)
        everyone = [p.user_id for p in people if p.user_id]
        everyone += [meeting.secretary_id] if meeting.secretary_id else []
        await minutes_notices.signed_and_final(act.session, svc, meeting, minutes.id, everyone)
    else:
        following = int(current.signer_ids[record.position])
        await minutes_notices.turn_to_sign(
            act.session, svc, meeting, minutes.id, current.id, record.position + 1, following
        )
    await act.session.flush()
    act.record(
        "minutes",
        minutes.id,
        round=current.id,
        signing_document=doc.id,
        position=record.position,
        certificate=credential.fingerprint,
        sha256=doc.pdf_sha256,
        final=last,
        confirmed=confirmed,
        kind=credential.source.value,
    )
    return await view(act.session, access)


async def _open_round_for(act: Any, actor: Actor, minutes_id: int) -> tuple[Any, Any]:
    access = await load(act.session, actor, minutes_id, lock=True)
    current = await open_round(act.session, access.minutes.id)
    if current is None:
        next_status(access.minutes.status, Event.SIGN)  # raises the workflow's refusal
        raise Conflict("No signing round is open.", code="minutes_not_signing")
    if actor.user_id not in current.signer_ids:
        raise Forbidden("You are not a signer of these minutes.", code="not_a_signer")
    return access, current


async def prepare_external(
    svc: Services, actor: Actor, minutes_id: int
) -> external_signing.RequestView:
    """Prepare the actor's signature for their own device (when it is their turn): the server
    writes their revision and returns what the device signs (``external_signing``)."""
    font = await signing.stamp_font(svc)
    async with perform(svc, actor, "minutes.sign_prepare") as act:
        _access, current = await _open_round_for(act, actor, minutes_id)
        doc, request = await external_signing.prepare_in(
            act.session, svc, actor, current.signing_document_id, font=font
        )
        act.record(
            "minutes",
            minutes_id,
            round=current.id,
            signing_document=doc.id,
            position=request.position,
            digest=request.document_digest,
            request=request.id,
        )
        return await external_signing.view_of(act.session, request, doc)


async def complete_external(
    svc: Services,
    actor: Actor,
    minutes_id: int,
    token: str,
    *,
    signature: bytes | None = None,
    cms_der: bytes | None = None,
) -> MinutesView:
    """The device's signature for a prepared request: validated, then added like ``sign``."""
    timestamper = signing.timestamper_for(svc)
    async with (
        external_signing.refusals_audited(svc, actor, token, minutes_id=minutes_id),
        perform(svc, actor, "minutes.sign") as act,
    ):
        access, current = await _open_round_for(act, actor, minutes_id)
        doc, record, credential = await external_signing.complete_in(
            act.session,
            svc,
            actor,
            token,
            signature=signature,
            cms_der=cms_der,
            timestamper=timestamper,
        )
        if doc.id != current.signing_document_id:
            raise Conflict("This request is for another document.", code="signing_request_stale")
        return await _signed(act, svc, access, current, doc, record, credential, "device")


@dataclass
class MinutesPdf:
    data: bytes
    sha256: str
    filename: str
    final: bool


async def pdf(svc: Services, actor: Actor, minutes_id: int) -> MinutesPdf:
    """The PDF of the current round as it stands (signed so far), or the final one."""
    async with svc.db.reading() as session:
        access = await load(session, actor, minutes_id)
        access.require_read()
        current = await session.scalar(
            select(MinutesSigningRound)
            .where(
                MinutesSigningRound.minutes_id == minutes_id,
                MinutesSigningRound.status != RoundStatus.VOID,
            )
            .order_by(MinutesSigningRound.id.desc())
            .limit(1)
        )
        if current is None:
            raise Conflict(
                "The minutes have no PDF until a version is approved for signature.",
                code="minutes_not_approved",
            )
        doc = await session.get(SigningDocument, current.signing_document_id)
        assert doc is not None
        return MinutesPdf(
            doc.pdf,
            doc.pdf_sha256,
            f"bien-ban-{access.minutes.meeting_id}.pdf",
            current.status is RoundStatus.COMPLETE,
        )


async def minutes_of_version(svc: Services, version_id: int) -> int:
    """The minutes a version belongs to."""
    async with svc.db.reading() as session:
        found = await session.scalar(
            select(MinutesVersion.minutes_id).where(MinutesVersion.id == version_id)
        )
    if found is None:
        raise Conflict("The minutes are gone.", code="signing_request_stale")
    return int(found)
