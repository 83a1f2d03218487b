"""Review, approval and signing in the configured order (chair last); the final PDF validates
against the platform CA; an edit after a signature voids that round and a new round signs
cleanly; out-of-order and outside signers are refused; final minutes refuse edits."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from ecabinet.clock import FrozenClock
from ecabinet.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ecabinet.models import AuditEvent, DocumentSignature, OutboxMail, Role
from ecabinet.schemas.minutes import ApproveIn, CommentIn, ReviewIn, VersionIn
from ecabinet.services import audit, minutes, minutes_signing, pki, verification

from ..conftest import World
from ..signing.test_thirty_signers import PYHANKO_OK, pyhanko_validate
from .session_record import Held, actor_of, give_certificates, held_session

SIGNERS = ["thuky", "daibieu", "botruong"]


async def _in_review(world: World, clock: FrozenClock) -> tuple[Held, int]:
    held = await held_session(world, clock)
    await give_certificates(world, SIGNERS)
    secretary = held.actor("thuky")
    view = await minutes.create(world.svc, secretary, held.meeting_id)
    reviewers = [world["daibieu"].id, world["botruong"].id]
    reviewed = await minutes.send_for_review(
        world.svc, secretary, view.id, ReviewIn(reviewer_ids=reviewers)
    )
    assert reviewed.status == "in_review"
    return held, view.id


def _ids(world: World, names: list[str]) -> list[int]:
    return [world[n].id for n in names]


async def _code(awaitable: object) -> str:
    with pytest.raises(DomainError) as refused:
        await awaitable  # type: ignore[misc]
    return refused.value.code


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(unicodedata.normalize("NFC", out.stdout).split())


async def test_review_approve_and_three_signers_in_order_make_final_minutes(
    world: World, clock: FrozenClock, tmp_path: Path
) -> None:
    held, mid = await _in_review(world, clock)
    svc, secretary = world.svc, held.actor("thuky")
    member, chair = held.actor("daibieu"), held.actor("botruong")
    section = (await minutes.version(svc, member, mid, 1)).sections[0]
    await minutes.comment(
        svc, member, mid, CommentIn(body="Bổ sung giờ khai mạc.", section=section)
    )
    await minutes.comment(
        svc, chair, mid, CommentIn(body="Sửa kết luận mục 1.", changes_requested=True)
    )
    assert (
        await _code(minutes.comment(svc, held.actor("tv000"), mid, CommentIn(body="x")))
        == "minutes_not_shared"
    )  # not asked to review: cannot even read the draft
    assert (
        await _code(
            minutes.comment(svc, member, mid, CommentIn(body="x", section="Không có mục này"))
        )
        == "unknown_section"
    )
    listed = await minutes.comments(svc, secretary, mid, 1)
    assert [(c.author_name, c.section, c.changes_requested) for c in listed] == [
        ("Daibieu", section, False),
        ("Botruong", "", True),
    ]
    approve = ApproveIn(version=1, signer_ids=_ids(world, SIGNERS))
    assert await _code(minutes_signing.approve(svc, secretary, mid, approve)) == "changes_requested"

    text = (await minutes.version(svc, secretary, mid, 1)).content + "\nBổ sung: khai mạc 09:00.\n"
    await minutes.save(svc, secretary, mid, VersionIn(content=text, base_version=1))
    await minutes.send_for_review(svc, secretary, mid, ReviewIn(reviewer_ids=[chair.user_id]))
    assert (
        await _code(minutes_signing.approve(svc, secretary, mid, ApproveIn(version=1)))
        == "stale_version"
    )
    wrong_order = ApproveIn(version=2, signer_ids=_ids(world, ["botruong", "thuky"]))
    assert (
        await _code(minutes_signing.approve(svc, secretary, mid, wrong_order)) == "chair_not_last"
    )
    outsider = ApproveIn(version=2, signer_ids=_ids(world, ["admin", "botruong"]))
    assert (
        await _code(minutes_signing.approve(svc, secretary, mid, outsider))
        == "signer_not_participant"
    )
    approved = await minutes_signing.approve(
        svc, secretary, mid, ApproveIn(version=2, signer_ids=_ids(world, SIGNERS))
    )
    assert approved.status == "approved_for_signature"
    assert [s.name for s in approved.rounds[0].signers] == ["Thuky", "Daibieu", "Botruong"]

    assert await _code(minutes_signing.sign(svc, chair, mid)) == "not_your_turn"
    assert await _code(minutes_signing.sign(svc, held.actor("tv000"), mid)) == "not_a_signer"
    statuses = []
    for name in SIGNERS:
        clock.advance(minutes=5)
        statuses.append((await minutes_signing.sign(svc, held.actor(name), mid)).status)
    assert statuses == ["signing", "signing", "final"]
    assert await _code(minutes_signing.sign(svc, chair, mid)) == "minutes_final"
    assert (
        await _code(minutes.save(svc, secretary, mid, VersionIn(content="Sửa sau khi ký")))
        == "minutes_final"
    )

    final = await minutes_signing.pdf(svc, held.actor("tv000"), mid)  # shared once final
    assert final.final
    report = await verification.verify(svc, final.data)
    assert report.all_valid
    assert [s.signer for s in report.signatures] == ["Thuky", "Daibieu", "Botruong"]
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_text(pki.cert_pem(await pki.ca_certificate(svc)))
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(final.data)
    result = pyhanko_validate(path, ca_pem)  # the pyHanko CLI, the platform CA as only root
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("Sig")]
    assert len(lines) == 3 and all(PYHANKO_OK.match(line) for line in lines), lines

    text = _pdf_text(path)
    assert "Kết luận của chủ trì: Thống nhất thông qua Tờ trình số 1" in text
    assert "Bổ sung: khai mạc 09:00." in text  # version 2 was the one signed
    async with svc.db.reading() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
        assert (await audit.verify_chain(session)).intact
        approval = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "minutes.approve")
        )
        assert approval is not None
        anchored = await session.get(AuditEvent, approval.data["audit_head_seq"])
        filed_under = set(
            await session.scalars(
                select(AuditEvent.meeting_id).where(AuditEvent.action.like("minutes.%"))
            )
        )
    assert filed_under == {held.meeting_id}  # the meeting's audit view lists every minutes step
    assert anchored is not None  # the signed text names the audit chain's head at approval
    assert f"Nhật ký hệ thống khi duyệt: bản ghi số {anchored.seq}," in text
    assert anchored.entry_hash in text.split("Nhật ký hệ thống khi duyệt")[1]
    assert actions.count("minutes.sign") == 3 and actions.count("minutes.approve") == 1
    async with svc.db.reading() as session:
        mails = list(
            await session.scalars(select(OutboxMail).where(OutboxMail.purpose.like("minutes_%")))
        )
    assert sorted((m.purpose, m.to_address.split("@")[0]) for m in mails) == sorted(
        [
            ("minutes_review", "daibieu"),  # version 1
            ("minutes_review", "botruong"),
            ("minutes_review", "botruong"),  # version 2
            ("minutes_sign", "thuky"),  # each signer when it is their turn
            ("minutes_sign", "daibieu"),
            ("minutes_sign", "botruong"),
            ("minutes_final", "thuky"),  # everyone with an address once final
            ("minutes_final", "botruong"),
            ("minutes_final", "daibieu"),
            ("minutes_final", "thutruong"),
        ]
    )
    assert all(f"/minutes/{mid}/sign" in m.text_body for m in mails if m.purpose == "minutes_sign")
    assert actions.count("minutes.comment") == 2 and actions.count("minutes.review") == 2


async def test_an_edit_after_a_signature_voids_the_round_and_a_new_round_signs_cleanly(
    world: World, clock: FrozenClock
) -> None:
    held, mid = await _in_review(world, clock)
    svc, secretary = world.svc, held.actor("thuky")
    signers = ApproveIn(version=1, signer_ids=_ids(world, SIGNERS))
    await minutes_signing.approve(svc, secretary, mid, signers)
    await minutes_signing.sign(svc, secretary, mid)
    await minutes_signing.sign(svc, held.actor("daibieu"), mid)
    old_pdf = (await minutes_signing.pdf(svc, secretary, mid)).data

    text = (await minutes.version(svc, secretary, mid, 1)).content + "\nĐính chính.\n"
    edited = await minutes.save(svc, secretary, mid, VersionIn(content=text))
    assert edited.status == "draft" and edited.latest_version == 2
    void = edited.rounds[0]
    assert void.status == "void" and void.version == 1 and void.voided_at is not None
    assert [(s.name, s.void) for s in void.signers] == [
        ("Thuky", True),
        ("Daibieu", True),
        ("Botruong", False),  # never signed
    ]
    assert "Version 2 saved by" in void.void_reason
    async with svc.db.reading() as session:  # the old signatures stay on record
        kept = list(await session.scalars(select(DocumentSignature)))
    assert len(kept) == 2
    assert await _code(minutes_signing.sign(svc, held.actor("botruong"), mid)) == (
        "minutes_not_signing"
    )
    assert await _code(minutes_signing.pdf(svc, secretary, mid)) == "minutes_not_approved"

    await minutes.send_for_review(svc, secretary, mid, ReviewIn(reviewer_ids=[world["daibieu"].id]))
    await minutes_signing.approve(svc, secretary, mid, ApproveIn(version=2))  # default order
    for name in ("thuky", "botruong"):
        view = await minutes_signing.sign(svc, held.actor(name), mid)
    assert view.status == "final"
    assert [r.status for r in view.rounds] == ["void", "complete"]
    assert [r.version for r in view.rounds] == [1, 2]
    final = await minutes_signing.pdf(svc, secretary, mid)
    assert final.data != old_pdf
    report = await verification.verify(svc, final.data)
    assert report.all_valid and [s.signer for s in report.signatures] == ["Thuky", "Botruong"]


async def test_nobody_outside_the_meeting_reads_or_signs_its_minutes(
    world: World, clock: FrozenClock
) -> None:
    held, mid = await _in_review(world, clock)
    svc = world.svc
    await minutes_signing.approve(
        svc, held.actor("thuky"), mid, ApproveIn(version=1, signer_ids=_ids(world, SIGNERS))
    )
    stranger = await world.add_user("nguoingoai", Role.MEMBER, world.province)
    await give_certificates(world, ["nguoingoai"])
    outsider = actor_of(stranger)
    for call in (
        minutes.get(svc, outsider, mid),
        minutes.version(svc, outsider, mid, 1),
        minutes.comments(svc, outsider, mid),
        minutes_signing.pdf(svc, outsider, mid),
        minutes_signing.sign(svc, outsider, mid),
        minutes.get_for_meeting(svc, outsider, held.meeting_id),
    ):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(Forbidden):  # a participant who is neither reviewer nor signer, pre-final
        await minutes.get(svc, held.actor("tv000"), mid)
    with pytest.raises((Conflict, ValidationFailed, Forbidden)):
        await minutes.send_for_review(
            svc, held.actor("thuky"), mid, ReviewIn(reviewer_ids=[stranger.id])
        )


async def test_an_edit_racing_a_signature_never_leaves_a_signature_on_a_replaced_text(
    world: World, clock: FrozenClock
) -> None:
    held, mid = await _in_review(world, clock)
    svc, secretary = world.svc, held.actor("thuky")
    await minutes_signing.approve(
        svc, secretary, mid, ApproveIn(version=1, signer_ids=_ids(world, ["daibieu", "botruong"]))
    )
    text = (await minutes.version(svc, secretary, mid, 1)).content + "\nĐính chính."
    results = await asyncio.gather(
        minutes_signing.sign(svc, held.actor("daibieu"), mid),
        minutes.save(svc, secretary, mid, VersionIn(content=text)),
        return_exceptions=True,
    )
    signed, saved = results
    assert not isinstance(saved, BaseException)  # the edit always goes through
    after = await minutes.get(svc, secretary, mid)
    assert after.status == "draft" and after.latest_version == 2
    (round_,) = after.rounds
    assert round_.status == "void"
    if isinstance(signed, BaseException):  # the edit came first: nothing signed at all
        assert isinstance(signed, DomainError) and signed.code == "minutes_not_signing"
        assert round_.signed_count == 0
    else:  # the signature came first: it stays on record, void
        assert round_.signed_count == 1 and round_.signers[0].void
