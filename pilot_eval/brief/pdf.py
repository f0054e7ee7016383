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
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pilot_eval import __version__
from pilot_eval.atomic import write_with
from pilot_eval.brief import fonts
from pilot_eval.brief.content import (
    BriefContent,
    ChartContent,
    DataTable,
    SummaryBox,
    TechnicalContent,
)
from pilot_eval.brief.drawing import vector_to_drawing
from pilot_eval.brief.figures import chart_vector
from pilot_eval.brief.guard import pdf_text

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
        "title": ParagraphStyle("title", parent=base, fontName=fonts.BOLD, fontSize=18,
                                leading=22, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=SECONDARY, fontSize=10,
                                   spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts.BOLD, fontSize=12, leading=15,
                             spaceBefore=7, spaceAfter=3, keepWithNext=1),
        "headline": ParagraphStyle("headline", parent=base, fontSize=10, leading=13,
                                   spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName=fonts.BOLD, fontSize=8.5,
                               leading=11, spaceAfter=0),
        "cell-small": ParagraphStyle("cell-small", parent=base, fontSize=7, leading=8.5,
                                     spaceAfter=0),
        "head-small": ParagraphStyle("head-small", parent=base, fontName=fonts.BOLD,
                                     fontSize=7, leading=8.5, spaceAfter=0),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11,
                               textColor=SECONDARY),
        "bullet": ParagraphStyle("bullet", parent=base, fontSize=9.5, leading=12.5,
                                 leftIndent=12, bulletIndent=2, spaceAfter=2),
        "caption": ParagraphStyle("caption", parent=base, fontName=fonts.BOLD, fontSize=8.5,
                                  leading=11, spaceBefore=4, keepWithNext=1),
        "mark": ParagraphStyle("mark", parent=base, fontSize=1, leading=1, spaceAfter=0),
        "annex": ParagraphStyle("annex", parent=base, fontName=fonts.BOLD, fontSize=16,
                                leading=20, spaceAfter=6),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user or generated text, escaped so markup characters print as text,
    with what the font cannot show replaced visibly (``guard.pdf_text``)."""
    return Paragraph(escape(pdf_text(text)), style)


def _table(data: list[list[Flowable | str]], widths: list[float], *, header_rows: int = 1,
           padding: float = 3, body: ParagraphStyle | None = None) -> Table:
    """A table with a ruled header; plain-text cells are set in ``body``'s font, size, leading
    and colour (the same as its paragraphs)."""
    table = Table(data, colWidths=widths, repeatRows=header_rows, hAlign="LEFT", splitInRow=1)
    plain = [] if body is None else [
        ("FONTNAME", (0, header_rows), (-1, -1), body.fontName),
        ("FONTSIZE", (0, header_rows), (-1, -1), body.fontSize),
        ("LEADING", (0, header_rows), (-1, -1), body.leading),
        ("TEXTCOLOR", (0, header_rows), (-1, -1), body.textColor)]
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # the cell default would be Helvetica
        *plain,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 1, TEXT),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ("LEFTPADDING", (0, 0), (-1, -1), padding + 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding + 1),
    ]))
    return table


LONG_TOKEN = 30  # a "word" longer than this (a SHA-256, a name without spaces) may break anywhere
CHART_SCALES = ((1.0, True), (0.85, True), (0.85, False), (0.7, False), (0.6, False),
                (0.5, False))
# charts on a page of their own when page 1 holds the rest; else the brief flows on
LAYOUTS = tuple((scale, method, split) for split in (True, False)
                for scale, method in CHART_SCALES)
BRIEF_PAGES = 2
TWO_COLUMN_MAX_COLUMNS = 5
TWO_COLUMN_MIN_ROWS = 14
COLUMN_GAP = 12
ANNEX_CHART_SCALE = 0.7  # the other outcomes' charts: readable, two to a page
COMPACT_MIN_COLUMNS = 6
TWO_COLUMN_MAX_CELL = 40  # longer cells (hostile names) would make a block too tall
BLOCK_ROWS = 18  # rows per side of a two-column block (a block must fit on one page)
MIN_COLUMN_CHARS = 6
PADDING_CHARS = 2  # a cell's padding and bold headers need about two characters more
MAX_COLUMN_CHARS = 24
FIRST_COLUMN_CHARS = 16
PROSE_SHARE = 0.5
MAX_PROSE_CHARS = 40


def _cell(text: str, s: dict, head: bool = False, small: bool = False) -> Paragraph:
    style = s[("head" if head else "cell") + ("-small" if small else "")]
    if any(len(word) > LONG_TOKEN for word in text.split()):
        style = ParagraphStyle(f"{style.name}-wrap", parent=style, wordWrap="CJK")
    return _p(text, style)


SUMMARY_TABLE_CHARS = 1500  # longer narrative is set as paragraphs, which split across pages


def _summary_box(box: SummaryBox, s: dict, width: float) -> Flowable | list[Flowable]:
    if max(len(box.issue), len(box.recommendation)) > SUMMARY_TABLE_CHARS:
        return [_p("Issue", s["head"]), _p(box.issue, s["body"]),
                _p("Recommendation", s["head"]), _p(box.recommendation, s["body"]),
                _p(f"{box.decision}: {box.date_text}", s["head"])]
    rows = [[_p("Issue", s["head"]), _p(box.issue, s["cell"])],
            [_p("Recommendation", s["head"]), _p(box.recommendation, s["cell"])],
            [_p(box.decision, s["head"]), _p(box.date_text, s["cell"])]]
    table = Table(rows, colWidths=[width * 0.22, width * 0.78], hAlign="LEFT", splitInRow=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
        ("BOX", (0, 0), (-1, -1), 1, TEXT),
        ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]))
    return table


def _headline_panel(content: BriefContent, s: dict, width: float) -> Table:
    rows = [[_p("Finding (95% range)", s["head"]), _p("Direction", s["head"]),
             _p("Evidence strength", s["head"])]]
    for row in content.outcomes:
        rating = row.evidence
        strength = ([_p(rating.bar, s["cell"]), _p(rating.label, s["cell"])] if rating
                    else _p("not rated", s["cell"]))  # the bar above its words: no odd wrap
        rows.append([_p(row.sentence, s["headline"]),
                     _p(DIRECTION_WORDS.get(row.direction, row.direction), s["cell"]),
                     strength])
    rows.append([_p("What it cost: " + content.cost, s["cell"]), "", ""])
    panel = Table(rows, colWidths=[width * 0.62, width * 0.14, width * 0.24], hAlign="LEFT",
                  splitInRow=1)
    panel.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
        ("BACKGROUND", (0, 0), (-1, -1), PANEL),
        ("LINEBEFORE", (0, 0), (0, -1), 4, ACCENT),
        ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
        ("SPAN", (0, -1), (-1, -1)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return panel


def _chart(chart: ChartContent, drawing: Flowable, s: dict,
           where: str = "in the technical report under") -> list[Flowable]:
    key = f"{chart.key} The values are {where} “Data behind the charts”."
    return [KeepTogether([_p(chart.title, s["h2"]), drawing, _p(key, s["note"])])]


def column_widths(table: DataTable, width: float) -> list[float]:
    """Widths in proportion to each column's longest word (so headers do not break inside a
    word, up to ``MAX_COLUMN_CHARS``) or, for columns of prose, a share of their mean length
    (up to ``MAX_PROSE_CHARS``), whichever is more."""
    weights = []
    for index, header in enumerate(table.columns):
        words = [w for c in (header, *(r[index] for r in table.rows if index < len(r)))
                 for w in str(c).split()]
        longest = min(max((len(w) for w in words), default=0), MAX_COLUMN_CHARS)
        cells = [str(r[index]) for r in table.rows if index < len(r)] or [header]
        prose = min(sum(map(len, cells)) / len(cells) * PROSE_SHARE, MAX_PROSE_CHARS)
        weights.append(max(longest, prose, MIN_COLUMN_CHARS) + PADDING_CHARS)
    if table.columns:
        weights[0] = max(weights[0], FIRST_COLUMN_CHARS)
    total = sum(weights) or 1
    return [width * w / total for w in weights]


def two_columns(table: DataTable) -> bool:
    """A long narrow table is set in two balanced columns (half the pages, still readable)."""
    return (len(table.columns) <= TWO_COLUMN_MAX_COLUMNS and len(table.rows) > TWO_COLUMN_MIN_ROWS
            and all(len(str(c)) <= TWO_COLUMN_MAX_CELL for r in (table.columns, *table.rows)
                    for c in r))


def compact(table: DataTable) -> bool:
    """Wide or long tables of figures are set small (7 pt) with tight padding."""
    return two_columns(table) or len(table.columns) >= COMPACT_MIN_COLUMNS


def _fitting(text: str, style: ParagraphStyle, room: float) -> str | None:
    """``text`` as a plain string when it fits ``room`` on one line (a figure, a short label):
    drawn as its paragraph would be, at a fraction of the cost (the technical report has
    thousands of such cells); ``None`` when it needs a paragraph to wrap."""
    shown = pdf_text(text)
    if "\n" in shown or len(shown) > room / (style.fontSize * 0.2):
        return None
    return shown if stringWidth(shown, style.fontName, style.fontSize) <= room else None


def _data_table(table: DataTable, s: dict, width: float) -> list[Flowable]:
    small = compact(table)
    padding = 1.5 if small else 3
    body = s["cell-small" if small else "cell"]
    split = two_columns(table)
    inner = (width - COLUMN_GAP) / 2 if split else width
    widths = column_widths(table, inner)
    rooms = [w - 2 * (padding + 1) for w in widths]
    data: list[list[Flowable | str]] = [
        [_cell(c, s, head=True, small=small) for c in table.columns]]
    data += [[_fitting(c, body, room) or _cell(c, s, small=small)
              for c, room in zip(row, rooms, strict=False)] for row in table.rows]
    if split:
        story: list[Flowable] = [_p(table.caption, s["caption"])]
        for start in range(0, len(table.rows), 2 * BLOCK_ROWS):
            block = data[1 + start:1 + start + 2 * BLOCK_ROWS]
            half = (len(block) + 1) // 2
            sides = [_table([data[0], *part], widths, padding=padding, body=body)
                     for part in (block[:half], block[half:]) if part]
            outer = Table([sides], colWidths=[inner + COLUMN_GAP, inner][:len(sides)],
                          hAlign="LEFT")
            outer.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                       ("RIGHTPADDING", (0, 0), (0, 0), COLUMN_GAP),
                                       ("RIGHTPADDING", (1, 0), (-1, -1), 0),
                                       ("TOPPADDING", (0, 0), (-1, -1), 0),
                                       ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
            story.append(outer)
        return [*story, Spacer(1, 6)]
    return [_p(table.caption, s["caption"]),
            _table(data, widths, padding=padding, body=body), Spacer(1, 6)]


def _bullets(items, s: dict) -> list[Flowable]:
    return [Paragraph(escape(pdf_text(text)), s["bullet"], bulletText="•") for text in items]


def _page_one(content: BriefContent, s: dict, width: float) -> list[Flowable]:
    story: list[Flowable] = []
    if content.logo:  # checked to be a PNG or JPEG when the content was built
        story.append(Image(content.logo, width=40 * mm, height=15 * mm, kind="proportional",
                           hAlign="LEFT"))
    story += [_p(content.title, s["title"]), _p(content.subtitle, s["subtitle"])]
    if content.summary is not None:
        box = _summary_box(content.summary, s, width)
        story += [*(box if isinstance(box, list) else [box]), Spacer(1, 4)]
    story += [_p("What we found", s["h2"]), _headline_panel(content, s, width)]
    reasons = content.evidence_summary
    if reasons:
        story += [_p("How strong the evidence is", s["h2"]), *_bullets(reasons, s)]
    if content.retention and content.retention.sentences:
        story += [_p("Did staff stay?", s["h2"]), *_bullets(content.retention.sentences, s)]
    if content.caveats:  # kept together: a caveat cut off from its heading reads as a finding
        story.append(KeepTogether([_p("Things to bear in mind", s["h2"]),
                                   *_bullets(content.caveats, s)]))
    return story


def _page_two(content: BriefContent, s: dict, drawings: list[Flowable],
              method: bool) -> list[Flowable]:
    story: list[Flowable] = []
    if content.charts:
        story.append(_p("What happened over time", s["h2"]))
    for chart, drawing in zip(content.charts, drawings, strict=True):
        story += _chart(chart, drawing, s)
    if method or not content.charts:
        story.append(_p("How this was estimated", s["h2"]))
        story += [_p(text, s["body"]) for text in content.method_note]
    return story


def sections_story(sections, s: dict, width: float) -> list[Flowable]:
    """Headed sections: paragraphs, bullet points, then tables (each split across pages)."""
    story: list[Flowable] = []
    for section in sections:
        story.append(_p(section.heading, s["h2"]))
        story += [_p(text, s["body"]) for text in section.paragraphs]
        story += _bullets(section.bullets, s)
        for table in section.tables:
            story += _data_table(table, s, width)
    return story


def _annex(content: BriefContent, s: dict, width: float,
           annex_drawings: list[Drawing]) -> list[Flowable]:
    story: list[Flowable] = [_p("Annex", s["annex"])]
    story += sections_story(content.annex, s, width)
    return story


def _brief(content: BriefContent, s: dict, width: float, drawings: list[Flowable],
           method: bool, split: bool) -> list[Flowable]:
    """Pages 1-2: page one's text, then the charts (on page 2 of their own with ``split``)."""
    return [*_page_one(content, s, width), *([PageBreak()] if split else []),
            *_page_two(content, s, drawings, method)]


def _story(content: BriefContent, width: float, drawings: list[Drawing],
           annex_drawings: list[Drawing], method: bool, split: bool = False) -> list[Flowable]:
    s = _styles()
    return [*_brief(content, s, width, drawings, method, split), PageBreak(),
            *_annex(content, s, width, annex_drawings)]


def _footer(content: BriefContent | TechnicalContent) -> Callable:
    stamp = f"D:{content.date:%Y%m%d}000000+00'00'"

    def draw(canvas, doc) -> None:
        # the document's creation date is the brief's own date, not the clock
        canvas.setDateFormatter(lambda *_ymdhms: stamp)
        canvas.showOutline()  # open with the bookmarks panel showing the headings
        canvas.saveState()
        canvas.setFont(fonts.REGULAR, FOOTER_SIZE)
        canvas.setFillColor(SECONDARY)
        y = MARGIN / 2
        canvas.drawString(MARGIN, y, content.data_status)
        if content.disclosure_note:
            canvas.drawString(MARGIN, y - FOOTER_SIZE - 2, content.disclosure_note)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, y + 10, A4[0] - MARGIN, y + 10)
        canvas.restoreState()

    return draw


class _NumberedCanvas(Canvas):
    """Holds each finished page until the end, then writes "Page n of N" on every one, so
    the document is laid out once (no second pass to count pages)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self.setFont(fonts.REGULAR, FOOTER_SIZE)
            self.setFillColor(SECONDARY)
            self.drawRightString(A4[0] - MARGIN, MARGIN / 2,
                                 f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


class _OutlinedDoc(SimpleDocTemplate):
    """Adds a bookmark (the PDF's document outline) for the title and every section heading,
    so readers and assistive tools can navigate the brief; records the annex's first page."""

    LEVELS = {"title": 0, "annex": 0, "h2": 1}
    marked_page: int | None = None

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        style = getattr(getattr(flowable, "style", None), "name", None)
        if style == "mark" and self.marked_page is None:
            self.marked_page = self.page
        if style in self.LEVELS:
            self._headings = getattr(self, "_headings", 0) + 1
            key = f"heading-{self._headings}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=self.LEVELS[style])


def _doc(content: BriefContent | TechnicalContent, target) -> _OutlinedDoc:
    meta = content.metadata
    return _OutlinedDoc(
        target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=meta.title, author=meta.author, subject=meta.subject,
        keywords=list(meta.keywords), creator=meta.creator,
        producer=f"pilot-eval {__version__} (reportlab)", lang=meta.language, invariant=1,
        initialFontName=fonts.register_fonts(), displayDocTitle=1)


def brief_pages(content: BriefContent, sizes: list[tuple[float, float]], method: bool,
                split: bool = False) -> int:
    """How many pages the brief part (pages 1-2, without the annex) takes when laid out."""
    doc = _doc(content, io.BytesIO())
    s = _styles()
    width = doc.width
    # charts are stood in for by spacers of the same size: the layout is the same and
    # nothing needs drawing
    stand_ins = [Spacer(w, h) for w, h in sizes]
    doc.build([*_brief(content, s, width, stand_ins, method, split), _p("", s["mark"])])
    return doc.marked_page or doc.page


def page_one_pages(content: BriefContent) -> int:
    """The pages page one's text takes on its own (1: the charts can have page 2)."""
    doc = _doc(content, io.BytesIO())
    s = _styles()
    doc.build([*_page_one(content, s, doc.width), _p("", s["mark"])])
    return doc.marked_page or doc.page


def page_one_alone(content: BriefContent) -> bool:
    """Whether page one's text fits on page 1 (so the charts can have page 2 to themselves)."""
    return page_one_pages(content) == 1


def render_pdf(content: BriefContent, path: str | os.PathLike[str]) -> Path:
    """Write ``content`` as an A4 PDF to ``path`` (atomically) and return the path.

    Pages 1-2 are the brief and the annex starts on page 3: page-2 charts are drawn smaller
    (and the method note left to the annex) until the brief fits its two pages.
    """
    def write(temp: Path) -> None:
        width = A4[0] - 2 * MARGIN
        annex_drawings: list[Drawing] = []  # other outcomes' charts: in the technical report
        first = page_one_pages(content)
        alone = first == 1
        figures = [chart_vector(chart.spec) for chart in content.charts]
        # page one's text alone fills the two pages (very long narrative): no layout can fit,
        # so take the most compact at once rather than trying each in turn
        for scale, method, split in LAYOUTS if first < BRIEF_PAGES else LAYOUTS[-1:]:
            if split and not alone:
                continue
            # trial layouts need only the charts' sizes, not their drawings
            sizes = [(width * scale, f.height * width * scale / f.width) for f in figures]
            if brief_pages(content, sizes, method, split) <= BRIEF_PAGES:
                break
        drawings = [vector_to_drawing(f, width=width * scale) for f in figures]
        doc = _doc(content, str(temp))
        doc.build(_story(content, doc.width, drawings, annex_drawings, method, split),
                  onFirstPage=_footer(content), onLaterPages=_footer(content),
                  canvasmaker=_NumberedCanvas)

    return write_with(path, write)
