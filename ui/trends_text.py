"""Plain-English lines about pre-pilot trends and robustness, from a DiD result dictionary.

Every function reads the keys of ``DidAnalysis.to_dict()`` (docs/architecture.md) and says
nothing about a key that is absent, so results from any estimator can be shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

PRETEST_ALPHA = 0.05


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def pre_periods(result: Mapping[str, Any]) -> int | None:
    """How many periods of data come before the first pilot start (None when unknown)."""
    starts = [int(s["period"]) for s in result.get("pilot_starts") or () if "period" in s]
    periods = {int(r["period"]) for r in result.get("group_means") or () if "period" in r}
    if not starts or not periods:
        return None
    return sum(p < min(starts) for p in periods)


def p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def pretest_unreliable(result: Mapping[str, Any]) -> bool:
    """The estimator warned that its pre-trend test is poorly estimated (few clusters for
    many restrictions), so its p-value can be far too small."""
    return any(("pre-test" in str(w) or "pretest" in str(w)) and "too small" in str(w)
               for w in result.get("warnings") or ())


def leads_covering_zero(result: Mapping[str, Any]) -> tuple[int, int]:
    """(pre-pilot event-time estimates whose range includes zero, all of them)."""
    leads = []
    for row in result.get("event_time") or ():
        e, low, high = _number(row.get("e")), _number(row.get("ci_low")), _number(
            row.get("ci_high"))
        if e is not None and e < 0 and low is not None and high is not None:
            leads.append(low <= 0 <= high)
    return sum(leads), len(leads)


def trend_sentence(result: Mapping[str, Any]) -> str:
    """Does the comparison look credible?  One plain sentence from the pre-trend test."""
    if result.get("pretest_pending"):
        return pending_sentence(result)
    pretest = result.get("pretest") if isinstance(result.get("pretest"), Mapping) else {}
    p_value = _number((pretest or {}).get("p_value"))
    covered, leads = leads_covering_zero(result)
    lead_text = (f" {covered} of the {leads} pre-pilot estimates in the Impact chart have "
                 "ranges that include zero." if leads else "")
    if p_value is not None and pretest_unreliable(result):
        return ("The joint pre-trend test is not reliable here (many pre-pilot periods for "
                f"few teams, {p_text(p_value)}), so judge by the lines before the pilot."
                + lead_text)
    if p_value is not None and p_value < PRETEST_ALPHA:
        return (f"Warning: before the pilot, pilot and comparison teams were already moving "
                f"differently (pre-trend test {p_text(p_value)}). The comparison may not show "
                "what would have happened without the pilot." + lead_text)
    if p_value is not None:
        return (f"Before the pilot, pilot and comparison teams moved in parallel as far as the "
                f"data can tell (pre-trend test {p_text(p_value)}), so the comparison looks "
                "credible. A test cannot prove the trends are parallel." + lead_text)
    pre = pre_periods(result)
    if pre is not None and pre < 2:
        return (f"Only {pre} period{'s' if pre != 1 else ''} of data before the pilot: whether "
                "the two groups moved in parallel cannot be checked. Treat the result with care.")
    return ("No pre-trend test for this estimator. Check by eye that the lines run side by "
            "side before the pilot started (the dotted line)." + lead_text)


def pending_sentence(result: Mapping[str, Any]) -> str:
    """Before the analysis: what to look for in the chart; the test comes with the analysis."""
    pre = pre_periods(result)
    if pre is not None and pre < 2:
        return (f"Only {pre} period{'s' if pre != 1 else ''} of data before the pilot: whether "
                "the two groups moved in parallel cannot be checked. Treat the result with care.")
    periods = f"{pre} periods before the pilot. " if pre else ""
    return (f"{periods}Check that the lines run side by side before the pilot started (the "
            "dotted line). The pre-trend test is added when the analysis runs (Impact step).")


def _fmt(value: Any, digits: int = 3) -> str:
    number = _number(value)
    return "not available" if number is None else f"{number:.{digits}g}"


def robustness_rows(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(check, finding)`` rows for the robustness and sensitivity results present."""
    rows: list[tuple[str, str]] = []
    choice = result.get("choice")
    if isinstance(choice, Mapping) and choice.get("reason"):
        rows.append(("Why this method", str(choice["reason"])))
    pretest = result.get("pretest")
    if isinstance(pretest, Mapping) and pretest:
        p_value = _number(pretest.get("p_value"))
        text = "not available" if p_value is None else p_text(p_value)
        if p_value is not None and pretest_unreliable(result):
            text += " (not reliable: many pre-pilot periods for few teams)"
        rows.append(("Pre-trend test", text))
    placebo = result.get("placebo")
    if isinstance(placebo, Mapping) and placebo.get("estimate") is not None:
        rows.append(("Placebo (fake earlier start)",
                     f"{_fmt(placebo.get('estimate'))} (range {_fmt(placebo.get('ci_low'))} to "
                     f"{_fmt(placebo.get('ci_high'))}); should be near zero"))
    sensitivity = result.get("sensitivity")
    if isinstance(sensitivity, Mapping) and sensitivity:
        value = sensitivity.get("breakdown") or sensitivity.get("breakdown_value")
        rows.append(("Sensitivity to trend violations", f"breakdown value {_fmt(value)}"))
    loo = result.get("leave_one_out")
    if isinstance(loo, Mapping) and loo:
        rows.append(("Leaving out one team at a time",
                     f"estimates from {_fmt(loo.get('min'))} to {_fmt(loo.get('max'))}"))
    elif isinstance(loo, list) and loo:
        values = [v for v in (_number(r.get("estimate")) for r in loo) if v is not None]
        if values:
            rows.append(("Leaving out one team at a time",
                         f"estimates from {min(values):.3g} to {max(values):.3g}"))
    bacon = result.get("bacon")
    if isinstance(bacon, Mapping) and bacon:
        weight = bacon.get("forbidden_weight") or bacon.get("later_vs_earlier_weight")
        if weight is not None:
            rows.append(("Goodman-Bacon: weight on already-treated comparisons",
                         f"{_fmt(weight)}"))
    return rows
