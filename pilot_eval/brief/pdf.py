"""Render ``BriefContent`` as an A4 PDF with reportlab Platypus.

Every font is the embedded DejaVu Sans (no base-14 Helvetica anywhere, footers included), charts
are vector drawings, user text is escaped, the document properties (title, author, subject,
keywords, language) are set, and the same content gives a byte-identical file (reportlab's
invariant mode; the only date is the content's own).  The file is written to a temp file beside
the target and moved into place, so a failure never leaves a half-written brief.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pilot_eval import __version__
from pilot_eval.brief import fonts
from pilot_eval.brief.atomic import write_atomically
from pilot_eval.brief.content import BriefContent, ChartContent, DataTable
from pilot_eval.brief.drawing import vector_to_drawing
from pilot_eval.brief.figures import chart_vector

MARGIN = 20 * mm
TEXT = colors.HexColor("#0B0C0C")
SECONDARY = colors.HexColor("#3D3D3D")  # 11.3:1 on white
ACCENT = colors.HexColor("#12436D")
PANEL = colors.HexColor("#F3F2F1")  # GOV.UK light grey: text on it still 17:1
RULE = colors.HexColor("#B1B4B6")
FOOTER_SIZE = 8
DIRECTION_WORDS = {"better": "Better", "worse": "Worse", "no clear change": "No clear change",
                   "higher": "Higher", "lower": "Lower", "not assessed": "Not assessed"}


def _styles() -> dict[str, ParagraphStyle]:
    regular = fonts.register_fonts()
    base = ParagraphStyle("body", fontName=regular, bulletFontName=regular, fontSize=10,
                          leading=14, textColor=TEXT, alignment=TA_LEFT, spaceAfter=4)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=fonts.BOLD, fontSize=20,
                                leading=25, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=SECONDARY, fontSize=11,
                                   spaceAfter=10),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts.BOLD, fontSize=13, leading=17,
                             spaceBefore=10, spaceAfter=5, keepWithNext=1),
        "headline": ParagraphStyle("headline", parent=base, fontSize=11, leading=15,
                                   spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName=fonts.BOLD, fontSize=8.5,
                               leading=11, spaceAfter=0),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11,
                               textColor=SECONDARY),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=12, bulletIndent=2),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user or generated text, escaped so markup characters print as text."""
    return Paragraph(escape(text), style)


def _table(data: list[list[Flowable]], widths: list[float], *, header_rows: int = 1) -> Table:
    table = Table(data, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # the cell default would be Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 1, TEXT),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _headline_panel(content: BriefContent, s: dict, width: float) -> Table:
    rows = [[_p(sentence, s["headline"])] for sentence in content.headlines]
    panel = Table(rows, colWidths=[width], hAlign="LEFT")
    panel.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
        ("BACKGROUND", (0, 0), (-1, -1), PANEL),
        ("LINEBEFORE", (0, 0), (0, -1), 4, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return panel


def _outcome_table(content: BriefContent, s: dict, width: float) -> Table:
    level = content.outcomes[0].level if content.outcomes else 0.95
    header = ["Outcome", "Effect (estimate)", f"{level * 100:g}% range", "Direction"]
    data = [[_p(h, s["head"]) for h in header]]
    for row in content.outcomes:
        data.append([_p(row.label, s["cell"]), _p(row.effect_text, s["cell"]),
                     _p(row.range_text, s["cell"]),
                     _p(DIRECTION_WORDS.get(row.direction, row.direction), s["cell"])])
    return _table(data, [width * f for f in (0.30, 0.24, 0.30, 0.16)])


def _chart(chart: ChartContent, drawing: Drawing, s: dict) -> list[Flowable]:
    key = f"{chart.key} The values are in the table under “Data behind the charts”."
    return [KeepTogether([_p(chart.title, s["h2"]), drawing, _p(key, s["note"])])]


def _data_table(table: DataTable, s: dict, width: float) -> list[Flowable]:
    first = 0.24
    rest = (1 - first) / max(len(table.columns) - 1, 1)
    widths = [width * first] + [width * rest] * (len(table.columns) - 1)
    data = [[_p(c, s["head"]) for c in table.columns]]
    data += [[_p(c, s["cell"]) for c in row] for row in table.rows]
    return [_p(table.caption, s["note"]), _table(data, widths), Spacer(1, 6)]


def _story(content: BriefContent, width: float, drawings: list[Drawing]) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [_p(content.title, s["title"]), _p(content.subtitle, s["subtitle"]),
                             _p("What we found", s["h2"]), _headline_panel(content, s, width),
                             Spacer(1, 8), _outcome_table(content, s, width)]
    for chart, drawing in zip(content.charts, drawings, strict=True):
        story += _chart(chart, drawing, s)
    story.append(_p("How this was estimated", s["h2"]))
    story += [_p(text, s["body"]) for text in content.method_note]
    if content.caveats:
        story.append(_p("Things to bear in mind", s["h2"]))
        story += [Paragraph(escape(text), s["bullet"], bulletText="•")
                  for text in content.caveats]
    if content.charts:
        story += [CondPageBreak(60 * mm), _p("Data behind the charts", s["h2"])]
        for chart in content.charts:
            story += _data_table(chart.table, s, width)
    if content.data_notes:
        story.append(_p("Notes on the data", s["h2"]))
        story += [Paragraph(escape(note), s["bullet"], bulletText="•")
                  for note in content.data_notes]
    return story


def _footer(content: BriefContent, total: int | None, seen: list[int]) -> Callable:
    stamp = f"D:{content.date:%Y%m%d}000000+00'00'"

    def draw(canvas, doc) -> None:
        seen.append(doc.page)
        # the document's creation date is the brief's own date, not the clock
        canvas.setDateFormatter(lambda *_ymdhms: stamp)
        canvas.showOutline()  # open with the bookmarks panel showing the headings
        canvas.saveState()
        canvas.setFont(fonts.REGULAR, FOOTER_SIZE)
        canvas.setFillColor(SECONDARY)
        y = MARGIN / 2
        canvas.drawString(MARGIN, y, content.data_status)
        pages = f"Page {doc.page} of {total}" if total else f"Page {doc.page}"
        canvas.drawRightString(A4[0] - MARGIN, y, pages)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, y + 10, A4[0] - MARGIN, y + 10)
        canvas.restoreState()

    return draw


class _OutlinedDoc(SimpleDocTemplate):
    """Adds a bookmark (the PDF's document outline) for the title and every section heading,
    so readers and assistive tools can navigate the brief."""

    LEVELS = {"title": 0, "h2": 1}

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        style = getattr(getattr(flowable, "style", None), "name", None)
        if style in self.LEVELS:
            self._headings = getattr(self, "_headings", 0) + 1
            key = f"heading-{self._headings}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=self.LEVELS[style])


def _build(content: BriefContent, target, total: int | None, drawings: list[Drawing]) -> int:
    meta = content.metadata
    doc = _OutlinedDoc(
        target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=meta.title, author=meta.author, subject=meta.subject,
        keywords=list(meta.keywords), creator=meta.creator,
        producer=f"pilot-eval {__version__} (reportlab)", lang=meta.language, invariant=1,
        initialFontName=fonts.register_fonts(), displayDocTitle=1)
    seen: list[int] = []
    footer = _footer(content, total, seen)
    doc.build(_story(content, doc.width, drawings), onFirstPage=footer, onLaterPages=footer)
    return max(seen, default=1)


def render_pdf(content: BriefContent, path: str | os.PathLike[str]) -> Path:
    """Write ``content`` as an A4 PDF to ``path`` (atomically) and return the path.

    The page count is found with a first pass in memory, so that footers can say
    "Page 1 of 2".
    """
    def write(temp: Path) -> None:
        width = A4[0] - 2 * MARGIN
        drawings = [vector_to_drawing(chart_vector(chart.spec), width=width)
                    for chart in content.charts]
        total = _build(content, io.BytesIO(), None, drawings)
        _build(content, str(temp), total, drawings)

    return write_atomically(path, write)
