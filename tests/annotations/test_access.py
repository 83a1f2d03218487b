"""Every annotation route × every kind of caller: a private annotation never reaches anyone but
its author (admins included), and nobody touches annotations on a document they may not see."""

from __future__ import annotations

import re

import pytest

from ..documents.helpers import Setup, participants, setup_meetings
from .helpers import annotate, annotations_of, highlight, listed, note

SECRET_TEXT = "GHI-CHU-RIENG-TU"
OUTSIDERS = ("khach", "thuky2", "admin", "thutruong")
INSIDERS = ("botruong", "thuky")


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


async def call(s: Setup, method: str, url: str, user: str | None) -> tuple[int, bytes]:
    body = {
        "PATCH": {"body": "x"},
        "POST": note(),
        "PUT": {"version": 1, "page": 1},
    }.get(method)
    headers = s.h(user) if user else {}
    resp = await s.client.request(method, url, json=body, headers=headers)
    return resp.status, await resp.read()


def annotation_routes(annotation_id: int) -> list[tuple[str, str]]:
    return [
        ("PATCH", f"/api/annotations/{annotation_id}"),
        ("DELETE", f"/api/annotations/{annotation_id}"),
    ]


def document_routes(document_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/api/documents/{document_id}/annotations"),
        ("POST", f"/api/documents/{document_id}/annotations"),
        ("GET", f"/api/documents/{document_id}/annotated.pdf"),
        ("GET", f"/api/documents/{document_id}/annotated.pdf?shared=1"),
        ("GET", f"/api/documents/{document_id}/reading"),
        ("PUT", f"/api/documents/{document_id}/reading"),
    ]


async def test_a_private_annotation_answers_404_to_everyone_else_like_a_missing_id(s):
    doc = await s.document(s.meeting_a)
    private = await annotate(s, doc, "daibieu", note(body=SECRET_TEXT))
    missing = private["id"] + 1000
    for user in (*INSIDERS, *OUTSIDERS):
        for method, url in annotation_routes(private["id"]):
            status, body = await call(s, method, url, user)
            _, nonexistent = await call(
                s, method, url.replace(str(private["id"]), str(missing)), user
            )
            assert status == 404, (user, method, url)
            assert body == nonexistent, (user, method, url)
    # Still there, unchanged, for its author.
    assert [a["body"] for a in await listed(s, doc, "daibieu")] == [SECRET_TEXT]


async def test_no_route_returns_someone_elses_private_annotation(s):
    doc = await s.document(s.meeting_a)
    await annotate(s, doc, "daibieu", note(body=SECRET_TEXT))
    await annotate(s, doc, "daibieu", highlight(quote="Tài liệu", body=SECRET_TEXT))
    urls = [url for method, url in document_routes(doc) if method == "GET"] + [
        f"/api/meetings/{s.meeting_a}/opinions",
        f"/api/meetings/{s.meeting_a}/annotations.pdf",
        f"/api/documents/{doc}",
        f"/api/meetings/{s.meeting_a}",
    ]
    for user in (*INSIDERS, *OUTSIDERS):
        for url in urls:
            _, body = await call(s, "GET", url, user)
            assert SECRET_TEXT.encode() not in body, (user, url)
            if body.startswith(b"%PDF"):
                assert all(SECRET_TEXT not in c for *_, c, _ in annotations_of(body)), url


async def test_outsiders_get_the_documents_404_on_every_document_route(s):
    doc = await s.document(s.meeting_a)
    missing = doc + 1000
    for user in OUTSIDERS:
        for method, url in document_routes(doc):
            status, body = await call(s, method, url, user)
            _, nonexistent = await call(s, method, url.replace(f"/{doc}/", f"/{missing}/"), user)
            assert status == 404, (user, method, url)
            assert body == nonexistent, (user, method, url)


async def test_anonymous_callers_are_refused_everywhere(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", note())
    for method, url in [*document_routes(doc), *annotation_routes(made["id"])]:
        status, _ = await call(s, method, url, None)
        assert status == 401, (method, url)


async def test_a_withdrawn_document_takes_its_annotations_away_even_from_the_author(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", note(visibility="meeting"))
    resp = await s.client.post(f"/api/documents/{doc}/withdraw", headers=s.h("thuky"))
    assert resp.status == 204
    for user in ("daibieu", "botruong"):
        assert (await call(s, "GET", f"/api/documents/{doc}/annotations", user))[0] == 404
    assert (await call(s, "PATCH", f"/api/annotations/{made['id']}", "daibieu"))[0] == 404
    # The secretaries still see the document, and the shared note on it.
    assert [a["id"] for a in await listed(s, doc, "thuky")] == [made["id"]]


async def test_a_restricted_document_hides_its_shared_annotations_from_those_not_named(s):
    people = await participants(s, s.meeting_a)
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "botruong", note(visibility="meeting"))
    resp = await s.client.patch(
        f"/api/documents/{doc}",
        json={"restricted_to": [people["botruong"]["id"]]},
        headers=s.h("thuky"),
    )
    assert resp.status == 200
    assert (await call(s, "GET", f"/api/documents/{doc}/annotations", "daibieu"))[0] == 404
    assert (await call(s, "PATCH", f"/api/annotations/{made['id']}", "daibieu"))[0] == 404


async def test_sharing_with_chosen_participants_is_not_sharing_with_the_secretary_or_admin(s):
    people = await participants(s, s.meeting_a)
    doc = await s.document(s.meeting_a)
    made = await annotate(
        s, doc, "daibieu", note(visibility="participants", share_with=[people["botruong"]["id"]])
    )
    for user in ("thuky", "admin"):
        assert (await call(s, "PATCH", f"/api/annotations/{made['id']}", user))[0] == 404
    assert await listed(s, doc, "thuky") == []


async def test_the_reader_page_is_only_for_those_who_may_read_the_document(s):
    doc = await s.document(s.meeting_a)
    await annotate(s, doc, "daibieu", note(body=SECRET_TEXT))
    for user in ("daibieu", *INSIDERS):
        resp = await s.client.get(f"/documents/{doc}/read", headers=s.h(user))
        assert resp.status == 200, user
        assert SECRET_TEXT not in await resp.text()
    for user in OUTSIDERS:
        resp = await s.client.get(f"/documents/{doc}/read", headers=s.h(user))
        assert resp.status == 404, user


async def test_the_admins_audit_log_holds_no_annotation_text(s):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", highlight(quote="Tài liệu", body=SECRET_TEXT))
    await s.client.patch(
        f"/api/annotations/{made['id']}", json={"visibility": "meeting"}, headers=s.h("daibieu")
    )
    for url in ("/api/admin/audit", "/admin/audit"):
        resp = await s.client.get(url, headers=s.h("admin"))
        assert resp.status == 200, url
        body = await resp.text()
        assert "annotation.create" in body and "annotation.update" in body
        assert SECRET_TEXT not in body and "Tài liệu" not in body


async def test_the_reader_page_runs_under_the_strict_csp_without_inline_scripts(s):
    doc = await s.document(s.meeting_a)
    resp = await s.client.get(f"/documents/{doc}/read", headers=s.h("daibieu"))
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    html = await resp.text()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts, "the reader has scripts"
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert "/static/vendor/pdfjs/build/pdf.worker.min.mjs" in html
    assert "cdn" not in html.lower()
