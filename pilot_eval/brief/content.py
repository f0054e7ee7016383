"""The brief's content model: frozen plain data built from the project's report.

``build_brief_content`` (in ``build``) turns a ``ProjectReport`` into a ``BriefContent``;
``render_pdf`` and ``render_html`` only lay it out.  All wording is decided here and in
``pilot_eval.report.words``, ``text``, ``retention`` and ``annex``, so it is tested once,
exactly, and both renderers say the same thing.  Pages 1-2 (the brief) hold the title, summary
box, headline panel with evidence strength and cost, the staff-retention headline, caveats and
the charts; ``annex`` (page 3 on) holds everything else.  Nothing here computes a statistic:
every figure is a field of the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from pilot_eval.brief import text
from pilot_eval.brief.retention import RetentionHeadline, RetentionSpec
from pilot_eval.brief.tables import AnnexSection, DataTable
from pilot_eval.report import words
from pilot_eval.report.errors import BriefError
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.outcome import MeanPoint, OutcomeReport, PilotStart
from pilot_eval.report.values import number, reason

if TYPE_CHECKING:
    from pilot_eval.brief.synthetic import SyntheticChartSpec

DATA_STATUS = "Management information, not official statistics"
DEMO_STATUS = ("Demonstration: simulated data from pilot-eval's bundled demo pilot, not real "
               "councils")
LANGUAGE = "en-GB"


@dataclass(frozen=True)
class GroupMeansSpec:
    """Everything ``pilot_eval.charts.group_means_figure`` needs to draw the chart."""

    group_means: tuple[MeanPoint, ...]
    pilot_starts: tuple[PilotStart, ...]
    outcome_label: str
    unit: str
    unit_noun: str = "teams"
    kind: str = "group_means"


@dataclass(frozen=True)
class EventTimeSpec:
    """What ``pilot_eval.charts.event_time_figure`` needs: ``(e, estimate, low, high)`` rows."""

    points: tuple[tuple[int, float | None, float | None, float | None], ...]
    outcome_label: str
    unit: str
    reference: int | None = -1
    kind: str = "event_time"


@dataclass(frozen=True)
class ChartContent:
    """A chart with its active title, alt text and the data table behind it."""

    title: str
    alt_text: str
    table: DataTable
    spec: GroupMeansSpec | EventTimeSpec | RetentionSpec | SyntheticChartSpec
    key: str = ""


@dataclass(frozen=True)
class OutcomeRow:
    """The headline for one outcome: exact numbers and their plain-language wording."""

    outcome: str
    label: str
    unit: str
    polarity: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    level: float
    direction: str
    effect_text: str
    range_text: str
    sentence: str
    evidence: EvidenceRating | None = None


@dataclass(frozen=True)
class BriefMetadata:
    """Document properties written into the PDF and the HTML head."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str = LANGUAGE
    creator: str = "pilot-eval"


@dataclass(frozen=True)
class SummaryBox:
    """The summary box at the top of page 1."""

    issue: str
    recommendation: str
    decision: str
    date_text: str


@dataclass(frozen=True)
class BriefContent:
    """Everything the brief says, in the order it says it."""

    title: str
    organisation: str
    date: dt.date
    headlines: tuple[str, ...]
    outcomes: tuple[OutcomeRow, ...]
    charts: tuple[ChartContent, ...]
    method_note: tuple[str, ...]
    caveats: tuple[str, ...]
    data_status: str
    metadata: BriefMetadata
    data_notes: tuple[str, ...] = ()
    summary: SummaryBox | None = None
    cost: str = ""
    retention: RetentionHeadline | None = None
    annex: tuple[AnnexSection, ...] = ()
    annex_charts: tuple[ChartContent, ...] = ()
    disclosure_note: str = ""
    logo: str = ""
    evidence_summary: tuple[str, ...] = ()

    @property
    def date_text(self) -> str:
        """The date as a UK reader writes it: ``27 November 2026``."""
        return f"{self.date.day} {self.date:%B %Y}"

    @property
    def subtitle(self) -> str:
        """Organisation and date, for under the title."""
        return f"{self.organisation}, {self.date_text}" if self.organisation else self.date_text

    def to_dict(self) -> dict:
        """JSON-safe: the date as ISO text, tuples as lists."""
        out = asdict(self)
        out["date"] = self.date.isoformat()
        return out


@dataclass(frozen=True)
class TechnicalContent:
    """The technical report: every table behind the brief, formatted for people, and every
    chart with the data behind it (``technical.build_technical_content``)."""

    title: str
    subtitle: str
    date: dt.date
    intro: tuple[str, ...]
    sections: tuple[AnnexSection, ...]
    charts: tuple[ChartContent, ...]
    metadata: BriefMetadata
    data_status: str
    disclosure_note: str = ""


def outcome_row(report: OutcomeReport, unit_noun: str = "teams") -> OutcomeRow:
    """The headline row of one outcome's report."""
    h = report.headline
    estimate, low, high = number(h.estimate), number(h.ci_low), number(h.ci_high)
    missing = h.estimate if estimate is None else h.ci_low if low is None else h.ci_high
    sentence = words.headline_sentence(
        report.label, report.unit, report.polarity, estimate, low, high, level=h.level,
        pilot=f"pilot {unit_noun}", comparison=words.comparison_group(h.comparison, unit_noun),
        reason=reason(missing))
    return OutcomeRow(
        outcome=report.outcome, label=report.label, unit=report.unit, polarity=report.polarity,
        estimate=estimate, ci_low=low, ci_high=high, p_value=number(h.p_value), level=h.level,
        direction=words.direction(estimate, low, high, report.polarity),
        effect_text=words.effect_cell(estimate, report.unit),
        range_text=words.range_cell(low, high, report.unit), sentence=sentence,
        evidence=report.evidence)


def chart_content(report: OutcomeReport, row: OutcomeRow,
                  unit_noun: str = "teams") -> ChartContent:
    """The pilot-vs-comparison chart of one outcome, with alt text and data table."""
    pilot, comparison = f"Pilot {unit_noun}", f"Comparison {unit_noun}"
    table = DataTable(
        caption=f"{row.label}: mean per period in pilot and comparison {unit_noun}",
        columns=("Period", f"{pilot}: mean", f"{pilot} with data", f"{comparison}: mean",
                 f"{comparison} with data"),
        rows=text.means_table_rows(report.group_means, row.unit))
    return ChartContent(
        title=text.chart_title(row.label, row.direction, row.estimate, unit_noun),
        alt_text=text.alt_text(row.label, row.unit, report.group_means, report.pilot_starts,
                               unit_noun),
        table=table,
        key=text.chart_key(unit_noun, n_starts=len(report.pilot_starts)),
        spec=GroupMeansSpec(group_means=report.group_means, pilot_starts=report.pilot_starts,
                            outcome_label=row.label, unit=row.unit, unit_noun=unit_noun))


def method_note(outcomes: Sequence[OutcomeReport], unit_noun: str = "teams"
                ) -> tuple[str, ...]:
    """A short method note: the design in one sentence, then estimator and SEs per outcome."""
    design = (
        "Each effect is a difference-in-differences: the change in pilot "
        f"{unit_noun} after the pilot started, minus the change in comparison {unit_noun} "
        "over the same time. The range is a 95% confidence interval unless stated otherwise."
    )
    levels = {o.headline.level for o in outcomes}
    if levels != {0.95}:
        shown = ", ".join(words.level_words(v) for v in sorted(levels))
        design = design.replace("a 95% confidence interval unless stated otherwise",
                                f"a confidence interval at {shown}")
    return (design, *text.method_sentences(outcomes, unit_noun))


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise BriefError(f"the brief date {value!r} is not a date",
                         hint="Give it as YYYY-MM-DD, for example 2026-11-27.") from exc
