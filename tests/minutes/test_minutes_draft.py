"""The first draft is written from the session as it was recorded; every save is a new,
immutable version; two versions compare as a unified diff and a side-by-side table."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from ecabinet.clock import FrozenClock
from ecabinet.errors import Conflict, Forbidden, NotFound
from ecabinet.models import AuditEvent, MinutesVersion, Role
from ecabinet.schemas.minutes import VersionIn
from ecabinet.services import minutes, minutes_render

from ..conftest import World
from .session_record import CONCLUSION_1, CONCLUSION_2, held_session


async def test_the_draft_carries_attendance_speeches_votes_and_conclusions(
    world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    view = await minutes.create(world.svc, held.actor("thuky"), held.meeting_id)
    assert view.status == "draft" and view.latest_version == 1
    text = (await minutes.version(world.svc, held.actor("thuky"), view.id, 1)).content
    assert "- Chủ trì: Botruong." in text
    assert "- Thư ký: Thuky." in text
    assert "- Botruong, Bộ Y tế — Chủ trì: có mặt tại hội trường" in text
    assert "- Daibieu, Bộ Y tế — Thành viên: có mặt trực tuyến" in text
    assert "- Tv000, Bộ Y tế — Thành viên: vắng mặt; ủy quyền cho Thutruong" in text
    assert "(dự thay Tv000)" in text
    assert "- Điểm cầu UBND tỉnh Nghệ An: không kết nối, 12 người tham dự" in text
    assert "- Số thành viên có mặt: 3/3 (đủ số thành viên" in text
    # items in order, each with who spoke, the vote and the chair's conclusion
    one, two = text.index("### 1. Tờ trình số 1"), text.index("### 2. Tờ trình số 2")
    assert one < text.index("Daibieu phát biểu (4 phút)") < text.index(CONCLUSION_1) < two
    named = text[one:two]
    assert "Biểu quyết: Thông qua Tờ trình số 1 (biểu quyết công khai)." in named
    assert "Tán thành: 1; Không tán thành: 1; Không biểu quyết: 0" in named
    assert "- Tán thành: Botruong." in named and "- Không tán thành: Daibieu." in named
    secret = text[two:]
    assert "Nhân sự Tổ công tác (bỏ phiếu kín)" in secret
    assert "Tán thành: 1; Không tán thành: 0; Không biểu quyết: 1" in secret
    assert "Botruong" not in secret.split("## III")[0]  # a secret vote names nobody
    assert f"Kết luận của chủ trì: {CONCLUSION_2}" in secret
    assert minutes_render.sections(text)[:2] == [
        "I. Thời gian, địa điểm, thành phần",
        "Thành phần tham dự",
    ]
    again = minutes.create(world.svc, held.actor("thuky"), held.meeting_id)
    with pytest.raises(Conflict) as exists:
        await again
    assert exists.value.code == "minutes_exist"


async def test_only_the_meetings_secretary_writes_the_minutes(
    world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    with pytest.raises(Forbidden) as member:
        await minutes.create(world.svc, held.actor("daibieu"), held.meeting_id)
    assert member.value.code == "permission_denied"
    view = await minutes.create(world.svc, held.actor("thuky"), held.meeting_id)
    with pytest.raises(Forbidden) as chair:
        await minutes.save(world.svc, held.actor("botruong"), view.id, VersionIn(content="x"))
    assert chair.value.code == "permission_denied"  # the chair reads, the secretary writes
    await world.add_user("thukytinh", Role.SECRETARY, world.province)
    with pytest.raises(NotFound):  # a secretary of another organization does not see the meeting
        await minutes.save(world.svc, held.actor("thukytinh"), view.id, VersionIn(content="x"))


async def test_every_save_is_a_new_immutable_version_and_versions_compare(
    world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    secretary = held.actor("thuky")
    view = await minutes.create(world.svc, secretary, held.meeting_id)
    first = await minutes.version(world.svc, secretary, view.id, 1)
    edited = first.content.replace(CONCLUSION_1, "Thông qua Tờ trình số 1 có sửa đổi.")
    clock.advance(minutes=10)
    saved = await minutes.save(
        world.svc,
        secretary,
        view.id,
        VersionIn(content=edited, base_version=1, note="Sửa kết luận"),
    )
    assert [v.number for v in saved.versions] == [2, 1]
    second = saved.versions[0]
    assert second.author_name == "Thuky" and second.created_at == clock.now()
    assert second.content_sha256 == minutes_render.content_hash(second.title, edited.strip())
    assert second.content_sha256 != saved.versions[1].content_sha256
    with pytest.raises(Conflict) as stale:  # someone saved since version 1 was opened
        await minutes.save(world.svc, secretary, view.id, VersionIn(content="x", base_version=1))
    assert stale.value.code == "stale_version"

    change, _, _ = await minutes.diff(world.svc, secretary, view.id, 1, 2)
    assert change.added == 1 and change.removed == 1
    assert f"-Kết luận của chủ trì: {CONCLUSION_1}" in change.unified
    assert "+Kết luận của chủ trì: Thông qua Tờ trình số 1 có sửa đổi." in change.unified
    rows = minutes_render.side_by_side(first.content, edited.strip())
    changed = [r for r in rows if r.kind != "equal"]
    assert [(r.kind, r.old, r.new) for r in changed] == [
        (
            "replace",
            f"Kết luận của chủ trì: {CONCLUSION_1}",
            "Kết luận của chủ trì: Thông qua Tờ trình số 1 có sửa đổi.",
        )
    ]
    (row,) = changed
    assert first.content.splitlines()[row.old_number - 1] == row.old  # numbered as in the text
    assert len(rows) == 5  # two lines of context on each side

    async with world.svc.db.transaction() as session:  # the database refuses changes to a version
        with pytest.raises(DBAPIError):
            await session.execute(update(MinutesVersion).values(content="forged"))
    async with world.svc.db.reading() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert actions.count("minutes.create") == 1 and actions.count("minutes.save") == 1
