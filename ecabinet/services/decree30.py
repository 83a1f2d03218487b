"""The administrative layout of Decree 30/2020/NĐ-CP (công tác văn thư) for the platform's PDFs:
the heading in two columns — the issuing body and the document's number (số và ký hiệu) on the
left, the national title (Quốc hiệu) and motto (tiêu ngữ) on the right, then place and date —
and, after the text, the recipients (nơi nhận)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
FILING = "Lưu: VT"  # the issuing body's archive (văn thư) keeps a copy
PLACE = "Hà Nội"  # địa danh of the seat of Government


def place_date(place: str, day: datetime) -> str:
    """ "Hà Nội, ngày 07 tháng 12 năm 2026" (the day in the reader's zone)."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


@dataclass(frozen=True)
class Heading:
    issuer: str  # tên cơ quan ban hành
    number: str  # số và ký hiệu, e.g. "Số: 12/TB-VPCP"
    place: str  # địa danh, e.g. "Hà Nội"
    issued_on: datetime  # in the reader's zone
    recipients: list[str] = field(default_factory=list)  # nơi nhận

    @property
    def place_date(self) -> str:
        return place_date(self.place, self.issued_on)


def symbol(issuer_slug: str) -> str:
    """The issuing body's abbreviation in a document's number (``vpcp`` → ``VPCP``)."""
    return "".join(c for c in issuer_slug.upper() if c.isalnum()) or "VB"


def draw_heading(pdf: Any, heading: Heading, *, margin: float, width: float) -> None:
    """Two columns at the top of the first page (FPDF, DejaVu fonts registered)."""
    left, right = width * 0.42, width * 0.58
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.set_xy(margin, top)
    pdf.multi_cell(left, 14, heading.issuer.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10.5)
    pdf.set_x(margin)
    pdf.multi_cell(left, 14, heading.number, align="C", new_x="LMARGIN", new_y="NEXT")
    bottom_left = pdf.get_y()
    pdf.set_xy(margin + left, top)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.multi_cell(right, 14, QUOC_HIEU, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_x(margin + left)
    pdf.set_font("DejaVu", "B", 11.5)
    motto = pdf.get_string_width(TIEU_NGU)
    pdf.multi_cell(right, 15, TIEU_NGU, align="C", new_x="LEFT", new_y="NEXT")
    line_y = pdf.get_y()
    centre = margin + left + right / 2
    pdf.line(centre - motto / 2, line_y, centre + motto / 2, line_y)  # the motto is underlined
    pdf.set_xy(margin + left, line_y + 6)
    pdf.set_font("DejaVu", "", 10.5)
    pdf.multi_cell(right, 14, heading.place_date, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom_left, pdf.get_y()) + 14)


def draw_recipients(pdf: Any, heading: Heading, *, margin: float) -> None:
    """ "Nơi nhận:" and one line per recipient, then the archive, bottom left after the text."""
    pdf.ln(10)
    pdf.set_x(margin)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 13, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9.5)
    for name in [*heading.recipients, FILING]:
        pdf.set_x(margin)
        pdf.multi_cell(
            0, 12, f"- {name};" if name != FILING else f"- {name}.", new_x="LMARGIN", new_y="NEXT"
        )
