"""Render the technical report (``TechnicalContent``) as an A4 PDF, with the brief's styles,
fonts, footer and page numbering (``pdf``): byte-identical for the same content, written
atomically.  Tables split across pages and repeat their header row."""

from __future__ import annotations

import os
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.platypus import Flowable

from pilot_eval.atomic import write_with
from pilot_eval.brief.content import TechnicalContent
from pilot_eval.brief.drawing import vector_to_drawing
from pilot_eval.brief.figures import chart_vector
from pilot_eval.brief.pdf import (
    MARGIN,
    _chart,
    _doc,
    _footer,
    _NumberedCanvas,
    _p,
    _styles,
    sections_story,
)

CHART_SCALE = 0.8


def technical_story(content: TechnicalContent, width: float,
                    drawings: list[Flowable]) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [_p(content.title, s["title"]), _p(content.subtitle, s["subtitle"])]
    story += [_p(text, s["body"]) for text in content.intro]
    if content.charts:
        story.append(_p("Charts", s["h2"]))
        for chart, drawing in zip(content.charts, drawings, strict=True):
            story += _chart(chart, drawing, s, where="below under")
    story += sections_story(content.sections, s, width)
    return story


def render_technical_pdf(content: TechnicalContent, path: str | os.PathLike[str]) -> Path:
    """Write the technical report to ``path`` (atomically) and return the path."""
    def write(temp: Path) -> None:
        width = A4[0] - 2 * MARGIN
        drawings = [vector_to_drawing(chart_vector(c.spec), width=width * CHART_SCALE)
                    for c in content.charts]
        doc = _doc(content, str(temp))
        doc.build(technical_story(content, doc.width, drawings),
                  onFirstPage=_footer(content), onLaterPages=_footer(content),
                  canvasmaker=_NumberedCanvas)

    return write_with(path, write)
