"""Benchmark: one set of minutes signed by N signers in turn (PAdES B-B, visible stamps sharing
one font subset).

    python bench/signing.py [--signers 30] [--rounds 3] [--record]

Measures the time to add the 1st and the Nth signature (median over rounds), the PDF size before
and after, the growth per signature, and the time our verifier takes for all N. Prints one
summary line; ``--record`` appends it, with the machine and date, to bench/RESULTS.md.
It drives the functions the signing service calls (render, sign), without the database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric import ec

from ecabinet.services import pades, pdf_render, pki, verification

RESULTS = Path(__file__).with_name("RESULTS.md")


def one_round(signers: int, font: Path) -> tuple[list[float], list[int], float]:
    now = datetime.now(UTC)
    ca, ca_key = pki.make_ca(pki.subject_name("Bench CA"), now)
    names = [f"Nguyễn Văn Ánh {n:02d}" for n in range(1, signers + 1)]
    slots = [
        pdf_render.SignatureSlot(pdf_render.field_name(n), name, "Bộ trưởng")
        for n, name in enumerate(names, start=1)
    ]
    pdf = pdf_render.render(
        "Biên bản phiên họp Chính phủ thường kỳ tháng 11",
        ["Thủ tướng chủ trì; các Phó Thủ tướng, Bộ trưởng dự họp."] * 20,
        slots,
        font,  # one stamp font subset for all signatures, as signing.render does
    )
    sizes, times = [len(pdf)], []
    for n, name in enumerate(names, start=1):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = pki.make_signer_certificate(
            ca, ca_key, key.public_key(), pki.subject_name(name, "Bộ trưởng"), now
        )
        material = pki.SignerMaterial(key, cert, (ca,))
        start = time.perf_counter()
        pdf = pades.sign(
            pdf,
            pdf_render.field_name(n),
            material,
            pades.StampText(name, "Bộ trưởng", now.strftime("%d/%m/%Y %H:%M:%S")),
            font,
            signed_at=now,
        )
        times.append(time.perf_counter() - start)
        sizes.append(len(pdf))
    start = time.perf_counter()
    report = verification.verify_pdf(pdf, [ca])
    verify_time = time.perf_counter() - start
    assert report.all_valid and len(report.signatures) == signers
    return times, sizes, verify_time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        font = pdf_render.stamp_font(Path(tmp))
        rounds = [one_round(args.signers, font) for _ in range(args.rounds)]
    first = statistics.median(r[0][0] for r in rounds) * 1000
    last = statistics.median(r[0][-1] for r in rounds) * 1000
    middle = statistics.median(t for r in rounds for t in r[0]) * 1000
    sizes = rounds[0][1]
    growth = (sizes[-1] - sizes[0]) / args.signers / 1024
    verify = statistics.median(r[2] for r in rounds)
    line = (
        f"signing: {args.signers} signers x {args.rounds} rounds: 1st signature {first:.0f} ms, "
        f"{args.signers}th {last:.0f} ms (median of all {middle:.0f} ms); PDF "
        f"{sizes[0] / 1024:.0f} KB -> {sizes[1] / 1024:.0f} KB after 1 -> "
        f"{sizes[-1] / 1024:.0f} KB after {args.signers} (+{growth:.1f} KB per signature); "
        f"verifying all {args.signers}: {verify:.1f} s"
    )
    print(line)
    if args.record:
        machine = (
            f"{platform.node()}, {platform.system()} {platform.release()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
        )
        header = "" if RESULTS.exists() else "# Benchmark results\n\n"
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(
                f"{header}## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, bench/signing.py\n\n"
                f"Machine: {machine}\n\n    {line}\n\n"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
