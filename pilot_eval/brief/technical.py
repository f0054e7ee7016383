"""``build_technical_content``: the project's report -> the technical report's content.

The evaluator's companion to the two-page brief: every table the brief rests on, formatted for
people (period labels, not codes; estimator names in words; three significant figures, the
rule stated at the top; wide tables split two outcomes to a table), every chart with the data
behind it, the diagnostics, the disclosure rule, the glossary and the full QA log.  The same
tables, as numbers, are in tables.xlsx (``pilot_eval.tables``).
"""

from __future__ import annotations

from pilot_eval.brief.annex import (
    conventions_section,
    data_section,
    design_section,
    diagnostics_section,
    fine_gray_table,
    results_section,
)
from pilot_eval.brief.annex_qa import disclosure_section, glossary_section, qa_section
from pilot_eval.brief.build import build_brief_content
from pilot_eval.brief.content import TechnicalContent, method_note
from pilot_eval.brief.planning import planning_section
from pilot_eval.brief.rates import rates_tables
from pilot_eval.brief.synthetic import synthetic_annexes, synthetic_charts
from pilot_eval.brief.tables import AnnexSection
from pilot_eval.estimators import Unavailable
from pilot_eval.report.options import BriefOptions
from pilot_eval.report.project_report import ProjectReport
from pilot_eval.report.words import PRECISION_RULE

INTRO = ("This report holds every table behind the brief of the same name, for evaluators and "
         "reviewers. The brief (brief.pdf) gives the findings in plain words; tables.xlsx gives "
         "these tables as numbers, one sheet each; results.json holds every figure to full "
         "precision and can rebuild all of them.")


def _present(section: AnnexSection | None) -> tuple[AnnexSection, ...]:
    return () if section is None else (section,)


def build_technical_content(report: ProjectReport, options: BriefOptions | None = None
                            ) -> TechnicalContent:
    """The technical report of ``report`` (options as for ``build_brief_content``)."""
    opts = options or report.brief
    brief = build_brief_content(report, opts)
    outcomes = list(report.outcomes)
    nouns = opts.unit_noun
    retention = report.retention
    retention = None if retention is None or isinstance(retention, Unavailable) else retention
    extra = [brief.retention.table] if brief.retention else []
    fine_gray = fine_gray_table(retention, opts.disclosure)
    extra += [fine_gray] if fine_gray is not None else []
    rate_tables, definitions = rates_tables(retention, opts.disclosure)
    synthetic = tuple(c for o in outcomes for c in synthetic_charts(o, nouns))
    charts = (*brief.charts, *brief.annex_charts, *synthetic)
    sections = (
        design_section(outcomes, nouns),
        data_section(report),
        conventions_section(outcomes, retention),
        AnnexSection(heading="How this was estimated", paragraphs=method_note(outcomes, nouns)),
        results_section(outcomes, retention, [*extra, *rate_tables], definitions,
                        headline=None),
        diagnostics_section(outcomes),
        *synthetic_annexes(outcomes, nouns),
        *_present(planning_section(report)),
        AnnexSection(heading="Data behind the charts", tables=tuple(c.table for c in charts)),
        AnnexSection(heading="Notes on the data", bullets=brief.data_notes),
        disclosure_section(opts),
        glossary_section(),
        qa_section(report, opts, brief.date_text),
    )
    title = f"Technical report: {brief.title}"
    return TechnicalContent(
        title=title, subtitle=brief.subtitle, date=brief.date, intro=(INTRO, PRECISION_RULE),
        sections=sections, charts=charts,
        metadata=brief.metadata.__class__(
            title=title, author=brief.metadata.author,
            subject="Technical report: " + brief.metadata.subject,
            keywords=brief.metadata.keywords),
        data_status=brief.data_status, disclosure_note=brief.disclosure_note)
