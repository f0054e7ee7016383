"""The Impact step's words and figures, formatted from an ``OutcomeReport`` (never computed).

Every number comes from the report and is written with the shared wording of
``pilot_eval.report.words`` (2 significant figures as in the brief, thousands separators,
estimator names in words), so the window and the brief say the same thing.  Pure functions:
the rows are tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilot_eval.report import words
from pilot_eval.report.values import number, reason

ROUNDING_TIP = ("Rounded to 2 significant figures, as in the brief; the exact value is in the "
                "brief's technical annex and in results.json.")


@dataclass(frozen=True)
class Row:
    """One line of a figures table: what it is, its value, and a longer explanation."""

    label: str
    value: str
    tip: str = ""


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def headline(outcome, unit_noun: str = "teams") -> str:
    """The brief's headline sentence for this outcome."""
    h = outcome.headline
    return words.headline_sentence(
        outcome.label, outcome.unit, outcome.polarity, number(h.estimate), number(h.ci_low),
        number(h.ci_high), level=h.level, pilot=f"pilot {unit_noun}",
        comparison=words.comparison_group(h.comparison, unit_noun),
        reason=reason(h.estimate) or reason(h.ci_low))


def _missing(value, what: str = "not available") -> str:
    why = reason(value)
    return f"{what} ({why})" if why else what


def effect_text(value, unit: str) -> str:
    return words.effect_cell(number(value), unit) if number(value) is not None \
        else _missing(value)


def range_text(low, high, unit: str) -> str:
    if number(low) is None or number(high) is None:
        return _missing(low if number(low) is None else high)
    return words.range_cell(number(low), number(high), unit)


def p_text(value) -> str:
    text = words.p_value_text(number(value))
    return text.removeprefix("p = ") if text else _missing(value)


def clusters_text(headline_) -> str:
    """The one cluster count of the result, and what it counts."""
    clusters = headline_.clusters
    if clusters.n is None:
        return "not clustered"
    pilot = (f", {words.thousands(clusters.n_pilot)} of them in the pilot"
             if clusters.n_pilot is not None else "")
    return f"{words.thousands(clusters.n)} clusters ({clusters.counts}){pilot}"


INFERENCE_WORDS = {"wild": "Wild cluster bootstrap", "analytic": "From the model",
                   "placebo": "From placebo runs"}
RANGE_TIPS = {"wild": "From the wild cluster bootstrap, which gives a more trustworthy range "
                      "than the model's when there are few clusters. " + ROUNDING_TIP,
              "placebo": "From placebo runs: the analysis re-run with comparison teams posing "
                         "as the pilot, which suits pilots with only a few teams. "
                         + ROUNDING_TIP}


def result_rows(outcome, unit_noun: str = "teams") -> list[Row]:
    """The headline's figures, in reading order."""
    h, unit = outcome.headline, outcome.unit
    level = words.level_words(h.level)
    rows = [
        Row("Outcome", outcome.label),
        Row("Estimated effect", effect_text(h.estimate, unit), ROUNDING_TIP),
        Row(f"{level} range", range_text(h.ci_low, h.ci_high, unit), RANGE_TIPS.get(
            h.inference, ROUNDING_TIP)),
        Row("p-value", p_text(h.p_value)),
        Row("Standard error", words.amount(number(h.se), unit) if number(h.se) is not None
            else _missing(h.se),
            "From the model; the range and p-value come from the wild cluster bootstrap."
            if h.inference == "wild" else ROUNDING_TIP),
        Row("Method", capital(words.estimator_in_words(h.estimator)),
            capital(h.estimator_reason)),
        Row("Uncertainty", f"{INFERENCE_WORDS.get(h.inference, capital(h.inference))}; "
            f"{clusters_text(h)}", capital(h.se_description)),
        Row(capital(unit_noun), words.thousands(h.n_units, "not reported")),
        Row("Rows used", f"{words.thousands(outcome.data.rows_used)} of "
            f"{words.thousands(outcome.data.rows_read)}",
            " ".join(outcome.data.dropped)),
        Row("Evidence", outcome.evidence.label, " ".join(outcome.evidence.reasons)
            or "No reason to lower the rating was found."),
    ]
    return rows + synthetic_rows(outcome) + check_rows(outcome, unit_noun)


WEIGHTS_SHOWN = 4  # comparison units named in the row; the tooltip lists every one
CHECK_WORDS = {"good": "good", "weak": "weak", "unavailable": "not available"}


def synthetic_rows(outcome) -> list[Row]:
    """A synthetic headline's own section (``OutcomeReport.synthetic``): how the comparison
    is built, the units it is made of, and the method's checks."""
    section = getattr(outcome, "synthetic", None)
    if section is None:
        return []
    rows = [Row("How the comparison is built", section.sentence)]
    weights = section.weights
    if weights:
        shown = ", ".join(f"{w.unit} {w.weight:.0%}" for w in weights[:WEIGHTS_SHOWN])
        more = (f" and {words.thousands(len(weights) - WEIGHTS_SHOWN)} more"
                if len(weights) > WEIGHTS_SHOWN else "")
        rows.append(Row("Synthetic comparison made of", shown + more,
                        "Each comparison unit's share of the synthetic comparison: "
                        + "; ".join(f"{w.unit} {w.weight:.1%}" for w in weights) + "."))
    for check in section.checks:
        rows.append(Row(capital(check.name), CHECK_WORDS.get(check.rating, check.rating),
                        capital(check.text)))
    return rows


def pretest_text(outcome) -> Row:
    choice = outcome.pretest
    if choice.used is not None:
        return Row("Pre-trend test", words.p_value_text(number(choice.used.p_value)),
                   f"The test read: {choice.why}.")
    return Row("Pre-trend test", "not read", capital(choice.why) + ".")


def check_rows(outcome, unit_noun: str = "teams") -> list[Row]:
    """The checks beside the headline that ran: pre-trend test, two-way fixed effects,
    placebo, leaving one unit out, sensitivity and the Goodman-Bacon weights."""
    unit = outcome.unit
    rows = [pretest_text(outcome)]
    twfe = outcome.twfe
    if twfe is not None:
        rows.append(Row("Two-way fixed effects, for comparison",
                        _missing(twfe, "not estimated") if not hasattr(twfe, "estimate") else
                        f"{effect_text(twfe.estimate, unit)} "
                        f"({range_text(twfe.ci_low, twfe.ci_high, unit)})",
                        "The usual regression, which can be biased when pilots start at "
                        "different times; shown to compare."))
    placebo = outcome.placebo
    if placebo is not None and hasattr(placebo, "result"):
        verdict = "near zero, as it should be" if placebo.passed else "not near zero"
        rows.append(Row(f"Placebo: a fake start in {placebo.fake_start_label}",
                        f"{effect_text(placebo.result.estimate, unit)} ({verdict})",
                        capital(placebo.note)))
    loo = outcome.leave_one_out
    if loo is not None and hasattr(loo, "rows"):
        values = [number(r.result.estimate) for r in loo.rows]
        values = [v for v in values if v is not None]
        if values:
            hinge = (f"; without {', '.join(loo.hinge_units)} the conclusion changes"
                     if loo.hinge_units else "")
            rows.append(Row(f"Leaving out one pilot {unit_noun[:-1] or unit_noun} at a time",
                            f"{words.range_cell(min(values), max(values), unit)}{hinge}",
                            capital(loo.note)))
    sensitivity = outcome.sensitivity
    if sensitivity is not None and hasattr(sensitivity, "breakdown_mbar"):
        mbar = number(sensitivity.breakdown_mbar)
        rows.append(Row("Sensitivity to trend violations",
                        f"breakdown value {words.number_in_words(mbar)}" if mbar is not None
                        else _missing(sensitivity.breakdown_mbar),
                        "How large a departure from parallel trends (relative to the largest "
                        "seen before the pilot) the conclusion survives."))
    bacon = outcome.bacon
    if bacon is not None and hasattr(bacon, "by_type"):
        later = [t for t in bacon.by_type if "later" in t.type.lower()]
        if later:
            rows.append(Row("Goodman-Bacon: weight on already-piloted comparisons",
                            f"{100 * sum(t.weight for t in later):.0f}%",
                            "The share of the two-way estimate that compares later pilots with "
                            "teams already in the pilot, which can bias it."))
    return rows


def warning_lines(outcome) -> list[str]:
    """The result's warnings, without a leading ``warning:`` (the list says what they are)."""
    return [text[len("warning:"):].lstrip() if text.lower().startswith("warning:") else text
            for text in outcome.warnings]


def evidence_line(outcome) -> str:
    """``Cases closed with goals met: evidence Moderate (3 of 5). Reasons.``"""
    why = " ".join(outcome.evidence.reasons) or "No reason to lower it was found."
    return f"{outcome.label}: evidence {outcome.evidence.label}. {why}"
