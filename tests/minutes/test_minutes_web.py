"""The minutes over HTTP: the JSON API end to end (stable error codes, no IDOR), and the pages
(secretary's, reviewer's, signer's, the diff) rendered in Vietnamese and in English."""

from __future__ import annotations

import io
import re

from aiohttp.test_utils import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import update

from ecabinet.clock import FrozenClock
from ecabinet.models import Language, Role, User
from ecabinet.services import verification

from ..conftest import PASSWORD, World, api_login, bearer
from ..test_csrf_and_cookies import browser_login
from .session_record import give_certificates, held_session

CONFIRM = {"password": PASSWORD}

SIGNERS = ["thuky", "daibieu", "botruong"]


async def _error(resp) -> str:  # type: ignore[no-untyped-def]
    body = await resp.json()
    return str(body["error"]["code"])


async def test_the_api_runs_the_whole_workflow_and_refuses_with_stable_codes(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    await give_certificates(world, SIGNERS)
    h = {n: bearer(await api_login(client, n)) for n in [*SIGNERS, "tv000"]}
    stranger = await world.add_user("nguoingoai", Role.SECRETARY, world.province)
    h["nguoingoai"] = bearer(await api_login(client, stranger.username))

    resp = await client.post(f"/api/meetings/{held.meeting_id}/minutes", headers=h["daibieu"])
    assert resp.status == 403 and await _error(resp) == "permission_denied"
    resp = await client.post(f"/api/meetings/{held.meeting_id}/minutes", headers=h["thuky"])
    assert resp.status == 201, await resp.text()
    mid = (await resp.json())["id"]
    base = f"/api/minutes/{mid}"
    listed = await (
        await client.get(f"/api/meetings/{held.meeting_id}/minutes", headers=h["thuky"])
    ).json()
    assert listed["status"] == "draft" and [v["number"] for v in listed["versions"]] == [1]

    v1 = await (await client.get(f"{base}/versions/1", headers=h["thuky"])).json()
    resp = await client.post(
        f"{base}/versions",
        json={"content": v1["content"] + "\nBổ sung.", "base_version": 1},
        headers=h["thuky"],
    )
    assert resp.status == 201
    diff = await (await client.get(f"{base}/diff?from=1&to=2", headers=h["thuky"])).json()
    assert diff["added"] == 1 and diff["removed"] == 0 and "+Bổ sung." in diff["unified"]
    resp = await client.get(f"{base}/diff?from=x&to=2", headers=h["thuky"])
    assert resp.status == 422 and await _error(resp) == "bad_version"

    ids = {n: world[n].id for n in SIGNERS}
    resp = await client.post(
        f"{base}/review", json={"reviewer_ids": [ids["daibieu"]]}, headers=h["thuky"]
    )
    assert (await resp.json())["status"] == "in_review"
    resp = await client.post(
        f"{base}/comments",
        json={"body": "Đồng ý.", "section": "Thành phần tham dự"},
        headers=h["daibieu"],
    )
    assert resp.status == 201
    comments = await (await client.get(f"{base}/comments?version=2", headers=h["thuky"])).json()
    assert [c["body"] for c in comments] == ["Đồng ý."]

    resp = await client.post(
        f"{base}/approve",
        json={"version": 2, "signer_ids": [ids["botruong"], ids["thuky"]]},
        headers=h["thuky"],
    )
    assert resp.status == 422 and await _error(resp) == "chair_not_last"
    resp = await client.post(
        f"{base}/approve",
        json={"version": 2, "signer_ids": [ids[n] for n in SIGNERS]},
        headers=h["thuky"],
    )
    assert resp.status == 200 and (await resp.json())["status"] == "approved_for_signature"
    document = (await resp.json())["rounds"][0]["signing_document_id"]
    resp = await client.post(
        f"/api/signing/documents/{document}/sign", json=CONFIRM, headers=h["thuky"]
    )
    assert resp.status == 409 and await _error(resp) == "signed_through_workflow"

    resp = await client.post(f"{base}/sign", headers=h["botruong"])  # no password: no signature
    assert resp.status in (400, 415)
    resp = await client.post(f"{base}/sign", json=CONFIRM, headers=h["botruong"])
    assert resp.status == 403 and await _error(resp) == "not_your_turn"
    resp = await client.post(f"{base}/sign", json=CONFIRM, headers=h["tv000"])
    assert resp.status == 403 and await _error(resp) == "not_a_signer"
    for who in ("nguoingoai",):  # another organization's secretary: the meeting does not exist
        for method, path in (
            ("GET", base),
            ("GET", f"{base}/pdf"),
            ("GET", f"{base}/versions/1"),
            ("POST", f"{base}/sign"),
            ("GET", f"/api/meetings/{held.meeting_id}/minutes"),
        ):
            body = CONFIRM if method == "POST" else None
            resp = await client.request(method, path, json=body, headers=h[who])
            assert resp.status == 404, (method, path, resp.status)
    for name in SIGNERS:
        resp = await client.post(f"{base}/sign", json=CONFIRM, headers=h[name])
        assert resp.status == 200, await resp.text()
    state = await resp.json()
    assert state["status"] == "final" and state["rounds"][0]["status"] == "complete"
    resp = await client.post(f"{base}/sign", json=CONFIRM, headers=h["botruong"])
    assert resp.status == 409 and await _error(resp) == "minutes_final"
    resp = await client.post(f"{base}/versions", json={"content": "x"}, headers=h["thuky"])
    assert resp.status == 409 and await _error(resp) == "minutes_final"

    resp = await client.get(f"{base}/pdf", headers=h["tv000"])  # final: every participant reads
    assert resp.status == 200 and resp.content_type == "application/pdf"
    data = await resp.read()
    report = await verification.verify(world.svc, data)
    assert report.all_valid and len(report.signatures) == 3
    fields = PdfFileReader(io.BytesIO(data)).root["/AcroForm"]["/Fields"]
    assert len(fields) == 3


async def _set_language(world: World, name: str, language: Language) -> None:
    async with world.svc.db.transaction() as session:
        await session.execute(
            update(User).where(User.id == world[name].id).values(language=language)
        )


async def test_the_pages_render_in_vietnamese_and_english(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    held = await held_session(world, clock)
    await give_certificates(world, ["thuky", "botruong"])
    await _set_language(world, "thuky", Language.VI)  # the secretary, in Vietnamese
    token = await browser_login(client, "thuky")
    start = await client.get(f"/meetings/{held.meeting_id}/minutes")
    assert start.status == 200 and "Lập biên bản" in await start.text()
    resp = await client.post(
        f"/meetings/{held.meeting_id}/minutes", data={"csrf_token": token}, allow_redirects=False
    )
    assert resp.status == 303
    page_url = resp.headers["Location"].split("?")[0]
    mid = int(page_url.rsplit("/", 1)[1])
    page = await (await client.get(page_url)).text()
    assert "Biên bản" in page and "Các phiên bản" in page and "Gửi xin ý kiến" in page
    assert "Kết luận của chủ trì" in page  # the draft's text is shown
    assert "<script>" not in page and "style=" not in page

    v1 = await (await client.get(f"/api/minutes/{mid}/versions/1")).json()
    resp = await client.post(
        f"/minutes/{mid}/versions",
        data={
            "csrf_token": token,
            "content": v1["content"] + "\nĐính chính <b>.",
            "base_version": "1",
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    stale = await client.post(
        f"/minutes/{mid}/versions",
        data={"csrf_token": token, "content": "x", "base_version": "1"},
    )
    assert stale.status == 409 and "Đã có phiên bản mới hơn" in await stale.text()
    diff = await client.get(f"/minutes/{mid}/diff?from=1&to=2")
    diff_page = await diff.text()
    assert diff.status == 200 and "Thay đổi" in diff_page
    assert "&lt;b&gt;" in diff_page and "<b>." not in diff_page  # the text is escaped

    resp = await client.post(
        f"/minutes/{mid}/review",
        data={"csrf_token": token, "reviewer": str(world["botruong"].id)},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await client.get(f"/minutes/{mid}")).text()
    assert "Duyệt để ký" in page and 'data-status="in_review"' in page
    wrong = await client.post(
        f"/minutes/{mid}/approve",
        data={"csrf_token": token, "version": "2", "signer_0": str(world["botruong"].id),
              "signer_1": str(world["thuky"].id)},
    )  # fmt: skip
    assert wrong.status == 422 and "Người chủ trì phải ký cuối cùng." in await wrong.text()
    resp = await client.post(
        f"/minutes/{mid}/approve",
        data={"csrf_token": token, "version": "2", "signer_0": str(world["thuky"].id),
              "signer_1": str(world["botruong"].id)},
        allow_redirects=False,
    )  # fmt: skip
    assert resp.status == 303, await resp.text()
    sign_page = await (await client.get(f"/minutes/{mid}/sign")).text()
    assert "Ký ngay" in sign_page and 'data-position="1"' in sign_page
    token = re.search(r'name="csrf-token" content="([^"]+)"', sign_page).group(1)  # type: ignore[union-attr]
    resp = await client.post(f"/minutes/{mid}/sign", data={"csrf_token": token})
    assert resp.status == 422 and "Hãy nhập mật khẩu để xác nhận việc ký." in await resp.text()
    resp = await client.post(f"/minutes/{mid}/sign", data={"csrf_token": token, "password": "sai"})
    assert resp.status == 403 and "Mật khẩu không đúng; văn bản chưa được ký." in await resp.text()
    resp = await client.post(
        f"/minutes/{mid}/sign",
        data={"csrf_token": token, "password": PASSWORD},
        allow_redirects=False,
    )
    assert resp.status == 303

    # the chair, in English (the world's default): the reviewer's and signer's views
    client.session.cookie_jar.clear()
    await browser_login(client, "botruong")
    page = await (await client.get(f"/minutes/{mid}")).text()
    assert "Versions" in page and "Signatures" in page and "Sign now" in page
    assert 'data-round-status="open"' in page
    sign_page = await (await client.get(f"/minutes/{mid}/sign")).text()
    assert "Your place in the signing order" in sign_page and 'data-position="2"' in sign_page
    meeting_page = await (await client.get(f"/meetings/{held.meeting_id}")).text()
    assert f"/meetings/{held.meeting_id}/minutes" in meeting_page
