"""Words and rows of the result, from hand-written result dictionaries."""

from __future__ import annotations

from pilot_eval.ui.result_text import (
    format_amount,
    format_p_value,
    format_range,
    headline,
    result_rows,
    verdict,
    warning_lines,
)

RESULT = {
    "polarity": "higher_is_better",
    "estimator": "twfe", "outcome": "goals_met_pct", "outcome_label": "Cases closed with goals met",
    "outcome_unit": "%", "estimate": 4.2371, "se": 1.05, "ci_low": 2.1, "ci_high": 6.37,
    "p_value": 0.00042, "level": 0.95, "n_obs": 1400, "n_units": 48, "n_clusters": 48,
    "se_type": "cluster", "se_description": "clustered by team (CR1, fixest small-sample factor)",
    "warnings": [], "unavailable": {}, "choice": {"estimator": "twfe", "reason": "one start date"},
}


def test_amounts_in_the_outcomes_units():
    assert format_amount(4.2371, "%", signed=True) == "+4.24 percentage points"
    assert format_amount(-12.5, "GBP", signed=True) == "-£12.50"
    assert format_amount(1234.5, "GBP") == "£1,234.50"
    assert format_amount(0.0401, "") == "0.0401"
    assert format_amount(None, "%") == "not available"
    assert format_amount(float("nan"), "%") == "not available"


def test_headline_says_direction_size_and_range():
    assert headline(RESULT) == (
        "Compared with teams that kept the old rules, the pilot raised Cases closed with goals "
        "met by about 4.24 percentage points (95% range 2.10 to 6.37 percentage points), which "
        "is better.")


def test_headline_when_the_range_includes_zero_and_the_effect_is_negative():
    result = dict(RESULT, estimate=-25.0, ci_low=-60.0, ci_high=10.0, outcome_unit="GBP",
                  outcome_label="Cost per case", polarity="lower_is_better")
    assert headline(result) == (
        "Compared with teams that kept the old rules, the pilot lowered Cost per case by about "
        "£25.00 (95% range -£60.00 to +£10.00), which would be better; the range includes no "
        "change, so the data cannot rule out no effect.")


def test_better_or_worse_follows_the_outcomes_polarity():
    assert verdict(2.0, "higher_is_better") == "better"
    assert verdict(2.0, "lower_is_better") == "worse"
    assert verdict(-2.0, "lower_is_better") == "better"
    assert verdict(-2.0, "neutral") == "" and verdict(0.0, "higher_is_better") == ""
    neutral = dict(RESULT, polarity="neutral")
    assert headline(neutral).endswith("(95% range 2.10 to 6.37 percentage points).")


def test_ranges_that_cross_zero_carry_signs():
    assert format_range(-1.5, 2.25, "%") == "-1.50 to +2.25 percentage points"
    assert format_range(-0.04, -0.01, "") == "-0.04 to -0.01"
    assert format_range(None, 1.0, "%") == "not available"
    assert format_p_value(0.0123) == "0.012" and format_p_value(None) is None


def test_warnings_lose_a_repeated_severity_word():
    assert warning_lines({"warnings": ["warning: the panel is unbalanced", "few clusters"]}) == [
        "the panel is unbalanced", "few clusters"]


def test_headline_when_the_estimate_is_unavailable():
    result = dict(RESULT, estimate=None, unavailable={"estimate": "no comparison teams"})
    assert headline(result) == ("The pilot's effect on Cases closed with goals met could not be "
                                "estimated: not available (no comparison teams).")


def test_rows_show_every_number_the_analyst_needs():
    rows = dict(result_rows(RESULT))
    assert rows["Estimated effect"] == "+4.24 percentage points"
    assert rows["95% range"] == "2.10 to 6.37 percentage points"
    assert rows["p-value"] == "< 0.001"
    assert rows["Standard errors"] == RESULT["se_description"]
    assert rows["Units (teams)"] == "48" and rows["Clusters"] == "48"
    assert rows["Observations used"] == "1,400"
    assert rows["Method"] == "Two-way fixed effects"
    assert rows["Why this method"] == "one start date"


def test_rows_give_the_reason_for_an_unavailable_statistic():
    result = dict(RESULT, se=None, ci_low=None, ci_high=None, p_value=None,
                  unavailable={"se": "one cluster", "ci_low": "one cluster",
                               "p_value": "one cluster"})
    rows = dict(result_rows(result))
    assert rows["Standard error"] == "not available (one cluster)"
    assert rows["95% range"] == "not available (one cluster)"
    assert rows["p-value"] == "not available (one cluster)"
