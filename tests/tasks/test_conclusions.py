"""The conclusions notice: drafted from the items' conclusions after the meeting, edited,
published (number, tasks, PDF in Vietnamese, mails), immutable, corrected by a new notice."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from ecabinet.clock import FrozenClock
from ecabinet.models import ConclusionNotice, SignerCredential, Task
from ecabinet.services import conclusions, pki, verification

from ..conftest import World, api_login, bearer
from ..governance import actor, make_session
from ..scheduling import outbox
from ..signing.test_thirty_signers import PYHANKO_OK, pyhanko_validate
from .helpers import ended_meeting, grow, plan


async def test_secretary_drafts_edits_and_publishes_and_the_tasks_are_created(
    client: TestClient, world: World, clock: FrozenClock, tmp_path: Path
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=2)
    secretary = bearer(await api_login(client, "thuky"))
    base = f"/api/meetings/{s.meeting_id}/conclusions"

    resp = await client.post(base, json={}, headers=secretary)
    assert resp.status == 201, await resp.text()
    draft = await resp.json()
    assert draft["status"] == "draft" and draft["number"] is None
    assert [(c["number"], c["agenda_item_id"]) for c in draft["conclusions"]] == [
        (1, s.items[0]),
        (2, s.items[1]),
    ]
    assert draft["conclusions"][0]["text"].startswith("Kết luận nội dung 1")
    assert (await client.post(base, json={}, headers=secretary)).status == 409  # one draft

    deadline = clock.now() + timedelta(days=30)
    body = {
        "title": "Thông báo kết luận phiên họp thường kỳ",
        "conclusions": [
            {
                "text": "Thống nhất thông qua Tờ trình số 1.",
                "agenda_item_id": s.items[0],
                "tasks": [
                    plan("Hoàn thiện dự thảo Nghị định", orgs.ministry, deadline, orgs.province),
                    plan("Rà soát kinh phí", orgs.ministry2, deadline),
                ],
            },
            {
                "text": "Giao các địa phương triển khai.",
                "tasks": [
                    plan("Báo cáo kết quả triển khai", orgs.province, deadline, orgs.district)
                ],
            },
        ],
    }
    resp = await client.patch(f"/api/conclusions/{draft['id']}", json=body, headers=secretary)
    assert resp.status == 200, await resp.text()
    edited = await resp.json()
    assert [len(c["planned_tasks"]) for c in edited["conclusions"]] == [2, 1]

    resp = await client.post(f"/api/conclusions/{draft['id']}/publish", headers=secretary)
    assert resp.status == 200, await resp.text()
    published = await resp.json()
    assert published["status"] == "published" and published["number"] == 1
    made = [t for c in published["conclusions"] for t in c["tasks"]]
    assert [(t["title"], t["assignee"]["id"], t["state"]) for t in made] == [
        ("Hoàn thiện dự thảo Nghị định", orgs.ministry, "assigned"),
        ("Rà soát kinh phí", orgs.ministry2, "assigned"),
        ("Báo cáo kết quả triển khai", orgs.province, "assigned"),
    ]
    assert [o["id"] for o in made[0]["cooperating"]] == [orgs.province]
    assert all(c["planned_tasks"] == [] for c in published["conclusions"])

    # published notices never change
    resp = await client.patch(f"/api/conclusions/{draft['id']}", json=body, headers=secretary)
    assert (await resp.json())["error"]["code"] == "notice_published"
    resp = await client.post(f"/api/conclusions/{draft['id']}/publish", headers=secretary)
    assert resp.status == 409
    assert (await client.delete(f"/api/conclusions/{draft['id']}", headers=secretary)).status == 409

    # the PDF, in Vietnamese, signed by the secretary who published it
    resp = await client.get(f"/api/conclusions/{draft['id']}/pdf", headers=secretary)
    assert resp.status == 200 and resp.content_type == "application/pdf"
    data = await resp.read()
    report = await verification.verify(world.svc, data)
    assert report.all_valid and [x.signer for x in report.signatures] == ["Thuky"]
    ca_pem, path = tmp_path / "ca.pem", tmp_path / "thong-bao.pdf"
    ca_pem.write_text(pki.cert_pem(await pki.ca_certificate(world.svc)))
    path.write_bytes(data)
    checked = pyhanko_validate(path, ca_pem)  # the pyHanko CLI, the platform CA as only root
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [x for x in checked.stdout.splitlines() if PYHANKO_OK.match(x)], checked.stdout
    pages = PdfReader(io.BytesIO(data)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    for expected in (
        "Thông báo kết luận phiên họp thường kỳ",
        "Thông báo số 1",
        "1. Thống nhất thông qua Tờ trình số 1.",
        "Giao Bộ Y tế: Hoàn thiện dự thảo Nghị định",
        "phối hợp: Huyện Nam Đàn",
        # the administrative layout of Decree 30/2020: heading, number, place and date, recipients
        "VĂN PHÒNG CHÍNH PHỦ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 1/TB-VPCP",
        "Hà Nội, ngày 23 tháng 11 năm 2026",
        "Nơi nhận:",
        "- Bộ Y tế;",
        "- Lưu: VT.",
    ):
        assert expected in text, (expected, text)

    # mails: the notice to the participants, the assignment to the assignees' users
    mails = await outbox(world)
    notice_mails = sorted(m.to_address for m in mails if m.purpose == "conclusions_published")
    assert notice_mails == [
        "botruong@chinhphu.vn",
        "daibieu@chinhphu.vn",
        "vanhanh@chinhphu.vn",  # operator of the invited endpoint
    ]
    assigned = sorted(m.to_address for m in mails if m.purpose == "task_assigned")
    assert assigned == [  # the users of the three assignee organizations
        "botruong@chinhphu.vn",
        "chuyenvien@chinhphu.vn",
        "daibieu@chinhphu.vn",
        "taichinh@chinhphu.vn",
        "vanhanh@chinhphu.vn",
    ]
    # the co-operating organizations' users are told what they co-operate on and who leads it
    cooperating = sorted(
        (m.to_address, m.subject, m.text_body.split("\n")[2])
        for m in mails
        if m.purpose == "task_cooperating"
    )
    assert cooperating == [
        (
            "chuyenvien@chinhphu.vn",  # the province, on the ministry's task
            "Nhiệm vụ phối hợp / Task to co-operate on: Hoàn thiện dự thảo Nghị định",
            "Cơ quan chủ trì / Lead: Bộ Y tế",
        ),
        (
            "huyen@chinhphu.vn",  # the district, on the province's task
            "Nhiệm vụ phối hợp / Task to co-operate on: Báo cáo kết quả triển khai",
            "Cơ quan chủ trì / Lead: Tỉnh Nghệ An",
        ),
        (
            "vanhanh@chinhphu.vn",
            "Nhiệm vụ phối hợp / Task to co-operate on: Hoàn thiện dự thảo Nghị định",
            "Cơ quan chủ trì / Lead: Bộ Y tế",
        ),
    ]


async def test_a_correction_supersedes_and_the_old_notice_stays(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    secretary = bearer(await api_login(client, "thuky"))
    base = f"/api/meetings/{s.meeting_id}/conclusions"
    first = await (await client.post(base, json={}, headers=secretary)).json()
    await client.post(f"/api/conclusions/{first['id']}/publish", headers=secretary)
    resp = await client.post(base, json={"supersedes_id": first["id"]}, headers=secretary)
    assert resp.status == 201, await resp.text()
    correction = await resp.json()
    assert [c["text"] for c in correction["conclusions"]] == [
        c["text"] for c in first["conclusions"]
    ]
    fixed = [
        {
            "text": "Kết luận đã đính chính.",
            "tasks": [plan("Nhiệm vụ mới", orgs.province2, clock.now() + timedelta(days=10))],
        }
    ]
    await client.patch(
        f"/api/conclusions/{correction['id']}", json={"conclusions": fixed}, headers=secretary
    )
    resp = await client.post(f"/api/conclusions/{correction['id']}/publish", headers=secretary)
    second = await resp.json()
    assert second["number"] == 2 and second["supersedes_id"] == first["id"]
    old = await (await client.get(f"/api/conclusions/{first['id']}", headers=secretary)).json()
    assert old["superseded_by_id"] == second["id"]
    assert old["conclusions"][0]["text"] == first["conclusions"][0]["text"]
    resp = await client.post(base, json={"supersedes_id": first["id"]}, headers=secretary)
    assert (await resp.json())["error"]["code"] == "already_superseded"
    listed = await (await client.get(base, headers=secretary)).json()
    assert [n["number"] for n in listed] == [1, 2]


async def test_nothing_is_published_before_the_meeting_ends(
    client: TestClient, world: World
) -> None:
    s = await make_session(world, ["daibieu"], items=1)
    secretary = bearer(await api_login(client, "thuky"))
    resp = await client.post(
        f"/api/meetings/{s.meeting_id}/conclusions", json={}, headers=secretary
    )
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "meeting_not_ended"


async def test_a_task_deadline_in_the_past_blocks_publishing(
    world: World, clock: FrozenClock
) -> None:
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    from ecabinet.errors import ValidationFailed
    from ecabinet.schemas.tasks import NoticeIn

    svc, secretary = world.svc, actor(world, "thuky")
    draft = await conclusions.create_draft(
        svc,
        secretary,
        s.meeting_id,
        NoticeIn.model_validate(
            {
                "conclusions": [
                    {
                        "text": "x",
                        "tasks": [plan("t", orgs.ministry, clock.now() + timedelta(days=1))],
                    }
                ]
            },
            strict=False,
        ),
    )
    clock.advance(days=2)
    try:
        await conclusions.publish(svc, secretary, draft.id)
    except ValidationFailed as exc:
        assert exc.code == "deadline_in_past"
    else:
        raise AssertionError("published with a past deadline")
    still = await conclusions.get_notice(svc, secretary, draft.id)
    assert still.status == "draft" and still.number is None
    assert still.conclusions[0].tasks == []


async def test_without_a_signing_certificate_nothing_is_published(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    """An official notice is issued signed: a publisher with no certificate gets 409
    ``no_signing_certificate`` and the draft stays a draft — no number, no task, no PDF, no mail."""
    orgs = await grow(world)
    s = await ended_meeting(world, items=1)
    async with world.svc.db.transaction() as session:
        await session.execute(delete(SignerCredential))
    secretary = bearer(await api_login(client, "thuky"))
    deadline = (clock.now() + timedelta(days=30)).isoformat()
    body = {
        "conclusions": [
            {
                "text": "Giao Bộ Y tế.",
                "tasks": [{"title": "Báo cáo", "assignee_id": orgs.ministry, "deadline": deadline}],
            }
        ]
    }
    resp = await client.post(
        f"/api/meetings/{s.meeting_id}/conclusions", json=body, headers=secretary
    )
    assert resp.status == 201, await resp.text()
    draft = (await resp.json())["id"]

    resp = await client.post(f"/api/conclusions/{draft}/publish", headers=secretary)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "no_signing_certificate"
    async with world.svc.db.reading() as session:
        notice = await session.get(ConclusionNotice, draft)
        assert notice is not None and notice.status.value == "draft" and notice.number is None
        assert notice.pdf_sha256 in (None, "")
        assert await session.scalar(select(func.count()).select_from(Task)) == 0
    assert [m for m in await outbox(world) if m.purpose == "conclusions_published"] == []

    await pki.issue_certificate(world.svc, None, world["thuky"].id)  # with one, it goes out
    resp = await client.post(f"/api/conclusions/{draft}/publish", headers=secretary)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["number"] == 1
