"""The brief's short annex (at most four pages): the method in plain words, the data and what
was left out, why the evidence has its rating, the quality-assurance summary and a glossary.

Every table of figures is in the technical report (``technical``) and tables.xlsx; this annex
only says what a reader of the two-page brief needs to trust it.  Everything here formats
fields of the report: no statistic is computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from pilot_eval.brief import text
from pilot_eval.brief.annex import DESIGN_PLAIN
from pilot_eval.brief.annex_qa import GLOSSARY, counted, cross_check_outcome
from pilot_eval.brief.synthetic import synthetic_sentences
from pilot_eval.brief.tables import AnnexSection, DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.exclusions import rows_text
from pilot_eval.report.evidence import BOUND_WORDS, power_text
from pilot_eval.report.options import BriefOptions
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.project_report import ProjectReport
from pilot_eval.report.retention_report import RetentionReport
from pilot_eval.report.values import number
from pilot_eval.report.words import (
    comparison_group,
    estimator_title,
    lower_first,
    number_in_words,
    p_value_text,
    thousands,
)

FULL_TABLES = ("Every table behind these figures (each outcome's estimates by period and by "
               "start date, the checks, the retention and workforce tables, the data behind "
               "the charts and the notes on the data) is in technical-report.pdf, and as "
               "numbers in tables.xlsx, both written beside this brief; results.json holds "
               "every figure to full precision.")
SHORT_GLOSSARY = ("Difference-in-differences", "Parallel trends", "95% range (confidence "
                  "interval)", "Cluster", "Hazard ratio", "Maryland Scientific Methods Scale",
                  "[c]")


def method_section(outcomes: Sequence[OutcomeReport], unit_noun: str) -> AnnexSection:
    """The design and each outcome's method in plain words, and the comparison used."""
    comparisons: dict[str, list[str]] = {}
    for o in outcomes:
        group = comparison_group(o.headline.comparison, unit_noun)
        comparisons.setdefault(group, []).append(o.label)
    compared = "; ".join(
        f"{'every outcome' if len(labels) == len(outcomes) else ', '.join(labels)}: "
        f"pilot {unit_noun} against {group}" for group, labels in comparisons.items())
    reasons: dict[str, list[str]] = {}
    for o in outcomes:
        h = o.headline
        if h.estimator_reason:
            key = f"{estimator_title(h.estimator)}, because {lower_first(h.estimator_reason)}"
            reasons.setdefault(key.rstrip(".") + ".", []).append(o.label)
    bullets = [f"{'All outcomes' if len(labels) == len(outcomes) > 1 else '; '.join(labels)}: "
               f"{reason}" for reason, labels in reasons.items()]
    return AnnexSection(
        heading="How the effect was estimated",
        paragraphs=(DESIGN_PLAIN.format(units=unit_noun),
                    f"Comparisons: {compared}.",
                    *text.method_sentences(outcomes, unit_noun),
                    *synthetic_sentences(outcomes, unit_noun)),
        bullets=tuple(bullets))


def _source_line(source) -> str:
    parts = [f"{source.file} ({source.role}): {thousands(source.rows_read)} rows analysed"]
    if source.header_row and source.header_row > 1:
        parts.append(f"column names read from row {source.header_row}")
    if source.excluded_rows:
        count = len(source.excluded_rows)
        parts.append(f"the analyst left out {count:,} row{'s' if count != 1 else ''} "
                     f"(file rows {rows_text(source.excluded_rows)})")
    fingerprint = f"SHA-256 {source.sha256}" if source.sha256 else "no fingerprint"
    return "; ".join(parts) + f"; {fingerprint}."


def data_section(report: ProjectReport, retention: RetentionReport | None,
                 unit_noun: str) -> AnnexSection:
    """Each file analysed, the rows the analyst left out, and for each outcome what the
    estimator used and what it dropped and why."""
    span = report.provenance
    paragraphs = [_source_line(s) for s in span.sources]
    if span.first_period and span.last_period:
        paragraphs.append(f"Periods analysed: {span.first_period} to {span.last_period}.")
    bullets = []
    for o in report.outcomes:
        data = o.data
        missing = ""
        if data.cells_expected and data.cells_observed is not None:
            gap = data.cells_expected - data.cells_observed
            missing = (f"; {gap:,} of {data.cells_expected:,} {unit_noun.removesuffix('s')}"
                       f"-periods have no value" if gap > 0 else
                       f"; every {unit_noun.removesuffix('s')}-period has a value")
        used = (data.usage.replace(" will use ", " used ", 1) if data.usage else
                f"{thousands(data.rows_used)} of {thousands(data.rows_read)} rows used")
        bullets.append(f"{o.label}: {used}{missing}.")
    if retention is not None and retention.data is not None:
        staff = retention.data
        extract = f", extracted on {staff.extract_date}" if staff.extract_date else ""
        observed = (f"; spells observed from {staff.observed_from}" if staff.observed_from
                    else "")
        spells = f" ({thousands(staff.spells)} spells)" if staff.spells is not None else ""
        bullets.append(f"Staff records: {thousands(staff.rows_read)} rows{spells}{extract}"
                       f"{observed}.")
    return AnnexSection(heading="Data used and what was left out", paragraphs=tuple(paragraphs),
                        bullets=tuple(bullets))


def _trend_check(o: OutcomeReport) -> str:
    test = o.pretest.used
    parts = []
    if test is not None:
        p = p_value_text(number(test.p_value)) or "p not available"
        power = (f", with a chance of {power_text(test.power)} of detecting a straight-line "
                 "trend large enough to explain the whole effect" if test.power is not None
                 else "")
        parts.append(f"pre-trend test {p}{power}")
    else:
        parts.append(f"no pre-trend test could be read ({o.pretest.why})")
    sensitivity = o.sensitivity
    if sensitivity is not None and not isinstance(sensitivity, Unavailable):
        words = BOUND_WORDS.get(sensitivity.bound, sensitivity.bound)
        verdict = {True: "holds", False: "does not hold", None: "could not be computed"}[
            sensitivity.robust]
        trend = sensitivity.trend
        shown = ""
        if sensitivity.bound == "smoothness" and trend is not None and not isinstance(
                trend, Unavailable):
            shown = (f" (range {_signed(trend.low, o.unit)} to {_signed(trend.high, o.unit)})")
        parts.append(f"the effect {verdict} when {words}{shown}")
    return "; ".join(parts)


def _signed(value: float, unit: str) -> str:
    text = number_in_words(value)
    sign = "-" if value < 0 else ""
    return f"{sign}£{text}" if unit == "GBP" else f"{sign}{text}"


def rating_section(outcomes: Sequence[OutcomeReport], unit_noun: str) -> AnnexSection:
    """Why each outcome's evidence has its rating: the design's ceiling, each check's result,
    what lowered it and what could not be checked."""
    if not outcomes:
        return AnnexSection(heading="Why the evidence has its rating")
    rules = (
        "Each problem lowers the rating by one level: pilot and comparison "
        f"{unit_noun} already moving apart before the pilot, or a pre-trend test too weak to "
        "see a trend that could explain the effect when the effect also fails the sensitivity "
        f"bound; fewer than 30 clusters or 10 pilot clusters; one {unit_noun.removesuffix('s')}"
        " moving the estimate by more than its standard error; more than 10% of values "
        "missing. The rules were checked on simulated pilots (docs/evidence-rating.md).")
    if any(o.synthetic is not None for o in outcomes):
        rules += (" A synthetic comparison is rated on its own checks instead of the "
                  "pre-trend test: a poor pre-period fit (the synthetic comparison missing the "
                  "pilot by more than the comparison units' usual change from one period to the "
                  "next), or a clear effect whose placebo rank is not in the top 5%, each lowers "
                  "it by one level, as do fewer than 2 periods before the pilot and missing "
                  "data.")
    bullets = []
    for o in outcomes:
        rating = o.evidence
        checks = ([f"{c.name} {c.rating} ({c.text})" for c in o.synthetic.checks]
                  if o.synthetic is not None else [_trend_check(o)])
        clusters = o.headline.clusters
        if clusters.n is not None:
            pilots = f" ({clusters.n_pilot} with pilot {unit_noun})" if clusters.n_pilot else ""
            checks.append(f"{clusters.n} clusters{pilots}")
        why = " ".join(rating.reasons) or "Nothing found lowers it."
        unchecked = (f" Not checked: {'; '.join(rating.not_checked)}."
                     if rating.not_checked else "")
        bullets.append(f"{o.label}: {rating.label}. {why} Checks: {'; '.join(checks)}."
                       f"{unchecked}")
    return AnnexSection(heading="Why the evidence has its rating",
                        paragraphs=(outcomes[0].evidence.design, rules), bullets=tuple(bullets))


def qa_summary(report: ProjectReport, options: BriefOptions, date_text: str,
               font_note: str = "") -> AnnexSection:
    """Who ran what, when, with which software and seeds; data checks and the re-estimate in
    one line each; the disclosure rule."""
    qa = report.qa
    who = options.analyst or options.author or "an analyst not named in the project"
    clock = ("" if qa.clock == "system" else
             " (dated by a fixed clock, not the computer's: "
             f"{qa.clock.removeprefix('fixed (').removesuffix(')')})")
    seeds = options.seeds or qa.seeds
    bullets = [
        f"Analysis run by {who}; results produced {qa.run_date_text} at {qa.run_at:%H:%M}"
        f"{clock}; brief dated {date_text}.",
        f"pilot-eval {qa.pilot_eval_version}; "
        + ", ".join(f"{name} {version}" for name, version in qa.software
                    if name != "pilot-eval") + ".",
        "Random seeds: " + (", ".join(str(s) for s in seeds) if seeds
                            else "none used (no bootstrap or simulation)") + ".",
    ]
    for o in report.outcomes:
        problems = o.validation
        errors = sum(1 for p in problems if p.severity.lower() == "error")
        checked = ("data checks passed with no findings" if not problems else
                   f"data checks: {counted(len(problems), 'finding')}, "
                   f"{counted(errors, 'error')}")
        again = (f"; independent re-estimate: {cross_check_outcome(o.cross_check)}"
                 if o.cross_check is not None else "")
        bullets.append(f"{o.label}: {checked}{again}.")
    retention = report.retention
    if retention is not None and not isinstance(retention, Unavailable):
        count = len(retention.validation)
        bullets.append("Staff records: " + ("data checks passed with no findings." if not count
                                            else f"data checks: {counted(count, 'finding')}."))
    bullets.append(options.disclosure.describe())
    if font_note:
        bullets.append(font_note)
    return AnnexSection(heading="Quality assurance", bullets=tuple(bullets))


def glossary() -> AnnexSection:
    rows = tuple(row for row in GLOSSARY if row[0] in SHORT_GLOSSARY)
    return AnnexSection(heading="Glossary", tables=(DataTable(
        caption="Terms used in this brief", columns=("Term", "Meaning"), rows=rows),))


def short_annex(report: ProjectReport, options: BriefOptions, retention: RetentionReport | None,
                other: Sequence[str], date_text: str, *,
                font_note: str = "") -> tuple[AnnexSection, ...]:
    """The brief's annex, in order; ``other`` are the sentences of outcomes not headlined."""
    nouns = options.unit_noun
    outcomes = report.outcomes
    sections = [method_section(outcomes, nouns), data_section(report, retention, nouns),
                rating_section(outcomes, nouns)]
    if other:
        sections.append(AnnexSection(heading="Other outcomes", paragraphs=tuple(other)))
    sections += [qa_summary(report, options, date_text, font_note), glossary(),
                 AnnexSection(heading="The full tables", paragraphs=(FULL_TABLES,))]
    return tuple(sections)
