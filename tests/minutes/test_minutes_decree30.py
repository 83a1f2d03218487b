"""Issue 21 item 12: the minutes PDF in the administrative layout of Decree 30/2020 — issuing
body, số và ký hiệu, Quốc hiệu, tiêu ngữ, place and date, nơi nhận — and the signatures made
over that PDF still validate."""

from __future__ import annotations

from pathlib import Path

from ecabinet.clock import FrozenClock
from ecabinet.schemas.minutes import ApproveIn, ReviewIn
from ecabinet.services import minutes, minutes_signing, verification

from ..conftest import World
from .session_record import give_certificates, held_session
from .test_minutes_signing import _pdf_text


async def test_the_minutes_pdf_carries_the_decree_30_heading_and_still_signs(
    world: World, clock: FrozenClock, tmp_path: Path
) -> None:
    held = await held_session(world, clock)
    await give_certificates(world, ["thuky", "botruong"])
    svc, secretary = world.svc, held.actor("thuky")
    view = await minutes.create(svc, secretary, held.meeting_id)
    await minutes.send_for_review(
        svc, secretary, view.id, ReviewIn(reviewer_ids=[world["botruong"].id])
    )
    await minutes_signing.approve(svc, secretary, view.id, ApproveIn(version=1))
    for name in ["thuky", "botruong"]:
        clock.advance(minutes=5)
        await minutes_signing.sign(svc, held.actor(name), view.id)
    final = await minutes_signing.pdf(svc, secretary, view.id)
    assert final.final
    report = await verification.verify(svc, final.data)
    assert report.all_valid and len(report.signatures) == 2

    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(final.data)
    text = _pdf_text(path)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Số: {view.id}/BB-" in text
    assert "Hà Nội, ngày" in text
    assert "Nơi nhận:" in text and "Lưu: VT." in text
