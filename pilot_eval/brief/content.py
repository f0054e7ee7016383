"""The brief's content model: frozen plain data built from analysis results.

``build_brief_content`` (in ``build``) turns the results document into a ``BriefContent``;
``render_pdf`` and ``render_html`` only lay it out.  All wording is decided here and in
``wording``, ``text``, ``evidence``, ``retention`` and ``annex``, so it is tested once, exactly,
and both renderers say the same thing.  Pages 1-2 (the brief) hold the title, summary box,
headline panel with evidence strength and cost, the staff-retention headline, caveats and the
charts; ``annex`` (page 3 on) holds everything else."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pilot_eval.brief import text, wording
from pilot_eval.brief.errors import BriefError
from pilot_eval.brief.evidence import EvidenceRating, rate_evidence
from pilot_eval.brief.retention import RetentionHeadline, RetentionSpec
from pilot_eval.brief.tables import AnnexSection, DataTable

DATA_STATUS = "Management information, not official statistics"
LANGUAGE = "en-GB"
REQUIRED_KEYS = ("outcome", "estimate", "ci_low", "ci_high", "level", "group_means")


@dataclass(frozen=True)
class MeanPoint:
    """One arm's mean outcome in one period (``arm`` is ``"pilot"`` or ``"comparison"``)."""

    period: int
    label: str
    arm: str
    mean: float | None
    n: int | None


@dataclass(frozen=True)
class PilotStart:
    """A period in which some units started the pilot."""

    period: int
    label: str
    n_units: int | None


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
    spec: GroupMeansSpec | EventTimeSpec | RetentionSpec
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

    @property
    def date_text(self) -> str:
        """The date as a UK reader writes it: ``27 November 2026``."""
        return f"{self.date.day} {self.date:%B %Y}"

    @property
    def subtitle(self) -> str:
        """Organisation and date, for under the title."""
        return f"{self.organisation}, {self.date_text}" if self.organisation else self.date_text

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the date as ISO text, tuples as lists."""
        out = asdict(self)
        out["date"] = self.date.isoformat()
        return out


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def check_analysis(analysis: Mapping[str, Any], index: int) -> None:
    if not isinstance(analysis, Mapping):
        raise BriefError(f"analysis {index + 1} is a {type(analysis).__name__}, not a dictionary",
                         hint="Pass DidAnalysis.to_dict() results.")
    missing = [k for k in REQUIRED_KEYS if k not in analysis]
    if missing:
        raise BriefError(
            f"analysis {index + 1} ({analysis.get('outcome', 'unnamed outcome')}) has no "
            f"{', '.join(missing)}",
            hint="Pass DidAnalysis.to_dict() results, which carry these keys.")


def outcome_row(analysis: Mapping[str, Any], unit_noun: str = "teams") -> OutcomeRow:
    """The headline row of one analysis."""
    label = str(analysis.get("outcome_label") or analysis["outcome"])
    unit = str(analysis.get("outcome_unit") or "")
    polarity = str(analysis.get("polarity") or "neutral")
    estimate, low, high = (_number(analysis.get(k)) for k in ("estimate", "ci_low", "ci_high"))
    level = float(analysis.get("level") or 0.95)
    unavailable = analysis.get("unavailable") or {}
    missing = "estimate" if estimate is None else "ci_low" if low is None else "ci_high"
    sentence = wording.headline_sentence(
        label, unit, polarity, estimate, low, high, level=level,
        pilot=f"pilot {unit_noun}", comparison=f"comparison {unit_noun}",
        reason=str(unavailable.get(missing, "")) if isinstance(unavailable, Mapping) else "")
    return OutcomeRow(
        outcome=str(analysis["outcome"]), label=label, unit=unit, polarity=polarity,
        estimate=estimate, ci_low=low, ci_high=high, p_value=_number(analysis.get("p_value")),
        level=level, direction=wording.direction(estimate, low, high, polarity),
        effect_text=wording.effect_cell(estimate, unit),
        range_text=wording.range_cell(low, high, unit), sentence=sentence,
        evidence=rate_evidence(analysis, unit_noun=unit_noun))


def chart_content(analysis: Mapping[str, Any], row: OutcomeRow,
                  unit_noun: str = "teams") -> ChartContent:
    """The pilot-vs-comparison chart of one analysis, with alt text and data table."""
    means = tuple(
        MeanPoint(period=int(r["period"]), label=str(r.get("label", r["period"])),
                  arm=str(r["arm"]), mean=_number(r.get("mean")),
                  n=None if r.get("n") is None else int(r["n"]))
        for r in analysis.get("group_means") or ())
    starts = tuple(
        PilotStart(period=int(s["period"]), label=str(s.get("label", s["period"])),
                   n_units=None if s.get("n_units") is None else int(s["n_units"]))
        for s in analysis.get("pilot_starts") or ())
    plain_means = [asdict(m) for m in means]
    plain_starts = [asdict(s) for s in starts]
    pilot, comparison = f"Pilot {unit_noun}", f"Comparison {unit_noun}"
    table = DataTable(
        caption=f"{row.label}: mean per period in pilot and comparison {unit_noun}",
        columns=("Period", f"{pilot}: mean", f"{pilot} with data", f"{comparison}: mean",
                 f"{comparison} with data"),
        rows=text.means_table_rows(plain_means, row.unit))
    return ChartContent(
        title=text.chart_title(row.label, row.direction, row.estimate, unit_noun),
        alt_text=text.alt_text(row.label, row.unit, plain_means, plain_starts, unit_noun),
        table=table,
        key=text.chart_key(unit_noun, n_starts=len(starts)),
        spec=GroupMeansSpec(group_means=means, pilot_starts=starts, outcome_label=row.label,
                            unit=row.unit, unit_noun=unit_noun))


def method_note(analyses: Sequence[Mapping[str, Any]], unit_noun: str = "teams"
                ) -> tuple[str, ...]:
    """A short method note: the design in one sentence, then estimator and SEs per outcome."""
    design = (
        "Each effect is a difference-in-differences: the change in pilot "
        f"{unit_noun} after the pilot started, minus the change in comparison {unit_noun} "
        "over the same time. The range is a 95% confidence interval unless stated otherwise."
    )
    levels = {float(a.get("level") or 0.95) for a in analyses}
    if levels != {0.95}:
        shown = ", ".join(wording.level_words(v) for v in sorted(levels))
        design = design.replace("a 95% confidence interval unless stated otherwise",
                                f"a confidence interval at {shown}")
    return (design, *text.method_sentences(analyses, unit_noun))


def as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise BriefError(f"the brief date {value!r} is not a date",
                         hint="Give it as YYYY-MM-DD, for example 2026-11-27.") from exc
