"""The Trends step in words: is the comparison credible?  Formatted from the report's pre-trend
choice (``TrendsReport.pretest`` before a run, ``OutcomeReport.pretest`` after: which test is
read and why), never computed here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pilot_eval.report import words
from pilot_eval.report.values import number

PRETEST_ALPHA = 0.05


def pre_periods(group_means: Sequence[Any], pilot_starts: Sequence[Any]) -> int | None:
    """Periods of data before the first pilot start (None when unknown)."""
    if not pilot_starts:
        return None
    first = min(s.period for s in pilot_starts)
    return len({m.period for m in group_means if m.period < first})


def _periods(count: int, kind: str = "") -> str:
    one, many = words.period_nouns(kind)
    return f"{count} {one if count == 1 else many}"


def leads_covering_zero(trends: Any) -> tuple[int, int]:
    """(pre-pilot event-study estimates whose range includes zero, all of them)."""
    study = trends.event_study
    rows = [r for r in (study.rows if study is not None else ()) if r.e < 0
            and number(r.ci_low) is not None and number(r.ci_high) is not None]
    return sum(number(r.ci_low) <= 0 <= number(r.ci_high) for r in rows), len(rows)


def trend_sentence(trends: Any) -> str:
    """Does the comparison look credible?  One plain sentence from the test the report reads
    (``trends``: a ``TrendsReport``, or an ``OutcomeReport``, which has the same fields)."""
    covered, leads = leads_covering_zero(trends)
    lead_text = (f" {covered} of the {leads} pre-pilot estimates in the Impact chart have "
                 "ranges that include zero." if leads else "")
    used = trends.pretest.used
    p_value = number(used.p_value) if used is not None else None
    if p_value is not None and p_value < PRETEST_ALPHA:
        return ("Warning: before the pilot, pilot and comparison teams were already moving "
                f"differently (pre-trend test {words.p_value_text(p_value)}). The comparison "
                "may not show what would have happened without the pilot." + lead_text)
    if p_value is not None:
        return ("Before the pilot, pilot and comparison teams moved in parallel as far as the "
                f"data can tell (pre-trend test {words.p_value_text(p_value)}), so the "
                "comparison looks credible. A test cannot prove the trends are parallel."
                + lead_text)
    pre = pre_periods(trends.group_means, trends.pilot_starts)
    if pre is not None and pre < 2:
        return (f"Only {_periods(pre, trends.period_kind)} of data before the pilot: whether "
                "the two groups moved in parallel cannot be checked. Treat the result with "
                "care.")
    if trends.pretest.tests:
        return (f"No pre-trend test can be read here ({trends.pretest.why}), so judge by the "
                "lines before the pilot." + lead_text)
    return ("No pre-trend test for this estimator. Check by eye that the lines run side by "
            "side before the pilot started (the dotted line)." + lead_text)
