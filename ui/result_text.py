"""Words and table rows for a DiD result dictionary (``DidAnalysis.to_dict()``).

Pure functions, so the window only places text: the sentence and the table are tested without a
window against the numbers of ``run_analysis``.
"""

from __future__ import annotations

import math
from typing import Any

UNIT_WORDS = {"%": "percentage points", "GBP": "", "points": "points", "": ""}
ESTIMATOR_NAMES = {"twfe": "Two-way fixed effects", "2x2": "Classic 2x2 comparison"}
SE_NAMES = {"cluster": "Clustered by unit (CR1)", "hc1": "Robust (HC1)", "iid": "Classical (iid)"}
DIGITS = 3


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def format_amount(value: Any, unit: str = "", *, signed: bool = False) -> str:
    """``value`` in the outcome's unit: ``+3.21 percentage points``, ``-£12.50``, ``0.04``."""
    number = _number(value)
    if number is None:
        return "not available"
    sign = "+" if signed and number > 0 else ("-" if number < 0 else "")
    magnitude = abs(number)
    if unit == "GBP":
        return f"{sign}£{magnitude:,.2f}"
    text = f"{sign}{magnitude:,.{DIGITS}g}" if magnitude < 1 else f"{sign}{magnitude:,.2f}"
    words = UNIT_WORDS.get(unit, unit)
    return f"{text} {words}".rstrip()


def format_range(low: Any, high: Any, unit: str = "") -> str:
    """``2.67 to 5.72 percentage points``; signs only when the range reaches below zero."""
    lo, hi = _number(low), _number(high)
    if lo is None or hi is None:
        return "not available"
    signed = lo < 0
    if unit == "GBP":
        return f"{format_amount(lo, unit, signed=signed)} to {format_amount(hi, unit, signed=signed)}"
    words = UNIT_WORDS.get(unit, unit)
    first = format_amount(lo, "", signed=signed)
    second = format_amount(hi, "", signed=signed)
    return f"{first} to {second} {words}".rstrip()


def format_p_value(value: Any) -> str | None:
    """``< 0.001`` for very small p-values, else three decimals."""
    p = _number(value)
    if p is None:
        return None
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def strip_severity(text: str) -> str:
    """Drop a leading ``warning:`` (the list already says these are warnings)."""
    return text[len("warning:"):].lstrip() if text.lower().startswith("warning:") else text


def unavailable_reason(result: dict[str, Any], name: str) -> str:
    reason = (result.get("unavailable") or {}).get(name)
    return f"not available ({reason})" if reason else "not available"


def verdict(estimate: float, polarity: str) -> str:
    """``"better"``, ``"worse"`` or ``""`` (neutral outcome or no change)."""
    if estimate == 0 or polarity not in ("higher_is_better", "lower_is_better"):
        return ""
    return "better" if (estimate > 0) == (polarity == "higher_is_better") else "worse"


def headline(result: dict[str, Any]) -> str:
    """One plain sentence: the estimated change, its 95% range, whether that is better or
    worse for the outcome, and what it is compared with."""
    label = result.get("outcome_label") or result.get("outcome") or "the outcome"
    unit = result.get("outcome_unit", "")
    estimate = _number(result.get("estimate"))
    if estimate is None:
        return f"The pilot's effect on {label} could not be estimated: " \
               f"{unavailable_reason(result, 'estimate')}."
    level = _number(result.get("level")) or 0.95
    low, high = _number(result.get("ci_low")), _number(result.get("ci_high"))
    direction = "raised" if estimate > 0 else "lowered" if estimate < 0 else "did not change"
    amount = format_amount(abs(estimate), unit)
    if estimate == 0:
        sentence = f"Compared with teams that kept the old rules, the pilot did not change {label}"
    else:
        sentence = (f"Compared with teams that kept the old rules, the pilot {direction} "
                    f"{label} by about {amount}")
    unsure = low is not None and high is not None and low <= 0 <= high
    if low is not None and high is not None:
        sentence += f" ({level:.0%} range {format_range(low, high, unit)})"
    judged = verdict(estimate, str(result.get("polarity", "neutral")))
    if judged:
        sentence += f", which {'would be' if unsure else 'is'} {judged}"
    if unsure:
        sentence += "; the range includes no change, so the data cannot rule out no effect"
    return sentence + "."


def _count(value: Any) -> str:
    number = _number(value)
    return f"{int(number):,}" if number is not None else "not available"


def result_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the result table, in reading order."""
    unit = result.get("outcome_unit", "")
    level = _number(result.get("level")) or 0.95
    low, high = result.get("ci_low"), result.get("ci_high")
    if _number(low) is None or _number(high) is None:
        interval = unavailable_reason(result, "ci_low")
    else:
        interval = format_range(low, high, unit)
    p_value = format_p_value(result.get("p_value"))
    estimator = result.get("estimator", "")
    se_type = result.get("se_type", "")
    rows = [
        ("Outcome", str(result.get("outcome_label") or result.get("outcome", ""))),
        ("Estimated effect", format_amount(result.get("estimate"), unit, signed=True)
         if _number(result.get("estimate")) is not None
         else unavailable_reason(result, "estimate")),
        (f"{level:.0%} range", interval),
        ("Standard error", format_amount(result.get("se"), unit)
         if _number(result.get("se")) is not None else unavailable_reason(result, "se")),
        ("p-value", p_value if p_value is not None else unavailable_reason(result, "p_value")),
        ("Method", ESTIMATOR_NAMES.get(estimator, estimator)),
        ("Standard errors", str(result.get("se_description") or SE_NAMES.get(se_type, se_type))),
        ("Units (teams)", _count(result.get("n_units"))),
        ("Clusters", _count(result.get("n_clusters"))),
        ("Observations used", _count(result.get("n_obs"))),
    ]
    choice = result.get("choice") or {}
    if choice.get("reason"):
        rows.append(("Why this method", str(choice["reason"])))
    return rows


def warning_lines(result: dict[str, Any]) -> list[str]:
    return [strip_severity(str(w)) for w in result.get("warnings", []) or []]
