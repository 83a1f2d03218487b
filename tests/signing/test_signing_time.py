"""Issue 20 item 6: one instant per signature. The stamp's "Thời gian", the signature
dictionary's /M and the CMS signingTime are the same second, for every signature of a document
(they used to differ by 1-2 s: the stamp was formatted before pyHanko read its own clock)."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from ecabinet.services import signing

from .test_signing_service import current_pdf, prepare, signers  # noqa: F401 (fixture)

STAMP_TIME = re.compile(r"Thời gian: (\d\d/\d\d/\d{4} \d\d:\d\d:\d\d) \(UTC\+0700\)")


def _pdf_date(raw: str) -> datetime:
    """``D:20261123090000+07'00'`` → an aware datetime."""
    found = re.fullmatch(r"D:(\d{14})([+-])(\d\d)'(\d\d)'?", raw)
    assert found, raw
    offset = f"{found.group(2)}{found.group(3)}{found.group(4)}"
    return datetime.strptime(found.group(1) + offset, "%Y%m%d%H%M%S%z")


async def test_the_stamp_time_m_and_the_cms_signing_time_are_one_instant(
    svc,
    world,
    signers,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils (.ci/run does)")
    doc_id = await prepare(svc, world, signers)
    for actor in signers:
        svc.clock.advance(seconds=61.7)  # fractions of a second too: the stamp shows whole ones
        await signing.sign_next(svc, actor, doc_id)
    pdf = await current_pdf(svc, world, doc_id)

    reader = PdfFileReader(io.BytesIO(pdf))
    m_times, cms_times = [], []
    for sig in reader.embedded_signatures:
        m_times.append(_pdf_date(str(sig.sig_object["/M"])))
        cms_times.append(sig.self_reported_timestamp)
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    done = await asyncio.to_thread(
        subprocess.run, ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    )
    text = done.stdout
    stamps = [
        datetime.strptime(t + " +0700", "%d/%m/%Y %H:%M:%S %z") for t in STAMP_TIME.findall(text)
    ]
    assert len(m_times) == len(cms_times) == len(stamps) == len(signers) == 3
    assert len(set(m_times)) == 3  # three different moments…
    assert m_times == cms_times  # …each one instant in /M and in the CMS
    assert sorted(stamps) == sorted(m_times)  # and on the stamp
    assert m_times[0].utcoffset().total_seconds() == 7 * 3600  # /M in the platform's zone
    async with svc.db.reading() as session:
        from sqlalchemy import select

        from ecabinet.models import DocumentSignature

        recorded = list(
            await session.scalars(
                select(DocumentSignature.signed_at)
                .where(DocumentSignature.document_id == doc_id)
                .order_by(DocumentSignature.position)
            )
        )
    assert [r.replace(microsecond=0) for r in recorded] == m_times
