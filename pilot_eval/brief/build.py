"""``build_brief_content``: the project's report -> ``BriefContent``.

Pages 1-2 headline the chosen outcomes (``BriefOptions.headline_outcomes``, else every outcome
when there are at most ``MAX_HEADLINE_OUTCOMES``, else the first that many); the rest are in
the annex with their numbers.  The brief reads the report's typed fields: it formats, it never
computes a statistic or chooses between figures.  The date is the options' date, else the day
the analysis ran, so a brief rebuilt from results.json is byte-identical to the first.
"""

from __future__ import annotations

from collections.abc import Sequence

from pilot_eval.brief import text
from pilot_eval.brief.annex_brief import short_annex
from pilot_eval.brief.content import (
    DATA_STATUS,
    DEMO_STATUS,
    BriefContent,
    BriefMetadata,
    ChartContent,
    EventTimeSpec,
    OutcomeRow,
    SummaryBox,
    as_date,
    chart_content,
    method_note,
    outcome_row,
)
from pilot_eval.brief.guard import TEXT_OPTIONS, check_field, check_options, replaced
from pilot_eval.brief.retention import curve_table, retention_headline, retention_spec
from pilot_eval.brief.tables import DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.report.errors import BriefError
from pilot_eval.report.evidence import evidence_reasons
from pilot_eval.report.options import MAX_HEADLINE_OUTCOMES, BriefOptions
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.planning_report import PlanningSection
from pilot_eval.report.project_report import ProjectReport
from pilot_eval.report.retention_report import RetentionReport
from pilot_eval.report.values import number
from pilot_eval.report.words import amount, format_value, lower_first, range_in_words

DEFAULT_HEADLINES = MAX_HEADLINE_OUTCOMES
PAGE_TWO_CHARTS = 3  # charts that must share page 2 (more would be too small to read)
PAGE_TWO_EXTRA = 2  # other headline outcomes' charts join page 2 only while it has fewer
ISSUE_PLACEHOLDER = "The analyst has not yet written the issue for this brief."
RECOMMENDATION_PLACEHOLDER = ("No recommendation has been written yet: the findings below are "
                              "offered for discussion.")
PARALLEL_CAVEAT = ("These are estimates, not proof: they assume that pilot and comparison "
                   "{units} would have changed in parallel without the pilot.")
SELECTION_CAVEAT = ("Pilot {units} were not chosen at random, so they may differ from "
                    "comparison {units} in ways the comparison does not capture.")
PRETREND_CAVEAT = ("Pilot and comparison {units} were already moving apart before the pilot, "
                   "so part of the difference may not be due to the pilot.")


def choose_headlines(outcomes: Sequence[OutcomeReport], wanted: Sequence[str]
                     ) -> tuple[list[int], list[int]]:
    """Indices of headline and annex-only outcomes."""
    names = [o.outcome for o in outcomes]
    if wanted:
        unknown = [w for w in wanted if w not in names]
        if unknown:
            raise BriefError(f"headline outcome(s) {', '.join(map(repr, unknown))} are not in the "
                             "results", hint=f"Choose from: {', '.join(names)}.")
        first = [names.index(w) for w in wanted]
    else:
        first = list(range(min(DEFAULT_HEADLINES, len(outcomes))))
    return first, [i for i in range(len(outcomes)) if i not in first]


def event_time_chart(report: OutcomeReport, row: OutcomeRow) -> ChartContent | None:
    """The event-study chart of one outcome (the rows the report chose to show)."""
    study = report.event_study
    if study is None or not study.rows:
        return None
    points = tuple((r.e, number(r.estimate), number(r.ci_low), number(r.ci_high))
                   for r in study.rows)
    after = [p for p in points if p[0] >= 0 and p[1] is not None]
    before = [p for p in points if p[0] < 0 and p[1] is not None]
    close = all(p[2] is not None and p[3] is not None and p[2] <= 0 <= p[3] for p in before)
    title = (f"The gap in {lower_first(row.label)} opened after the pilot started, not before"
             if after and before and close else
             f"Effect on {lower_first(row.label)} by periods since the pilot started")
    table = DataTable(
        caption=f"{row.label}: effect by periods since the pilot started (95% range)",
        columns=("Periods since start", "Effect", "Range low", "Range high"),
        rows=tuple((str(e), "0 (reference)", "", "") if e == study.reference and est is None
                   else (str(e), *(format_value(v, row.unit) for v in (est, lo, hi)))
                   for e, est, lo, hi in points))
    shown = ", ".join(f"{e}" for e, *_ in points)
    alt = (f"Chart of the estimated effect on {lower_first(row.label)} for each period relative "
           f"to the pilot start (periods {shown}), with 95% ranges as vertical bars; hollow "
           "circles before the start, filled squares after, a dashed line at the start. "
           "The values are in the table that goes with the chart.")
    key = ("Hollow circles: before the pilot. Filled squares: after. Bars: 95% ranges. "
           "Dashed line: pilot start.")
    return ChartContent(title=title, alt_text=alt, table=table, key=key,
                        spec=EventTimeSpec(points=points, outcome_label=row.label,
                                           unit=row.unit, reference=study.reference))


def retention_chart(retention: RetentionReport, options: BriefOptions,
                    sentence_hint: str) -> ChartContent | None:
    if not retention.groups:
        return None
    unit = retention.time_unit
    min_base = options.disclosure.min_base
    spec = retention_spec(retention.groups, unit, min_base)
    groups = " and ".join(g for g, _ in spec.arms)
    alt = (f"Step chart of the share of staff still in post against {unit} since starting, for "
           f"{groups} (pilot solid, comparison dashed), with a dotted line at 12 {unit}; "
           f"each curve stops where fewer than {min_base} staff remain. "
           f"{sentence_hint} The values are in the table that goes with the chart.")
    return ChartContent(
        title=retention_title(retention), alt_text=alt.replace("  ", " "),
        table=curve_table(retention.groups, options.disclosure, unit),
        key=(f"Solid line: pilot. Dashed line: comparison. Dotted line: 12 {unit}. Curves "
             f"stop where fewer than {min_base} staff remain at risk."),
        spec=spec)


def retention_verdict(retention: RetentionReport) -> str:
    """``"longer"``, ``"shorter"`` or ``"no clear change"`` from the report's pilot effect."""
    effect = retention.pilot_effect
    if effect is None or isinstance(effect, Unavailable):
        return "no clear change"
    low, high = number(effect.term.ci_low), number(effect.term.ci_high)
    if low is None or high is None or low <= 1 <= high:
        return "no clear change"
    return "longer" if high < 1 else "shorter"


def retention_title(retention: RetentionReport) -> str:
    verdict = retention_verdict(retention)
    if verdict == "no clear change":
        return "Staff stayed about as long in pilot teams as in comparison teams"
    return f"Staff stayed {verdict} in pilot teams than in comparison teams"


def generated_title(rows: Sequence[OutcomeRow], retention: RetentionReport | None,
                    unit_noun: str) -> str:
    title = text.active_title([(r.label, r.direction) for r in rows], unit_noun)
    if retention is not None and retention.cox is not None and not isinstance(retention.cox,
                                                                      Unavailable):
        verdict = retention_verdict(retention)
        title += ("; staff stayed " + verdict if verdict != "no clear change"
                  else "; no clear change in staff retention")
    return title


def cost_sentence(row: OutcomeRow) -> str:
    """A cost outcome in words: ``Cost per case fell by about £140 (95% range £11 to £280).``"""
    level = f"{row.level:.0%}"
    if row.estimate is None or row.ci_low is None or row.ci_high is None:
        return f"{row.sentence}"
    size = amount(row.estimate, row.unit)
    if row.ci_low <= 0 <= row.ci_high:
        return (f"{row.label}: no clear change (about {size} "
                f"{'higher' if row.estimate > 0 else 'lower'}; {level} range "
                f"{range_in_words(row.ci_low, row.ci_high, row.unit)}).")
    verb = "rose" if row.estimate > 0 else "fell"
    return (f"{row.label} {verb} by about {size} ({level} range "
            f"{range_in_words(row.ci_low, row.ci_high, row.unit)}).")


def cost_line(rows: Sequence[OutcomeRow], options: BriefOptions) -> str:
    """What it cost, in sentences: the analyst's running cost, then each cost outcome."""
    parts = []
    if options.cost:
        parts.append(f"Running the pilot cost {' '.join(options.cost.split()).rstrip('.')}.")
    parts += [cost_sentence(row) for row in rows if row.unit == "GBP"]
    return " ".join(parts) or "No cost data were given for this brief."


def small_staff_groups(retention: RetentionReport | None, min_base: int) -> list[str]:
    """Retention groups with fewer staff than the disclosure base."""
    return [g.name for g in (retention.groups if retention else ()) if g.n < min_base]


def caveats(outcomes: Sequence[OutcomeReport], rows: Sequence[OutcomeRow],
            unit_noun: str, retention: RetentionReport | None = None,
            min_base: int = 25) -> tuple[str, ...]:
    """Two or three caveats, most important first: parallel trends and selection (always),
    a failed pre-trend test, small numbers (clusters, then staff), short follow-up, missing
    data; for an outcome whose result is not clear, whether the pilot's design could have
    told (``OutcomeReport.planning``; the first such outcome, second in the list)."""
    chosen = list(text.caveats(outcomes, unit_noun))
    if len(chosen) == 1:  # nothing else stands out: give the design's two caveats separately
        chosen = [PARALLEL_CAVEAT.format(units=unit_noun), SELECTION_CAVEAT.format(units=unit_noun)]
    if retention is not None and retention.groups and not any(
            (at := g.at(12.0)) is not None and at.survival is not None
            for g in retention.groups):
        chosen.append("Short follow-up for staff: no group was followed for 12 months, so "
                      "longer-term retention is unknown.")
    if any(r.evidence and any("pre-trend test p" in why for why in r.evidence.reasons)
           for r in rows):
        chosen.insert(1, PRETREND_CAVEAT.format(units=unit_noun))
    small = small_staff_groups(retention, min_base)
    if small:
        where = 2 if len(chosen) > 1 and chosen[1].startswith("Small numbers") else 1
        chosen.insert(where, f"Few staff: fewer than {min_base} staff in "
                             f"{' and '.join(lower_first(g) for g in small)}, so retention "
                             "figures there are hidden or uncertain.")
    for o in outcomes:  # a result that is not clear: could the pilot's own design have told?
        if isinstance(o.planning, PlanningSection):
            chosen.insert(1, o.planning.sentence if len(outcomes) == 1
                          else f"{o.label}: {o.planning.sentence}")
            break  # the first such outcome only: the page has room for one
    return tuple(chosen[:text.MAX_CAVEATS])


def _checked_texts(report: ProjectReport, opts: BriefOptions) -> list[str]:
    """Every text the analyst or the data gave the brief, each checked for size (and the logo
    for its format) before anything is laid out."""
    check_options(opts)
    texts = [getattr(opts, name) for name in TEXT_OPTIONS]
    texts += [check_field(f"label of outcome {o.outcome!r}", o.label) for o in report.outcomes]
    texts += [check_field(f"narrative entry {key!r}", value) for key, value in report.narrative]
    retention = _retention(report)
    texts += [g.display for g in (retention.groups if retention else ())]
    return texts


def _retention(report: ProjectReport) -> RetentionReport | None:
    retention = report.retention
    return None if retention is None or isinstance(retention, Unavailable) else retention


def build_brief_content(report: ProjectReport, options: BriefOptions | None = None
                        ) -> BriefContent:
    """Build the brief's content from the project's report.

    ``options`` default to the report's own (``report.brief``: the project's brief options and
    narrative); pass others to preview a change without re-running.  With no date in the
    options the brief is dated the day the analysis ran (``report.qa.run_at``).
    """
    opts = options or report.brief
    outcomes = list(report.outcomes)
    if not outcomes:
        raise BriefError("there are no results to brief on",
                         hint="Run at least one analysis before exporting the brief.")
    user_texts = _checked_texts(report, opts)
    nouns = opts.unit_noun
    first, rest = choose_headlines(outcomes, opts.headline_outcomes)
    all_rows = [outcome_row(o, nouns) for o in outcomes]
    rows = tuple(all_rows[i] for i in first)
    headline_outcomes = [outcomes[i] for i in first]
    retention = _retention(report)
    chosen_title = (" ".join(opts.title.split()) if opts.title
                    else generated_title(rows, retention, nouns))
    brief_date = as_date(opts.date or report.qa.run_at.date())
    date_text = f"{brief_date.day} {brief_date:%B %Y}"

    group_charts = [chart_content(o, all_rows[i], nouns) if o.group_means else None
                    for i, o in enumerate(outcomes)]
    charts: list[ChartContent] = [c for c in (group_charts[first[0]],) if c]
    headline_retention = (retention_headline(retention, opts.disclosure) if retention
                          else None)
    if retention:
        hint = headline_retention.sentences[0] if headline_retention and \
            headline_retention.sentences else ""
        chart = retention_chart(retention, opts, hint)
        if chart:
            charts.append(chart)
    event = event_time_chart(outcomes[first[0]], all_rows[first[0]])
    if event is not None:
        charts.append(event)
    on_page_two = {first[0]}
    for index in first[1:]:  # room left on page 2: the other headline outcomes' charts
        extra = group_charts[index]
        if len(charts) < PAGE_TWO_EXTRA and extra is not None:
            charts.append(extra)
            on_page_two.add(index)
    annex_charts = tuple(c for i, c in enumerate(group_charts) if c and i not in on_page_two)

    labels = tuple(r.label for r in all_rows)
    metadata = BriefMetadata(
        title=chosen_title, author=opts.author or opts.organisation or "pilot-eval",
        subject="Evaluation of a pilot by difference-in-differences: " + "; ".join(labels),
        keywords=("difference-in-differences", "pilot evaluation",
                  *((opts.organisation,) if opts.organisation else ()), *labels))
    other = [all_rows[i] for i in rest]
    annex = short_annex(report, opts, retention, [r.sentence for r in other], date_text,
                        font_note=replaced(user_texts))
    notes = text.data_notes(outcomes) + (retention.warnings if retention else ())
    return BriefContent(
        title=chosen_title, organisation=opts.organisation, date=brief_date,
        headlines=tuple(r.sentence for r in rows), outcomes=rows, charts=tuple(charts),
        method_note=method_note(headline_outcomes, nouns),
        caveats=caveats(headline_outcomes, rows, nouns, retention, opts.disclosure.min_base),
        data_status=DEMO_STATUS if opts.demo else DATA_STATUS,
        metadata=metadata, data_notes=notes,
        summary=SummaryBox(
            issue=" ".join(opts.issue.split()) or ISSUE_PLACEHOLDER,
            recommendation=" ".join(opts.recommendation.split()) or RECOMMENDATION_PLACEHOLDER,
            decision=opts.decision.capitalize(), date_text=date_text),
        cost=cost_line(rows, opts), retention=headline_retention, annex=tuple(annex),
        annex_charts=annex_charts, logo=opts.logo,
        disclosure_note=(f"Staff counts under {opts.disclosure.min_count} shown as [c]; "
                         f"others rounded to the nearest {opts.disclosure.rounding}."),
        evidence_summary=evidence_reasons([(r.label, r.evidence) for r in rows]))
