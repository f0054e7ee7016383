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


def trend_sentence(result: Mapping[str, Any]) -> str:
    """Does the comparison look credible?  One plain sentence from the pre-trend test."""
    pretest = result.get("pretest") if isinstance(result.get("pretest"), Mapping) else {}
    p_value = _number((pretest or {}).get("p_value"))
    if p_value is not None and p_value < PRETEST_ALPHA:
        return (f"Warning: before the pilot, pilot and comparison teams were already moving "
                f"differently (pre-trend test p = {p_value:.2g}). The comparison may not show "
                "what would have happened without the pilot.")
    if p_value is not None:
        return (f"Before the pilot, pilot and comparison teams moved in parallel as far as the "
                f"data can tell (pre-trend test p = {p_value:.2g}), so the comparison looks "
                "credible. A test cannot prove the trends are parallel.")
    pre = pre_periods(result)
    if pre is not None and pre < 2:
        return (f"Only {pre} period(s) of data before the pilot: whether the two groups moved "
                "in parallel cannot be checked. Treat the result with care.")
    return ("No pre-trend test for this estimator. Check by eye that the lines run side by "
            "side before the pilot started (the dashed line).")


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
        rows.append(("Pre-trend test", f"p = {_fmt(pretest.get('p_value'))}"))
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
