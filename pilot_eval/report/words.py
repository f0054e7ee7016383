"""Shared wording: the words the window AND the brief use for the same figures.

Small pure functions, each tested exactly; the window (``pilot_eval.ui``) and the brief import
them from here so both say the same thing.  Estimator names in words, the 2-significant-figure
number rule, thousands separators, period labels and the comparison phrase all live here.

Rules (Government Analysis Function guidance on communicating uncertainty):

* effects in words are rounded to 2 significant figures (half away from zero), exact values
  belong in the annex;
* the unit is the outcome's own: percentage points for ``"%"`` outcomes (the range then says
  "points"), pounds with thousands separators for ``"GBP"``, "points" for indices;
* the direction is judged against the outcome's polarity: "better" / "worse", or "no clear
  change" when the range includes zero; a ``"neutral"`` outcome is only "higher" / "lower";
* a range that crosses zero is written as "from X lower to Y higher", never with minus signs.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Direction = Literal["better", "worse", "no clear change", "higher", "lower", "not assessed"]
SIGNIFICANT_FIGURES = 2


def round_significant(value: float, figures: int = SIGNIFICANT_FIGURES) -> float:
    """``value`` rounded to ``figures`` significant figures, halves away from zero.

    Works on the shortest decimal representation, so ``0.125`` rounds to ``0.13`` as a reader
    expects (binary floating point would give ``0.12``).
    """
    if value == 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(abs(value)))
    quantum = Decimal(1).scaleb(exponent - figures + 1)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded != 0 and abs(rounded) >= Decimal(10) ** (exponent + 1):  # 9.96 -> 10
        quantum = Decimal(1).scaleb(exponent - figures + 2)
        rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(rounded)


def number_in_words(magnitude: float, figures: int = SIGNIFICANT_FIGURES) -> str:
    """A non-negative number at ``figures`` significant figures: ``4.1``, ``1,200``, ``0.052``.

    Trailing zeros are dropped (``2.0`` is written ``2``, ``0.20`` as ``0.2``): fewer digits
    read more easily, and the exact value is in the annex.
    """
    rounded = round_significant(abs(magnitude), figures)
    if rounded == 0:
        return "0"
    exponent = math.floor(math.log10(rounded))
    decimals = max(0, figures - 1 - exponent)
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount(magnitude: float, unit: str, *, short: bool = False) -> str:
    """A size of effect in the outcome's unit.

    ``short`` is for the second end of a range ("2.3 to 5.9 points"): percentage-point
    effects then say just "points".
    """
    number = number_in_words(magnitude)
    points = "point" if number == "1" else "points"
    if unit == "GBP":
        return f"£{number}"
    if unit == "%":
        return f"{number} {points}" if short else f"{number} percentage {points}"
    if unit == "points":
        return f"{number} {points}"
    return f"{number} {unit}" if unit else number


def direction(
    estimate: float | None,
    ci_low: float | None,
    ci_high: float | None,
    polarity: str,
) -> Direction:
    """Whether the pilot did better or worse, judged against the outcome's polarity.

    "no clear change" when the range includes zero (or the estimate is exactly zero);
    "not assessed" when the estimate or its range is missing.
    """
    if estimate is None or ci_low is None or ci_high is None:
        return "not assessed"
    if ci_low <= 0 <= ci_high or estimate == 0:
        return "no clear change"
    rose = estimate > 0
    if polarity == "higher_is_better":
        return "better" if rose else "worse"
    if polarity == "lower_is_better":
        return "worse" if rose else "better"
    return "higher" if rose else "lower"


def range_in_words(ci_low: float, ci_high: float, unit: str) -> str:
    """The range without signs: ``2.3 to 5.9 points`` or ``£310 lower to £70 higher``."""
    if ci_low < 0 < ci_high:
        return f"{amount(ci_low, unit, short=True)} lower to {amount(ci_high, unit, short=True)} higher"
    low, high = sorted((abs(ci_low), abs(ci_high)))
    low_text = amount(low, unit, short=True)
    high_text = amount(high, unit, short=True)
    if unit in ("%", "points"):  # "2.3 to 5.9 points"
        low_text = low_text.removesuffix(" points").removesuffix(" point")
    elif unit not in ("GBP", "") and low_text.endswith(f" {unit}"):
        low_text = low_text.removesuffix(f" {unit}")
    return f"{low_text} to {high_text}"


def level_words(level: float) -> str:
    """``0.95`` -> ``"95%"``."""
    return f"{round(level * 100, 1):g}%"


def lower_first(text: str) -> str:
    """Sentence-case a label for use mid-sentence, keeping acronyms (``"NHS staff"``)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def headline_sentence(
    label: str,
    unit: str,
    polarity: str,
    estimate: float | None,
    ci_low: float | None,
    ci_high: float | None,
    *,
    level: float = 0.95,
    pilot: str = "pilot teams",
    comparison: str = "comparison teams",
    reason: str = "",
) -> str:
    """One plain-language sentence with the effect and its range in the outcome's own units.

    Examples
    --------
    >>> headline_sentence("Cases closed with goals met", "%", "higher_is_better", 4.137, 2.31, 5.94)
    'Cases closed with goals met: about 4.1 percentage points higher in pilot teams than in \
comparison teams (95% range: 2.3 to 5.9 points higher), which is better.'
    """
    where = f"in {pilot} than in {comparison}"
    if estimate is None:
        because = f" ({reason})" if reason else ""
        return f"{label}: the effect could not be estimated{because}."
    if estimate == 0:
        change = f"{label}: about the same in {pilot} as in {comparison}"
    else:
        change = f"{label}: about {amount(estimate, unit)} {'higher' if estimate > 0 else 'lower'} {where}"
    if ci_low is None or ci_high is None:
        because = f": {reason}" if reason else ""
        return f"{change} (the {level_words(level)} range could not be calculated{because})."
    verdict = direction(estimate, ci_low, ci_high, polarity)
    if verdict == "no clear change":
        best = ("about the same" if estimate == 0 else
                f"about {amount(estimate, unit)} {'higher' if estimate > 0 else 'lower'}")
        return (f"{label}: no clear change in {pilot} compared with {comparison}: the best "
                f"estimate is {best}, but the {level_words(level)} range runs from "
                f"{range_in_words(ci_low, ci_high, unit)}.")
    side = "higher" if estimate > 0 else "lower"
    text = f"{change} ({level_words(level)} range: {range_in_words(ci_low, ci_high, unit)} {side})"
    if verdict in ("better", "worse"):
        return f"{text}, which is {verdict}."
    return f"{text}."


def effect_cell(estimate: float | None, unit: str) -> str:
    """A signed effect for a table cell: ``+4.1 percentage points``, ``-£120``."""
    if estimate is None:
        return "not available"
    sign = "+" if estimate > 0 else "-" if estimate < 0 else ""
    return f"{sign}{amount(estimate, unit)}"


def _signed(value: float, unit: str) -> str:
    sign = "+" if value > 0 else "-" if value < 0 else ""
    number = number_in_words(value)
    return f"{sign}£{number}" if unit == "GBP" else f"{sign}{number}"


def range_cell(ci_low: float | None, ci_high: float | None, unit: str) -> str:
    """A signed range for a table cell: ``+2.3 to +5.9 percentage points``, ``-£310 to +£70``."""
    if ci_low is None or ci_high is None:
        return "not available"
    text = f"{_signed(ci_low, unit)} to {_signed(ci_high, unit)}"
    suffix = {"GBP": "", "": "", "%": " percentage points"}.get(unit, f" {unit}")
    return text + suffix


ESTIMATOR_NAMES = {
    "twfe": "two-way fixed effects difference-in-differences (unit and period effects)",
    "2x2": "a 2x2 difference-in-differences (change in pilot teams minus change in comparison "
           "teams)",
    "event-study": "an event study (effects for each period around each unit's pilot start, "
                   "with unit and period effects)",
    "callaway-santanna": "Callaway & Sant'Anna's estimator for staggered starts (each start "
                         "cohort compared with not-yet or never treated units)",
    "sun-abraham": "Sun & Abraham's interaction-weighted event study for staggered starts",
    "wild_cluster_bootstrap": "two-way fixed effects with a wild cluster bootstrap for few "
                              "clusters",
    "synthetic-did": "synthetic difference-in-differences (the pilot compared with a weighted "
                     "mix of teams that moved like it before; for pilots with only a few teams)",
    "synthetic-control": "synthetic control (a weighted mix of comparison teams that tracked "
                         "the pilot before it started)",
}
"""Each estimator in a phrase that fits after "estimated with"."""

ESTIMATOR_TITLES = {
    "twfe": "Two-way fixed effects",
    "2x2": "Classic 2x2 comparison",
    "event-study": "Event study",
    "callaway-santanna": "Callaway & Sant'Anna",
    "sun-abraham": "Sun & Abraham",
    "synthetic-did": "Synthetic DiD",
    "synthetic-control": "Synthetic control",
}
"""Each estimator's short name, for a table cell or a heading."""

SE_WORDS = {  # used only when the result carries no se_description of its own
    "iid": "assuming independent, equal-variance errors",
    "hc1": "robust to unequal variances (HC1)",
    "cluster": "clustered (CR1)",
    "wild": "from the wild cluster bootstrap",
}


def estimator_in_words(estimator: str) -> str:
    """``Callaway & Sant'Anna's estimator for staggered starts (...)``, or the code itself."""
    return ESTIMATOR_NAMES.get(estimator, estimator or "an unnamed estimator")


def estimator_title(estimator: str) -> str:
    """``Callaway & Sant'Anna``: the estimator's short name."""
    return ESTIMATOR_TITLES.get(estimator, estimator)


COMPARISON_GROUPS = {
    "never": "{units} never in the pilot",
    "not-yet": "{units} not yet in the pilot",
    "last": "the {units} that joined the pilot last (before they joined)",
    "synthetic": "a synthetic comparison made from a weighted mix of other {units}",
    "": "comparison {units}",
}
"""The comparison group in words, by the comparison the headline used (``Headline.comparison``:
never-piloted, not-yet-piloted, the last wave, synthetic; ``""``: comparison units in general)."""


def comparison_group(comparison: str = "", unit_noun: str = "teams") -> str:
    """``teams not yet in the pilot``: who the pilot units were compared with."""
    return COMPARISON_GROUPS.get(comparison, COMPARISON_GROUPS[""]).format(units=unit_noun)


def comparison_phrase(unit_noun: str = "teams", comparison: str = "") -> str:
    """``in pilot teams than in teams not yet in the pilot``: what the effect is compared
    with, following the comparison actually used."""
    return f"in pilot {unit_noun} than in {comparison_group(comparison, unit_noun)}"


def thousands(count: int | float | None, missing: str = "no data") -> str:
    """A count with thousands separators: ``1,433``; ``missing`` when there is none."""
    if count is None or (isinstance(count, float) and not math.isfinite(count)):
        return missing
    return f"{int(count):,}"


def format_value(value: float | None, unit: str) -> str:
    """A mean for a table cell: ``£1,234``, ``62.3%``, ``48.0``; ``no data`` when missing."""
    if value is None or not math.isfinite(float(value)):
        return "no data"
    value = float(value)
    if unit == "GBP":
        text = f"£{abs(value):,.0f}"
        return f"-{text}" if value < 0 else text
    text = f"{value:,.1f}"
    return f"{text}%" if unit == "%" else text


def ratio_text(value: float) -> str:
    """A hazard or rate ratio with two decimals, as they are usually reported (``1.01``: a
    range ending just above 1 must not read as ending at 1)."""
    return f"{value:.2f}"


def p_value_text(value: float | None) -> str:
    """``p = 0.0087`` (2 significant figures), ``p < 0.001``; ``""`` when there is none."""
    if value is None or not math.isfinite(value):
        return ""
    if value >= 0.995:  # 0.996 at two significant figures would read "p = 1"
        return "p > 0.99"
    return "p < 0.001" if value < 0.001 else f"p = {value:.2g}"


PERIOD_NOUNS = {"month": ("month", "months"), "quarter": ("quarter", "quarters"),
                "year": ("year", "years"), "financial_year": ("year", "years")}


def period_nouns(kind: str) -> tuple[str, str]:
    """``("month", "months")`` for monthly data; ``("period", "periods")`` when unknown."""
    return PERIOD_NOUNS.get(kind, ("period", "periods"))


def event_time_label(e: int, kind: str = "") -> str:
    """An event time in words: ``3 months before``, ``start month``, ``2 months after``."""
    one, many = period_nouns(kind)
    if e == 0:
        return f"start {one}" if one != "period" else "start period"
    count = abs(e)
    noun = one if count == 1 else many
    return f"{count} {noun} {'before' if e < 0 else 'after'}"


TABLE_FIGURES = 3
PRECISION_RULE = ("Estimates, standard errors and ranges are rounded to three significant "
                  "figures, p-values to two (below 0.001 shown as < 0.001), counts are exact; "
                  "the sentences round effects to two significant figures. Every figure to "
                  "full precision is in tables.xlsx and results.json.")


def significant(value: float | None, figures: int = TABLE_FIGURES, *,
                missing: str = "n/a") -> str:
    """A figure for a table: ``figures`` significant figures, thousands separators, a minus
    sign when negative, significant trailing zeros kept (``4.40``, ``-145``, ``0.000915``,
    ``12,300``)."""
    if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
        return missing
    value = float(value)
    if value == 0:
        return "0"
    rounded = round_significant(value, figures)
    exponent = math.floor(math.log10(abs(rounded))) if rounded else 0
    if exponent < -4 or exponent >= 15:  # 1.91e-197 rather than 0.000...000191
        return f"{rounded:.{figures - 1}e}"
    decimals = max(0, figures - 1 - exponent)
    return f"{rounded:,.{decimals}f}"


def p_cell(value: float | None) -> str:
    """A p-value for a table: ``0.0034``, ``< 0.001``; ``n/a`` when there is none."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"{value:.2g}"
