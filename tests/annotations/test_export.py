"""The annotated copy: real PDF annotations that pypdf and qpdf read; never into signed PDFs."""

from __future__ import annotations

import io
import shutil
import subprocess

import pikepdf
import pytest
from pypdf import PdfReader

from ..documents.helpers import Setup, setup_meetings
from ..documents.pdfs import make_pdf
from .helpers import annotate, annotations_of, highlight, ink, note, patch


@pytest.fixture
async def s(client, world) -> Setup:
    return await setup_meetings(client, world)


def qpdf_check(data: bytes, tmp_path) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        pytest.skip("qpdf not installed (apt-get install qpdf; .ci/run does it)")
    path = tmp_path / "export.pdf"
    path.write_bytes(data)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


async def test_my_annotated_copy_carries_highlight_note_and_ink_as_pdf_annotations(s, tmp_path):
    doc = await s.document(s.meeting_a)
    made = await annotate(s, doc, "daibieu", highlight(body="Số liệu cũ"))
    await annotate(s, doc, "daibieu", note(body="Hỏi Bộ Tài chính"))
    await annotate(s, doc, "daibieu", ink())
    resp = await s.client.get(f"/api/documents/{doc}/annotated.pdf", headers=s.h("daibieu"))
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Cache-Control"] == "no-store"
    data = await resp.read()
    qpdf_check(data, tmp_path)
    found = sorted(annotations_of(data))
    assert [(p, t, c) for p, t, c, _ in found] == [
        (1, "/Highlight", "Số liệu cũ"),
        (1, "/Text", "Hỏi Bộ Tài chính"),
        (2, "/Ink", ""),
    ]
    assert {a for *_, a in found} == {made["author_name"]} != {""}
    reader = PdfReader(io.BytesIO(data))
    high = next(
        r.get_object()
        for r in reader.pages[0]["/Annots"]
        if r.get_object()["/Subtype"] == "/Highlight"
    )
    quads = [float(v) for v in high["/QuadPoints"]]
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    # [0.1, 0.1, 0.3, 0.02] → top-left corner at (0.1 w, 0.9 h) in PDF space.
    assert quads[0] == pytest.approx(0.1 * width, abs=0.01)
    assert quads[1] == pytest.approx(0.9 * height, abs=0.01)
    assert "/AP" in high
    ink_annot = reader.pages[1]["/Annots"][0].get_object()
    assert len(ink_annot["/InkList"]) == 2


async def test_others_shared_annotations_are_in_my_copy_only_when_asked(s):
    doc = await s.document(s.meeting_a)
    await annotate(s, doc, "botruong", note(body="Ý kiến chủ trì", visibility="meeting"))
    await annotate(s, doc, "botruong", note(body="Riêng của chủ trì"))
    await annotate(s, doc, "daibieu", note(body="Của tôi"))
    url = f"/api/documents/{doc}/annotated.pdf"
    mine = annotations_of(await (await s.client.get(url, headers=s.h("daibieu"))).read())
    assert [c for _, _, c, _ in mine] == ["Của tôi"]
    both = annotations_of(
        await (await s.client.get(url + "?shared=1", headers=s.h("daibieu"))).read()
    )
    assert sorted(c for _, _, c, _ in both) == ["Của tôi", "Ý kiến chủ trì"]


async def test_a_confidential_copy_is_watermarked_and_annotated(s, tmp_path):
    doc = await s.document(s.meeting_a, classification="confidential")
    await annotate(s, doc, "daibieu", note(body="Ghi chú mật"))
    resp = await s.client.get(f"/api/documents/{doc}/annotated.pdf", headers=s.h("daibieu"))
    data = await resp.read()
    qpdf_check(data, tmp_path)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "CONFIDENTIAL" in text
    assert [c for _, _, c, _ in annotations_of(data)] == ["Ghi chú mật"]


async def test_a_signed_pdf_never_receives_annotations(s):
    with pikepdf.open(io.BytesIO(make_pdf())) as pdf:
        sig = pdf.make_indirect(
            pikepdf.Dictionary(
                FT=pikepdf.Name.Sig,
                T=pikepdf.String("Signature1"),
                V=pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Sig)),
            )
        )
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([sig]), SigFlags=3)
        buf = io.BytesIO()
        pdf.save(buf)
    resp = await s.upload(s.meeting_a, buf.getvalue(), title="Biên bản đã ký")
    assert resp.status == 201, await resp.text()
    doc = (await resp.json())["id"]
    await annotate(s, doc, "daibieu", note())
    resp = await s.client.get(f"/api/documents/{doc}/annotated.pdf", headers=s.h("daibieu"))
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "document_signed"


async def test_the_secretary_exports_every_shared_annotation_of_the_meeting(s, tmp_path):
    first = await s.document(s.meeting_a, title="Tờ trình 1")
    second = await s.document(s.meeting_a, title="Tờ trình 2")
    await s.document(s.meeting_a, title="Không ghi chú")
    await annotate(s, first, "daibieu", note(body="Chia sẻ 1", visibility="meeting"))
    made = await annotate(s, second, "botruong", highlight(body="Chia sẻ 2"))
    await patch(s, made["id"], "botruong", {"visibility": "meeting"})
    await annotate(s, second, "daibieu", note(body="Riêng tư"))
    url = f"/api/meetings/{s.meeting_a}/annotations.pdf"
    resp = await s.client.get(url, headers=s.h("thuky"))
    assert resp.status == 200, await resp.text()
    data = await resp.read()
    qpdf_check(data, tmp_path)
    found = annotations_of(data)
    assert sorted((p, t, c) for p, t, c, _ in found) == [
        (1, "/Text", "Chia sẻ 1"),
        (3, "/Highlight", "Chia sẻ 2"),
    ]
    reader = PdfReader(io.BytesIO(data))
    assert [o.title for o in reader.outline] == ["Tờ trình 1", "Tờ trình 2"]
    # Not a secretary: 403; another organization's secretary: 404.
    assert (await s.client.get(url, headers=s.h("daibieu"))).status == 403
    assert (await s.client.get(url, headers=s.h("thuky2"))).status == 404


async def test_a_meeting_without_shared_annotations_has_nothing_to_export(s):
    doc = await s.document(s.meeting_a)
    await annotate(s, doc, "daibieu", note())
    resp = await s.client.get(f"/api/meetings/{s.meeting_a}/annotations.pdf", headers=s.h("thuky"))
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "nothing_shared"
