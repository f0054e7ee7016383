"""The brief for ministers: a content model built from the project's report, and its two
renderers.

``build_brief_content(report, options=None)`` turns a ``ProjectReport`` (in memory, or read back
from results.json) into a frozen ``BriefContent``; ``render_pdf(content, path)`` writes the A4
PDF and ``render_html(content, path)`` its accessible HTML twin.  Only this package imports
reportlab.
"""

from pilot_eval.brief.build import build_brief_content
from pilot_eval.brief.content import (
    BriefContent,
    BriefMetadata,
    ChartContent,
    DataTable,
    GroupMeansSpec,
    OutcomeRow,
    SummaryBox,
)
from pilot_eval.brief.html import brief_html, render_html
from pilot_eval.brief.pdf import render_pdf
from pilot_eval.report.errors import BriefError
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.options import BriefOptions, DisclosureThresholds

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
    "OutcomeRow",
    "brief_html",
    "build_brief_content",
    "render_html",
    "render_pdf",
]
