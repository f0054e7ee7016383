"""The brief for ministers: a content model built from results, and its two renderers.

``build_brief_content(results, *, options)`` turns the results document (results.json) into a
frozen ``BriefContent``; ``render_pdf(content, path)`` writes the A4 PDF and ``render_html(content, path)``
its accessible HTML twin.  Only this package imports reportlab.
"""

from pilot_eval.brief.build import build_brief_content
from pilot_eval.brief.content import (
    BriefContent,
    BriefMetadata,
    ChartContent,
    DataTable,
    GroupMeansSpec,
    MeanPoint,
    OutcomeRow,
    PilotStart,
    SummaryBox,
)
from pilot_eval.brief.errors import BriefError
from pilot_eval.brief.evidence import EvidenceRating
from pilot_eval.brief.html import brief_html, render_html
from pilot_eval.brief.options import BriefOptions, DisclosureThresholds
from pilot_eval.brief.pdf import render_pdf

__all__ = [
    "BriefContent",
    "BriefOptions",
    "DisclosureThresholds",
    "EvidenceRating",
    "SummaryBox",
    "BriefError",
    "BriefMetadata",
    "ChartContent",
    "DataTable",
    "GroupMeansSpec",
    "MeanPoint",
    "OutcomeRow",
    "PilotStart",
    "brief_html",
    "build_brief_content",
    "render_html",
    "render_pdf",
]
