"""Issue 20 item 7: what the verifier says about a broken signature. A flipped byte is "the
signed content was altered", the certificate keeps its own verdict (a platform certificate is
still trusted), and later changes are not judged against altered content. Beside it: a later
illegal update (intact, trusted, "other changes") and an untrusted chain (intact, not trusted)."""

from __future__ import annotations

import asyncio
import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from ecabinet.services import pki, signing, verification
from ecabinet.web.views.signing_api import report_out

from .conftest import flip_signed_byte
from .test_signing_service import actor_for


async def _signed_twice(svc, world) -> bytes:
    names = ("botruong", "thuky")
    for name in names:
        await pki.issue_certificate(svc, None, world[name].id)
    doc = await signing.prepare(
        svc,
        None,
        signing.DocumentRequest(
            "meeting", "9", "Biên bản", ["Nội dung."], [world[n].id for n in names]
        ),
    )
    for name in names:
        await signing.sign_next(svc, actor_for(world, name), doc.id)
    return (await signing.get_document(svc, actor_for(world, "admin"), doc.id)).pdf


def _with_a_note(pdf: bytes) -> bytes:
    """One incremental update after signing: a sticky note on page 1 (not allowed)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (50, 50, 70, 70)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject("Sửa sau khi ký"),
        }
    )
    page[generic.NameObject("/Annots")] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_a_flipped_byte_says_the_content_was_altered_and_keeps_the_certificate_verdict(
    svc, world
):
    pdf = await _signed_twice(svc, world)
    roots = await verification.trust_roots(svc)
    report = await asyncio.to_thread(verification.verify_pdf, flip_signed_byte(pdf), roots)
    assert len(report.signatures) == 2 and not report.all_valid
    for sig in report.signatures:
        assert not sig.intact and not sig.valid
        assert sig.trusted  # the certificate is the platform's: that verdict stands apart
        assert sig.modification == "not_assessed"  # never "None" beside altered content
    out = report_out(report).signatures[0].labels
    assert out["integrity"] == "Không toàn vẹn: nội dung đã ký đã bị thay đổi"
    assert out["trust"] == "Tin cậy"
    assert out["changes"] == "Không đánh giá: nội dung đã ký đã bị thay đổi"
    assert verification.label("broken", "en") == "Broken: the signed content was altered"
    assert verification.label("not_assessed", "en").startswith("Not assessed")


async def test_a_later_illegal_update_is_intact_trusted_and_other_changes(svc, world):
    pdf = await _signed_twice(svc, world)
    roots = await verification.trust_roots(svc)
    report = await asyncio.to_thread(verification.verify_pdf, _with_a_note(pdf), roots)
    assert len(report.signatures) == 2 and not report.all_valid
    for sig in report.signatures:
        assert sig.intact and sig.trusted and not sig.valid
        assert sig.modification == "other"
    assert verification.label("other") == "Có thay đổi khác (không được phép)"


async def test_an_untrusted_chain_is_intact_but_not_trusted(svc, world):
    pdf = await _signed_twice(svc, world)
    report = await asyncio.to_thread(verification.verify_pdf, pdf, [])
    assert [(s.intact, s.trusted, s.valid) for s in report.signatures] == [(True, False, False)] * 2
    # the last signature is followed by its validation data (DSS): "only validation data added"
    assert [s.modification for s in report.signatures] == ["form_filling", "lta_updates"]
    broken = await asyncio.to_thread(verification.verify_pdf, flip_signed_byte(pdf), [])
    assert [(s.intact, s.trusted) for s in broken.signatures] == [(False, False)] * 2
