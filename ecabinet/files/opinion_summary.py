"""The secretary's summary of opinions (tổng hợp ý kiến): a PDF per meeting, by agenda item.

Drawn with reportlab in DejaVu Sans (Vietnamese); replies are indented under what they answer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from . import fonts


@dataclass(frozen=True, slots=True)
class SummaryOpinion:
    author: str
    organization: str
    written_at: str
    body: str
    replies: list[SummaryOpinion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SummarySection:
    heading: str
    opinions: list[SummaryOpinion]


def _escape(value: str) -> str:
    text = fonts.text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def render_summary(title: str, subtitle: str, sections: list[SummarySection]) -> bytes:
    fonts.register_fonts()
    heading = ParagraphStyle("h", fontName=fonts.BOLD, fontSize=18, leading=24, spaceAfter=4)
    sub = ParagraphStyle("s", fontName=fonts.REGULAR, fontSize=10, leading=14, spaceAfter=12)
    item = ParagraphStyle("i", fontName=fonts.BOLD, fontSize=13, leading=18, spaceBefore=10)
    who = ParagraphStyle("w", fontName=fonts.BOLD, fontSize=10, leading=14, spaceBefore=6)
    body = ParagraphStyle("b", fontName=fonts.REGULAR, fontSize=11, leading=15)
    none = ParagraphStyle("n", parent=body, textColor=colors.grey)
    flow: list[object] = [
        Paragraph(_escape(title), heading),
        Paragraph(_escape(subtitle), sub),
    ]

    def add(opinion: SummaryOpinion, depth: int) -> None:
        indent = depth * 10 * mm
        line = f"{opinion.author} — {opinion.organization} · {opinion.written_at}"
        flow.append(Paragraph(_escape(line), ParagraphStyle("w2", parent=who, leftIndent=indent)))
        flow.append(
            Paragraph(_escape(opinion.body), ParagraphStyle("b2", parent=body, leftIndent=indent))
        )
        for reply in opinion.replies:
            add(reply, depth + 1)

    for section in sections:
        flow.append(Paragraph(_escape(section.heading), item))
        if not section.opinions:
            flow.append(Paragraph(_escape("Không có ý kiến / No opinions."), none))
        for opinion in section.opinions:
            add(opinion, 0)
        flow.append(Spacer(1, 4 * mm))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=fonts.text(title)
    )
    doc.build(flow)  # type: ignore[arg-type]
    return buf.getvalue()
