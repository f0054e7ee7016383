"""The brief's wording rules, checked exactly.

References: the expected sentences are written out by hand from the rules in
``pilot_eval/report/words.py`` (Government Analysis Function guidance on communicating
uncertainty: a numeric range, "about", the outcome's own units; 2 significant figures).
Rounding is cross-checked against Python's own ``format(x, ".2g")`` on values without a tie,
and against hand-worked ties (0.125 -> 0.13, 12.5 -> 13: halves away from zero, as people
round), where binary floating point would round 0.125 down.
"""

from __future__ import annotations

import pytest
from report_factory import outcome, with_headline

from pilot_eval.brief import text
from pilot_eval.report import words as wording
from pilot_eval.report.outcome import Clusters, MeanPoint, OutcomeData, PilotStart

NOT_CLUSTERED = Clusters(n=None, variable=None, counts="not clustered")

# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize("value", [4.137, 2.31, 5.94, 1234.5678, 0.0412, 987654.0, 0.000876,
                                   -3.33, 61.0, 7.0])
def test_round_significant_matches_python_format_away_from_ties(value):
    assert wording.round_significant(value) == float(format(value, ".2g"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.125, 0.13), (12.5, 13.0), (-0.125, -0.13), (9.96, 10.0), (99.5, 100.0), (0.0, 0.0),
     (1e6 + 1, 1e6)],
)
def test_round_significant_rounds_halves_away_from_zero(value, expected):
    assert wording.round_significant(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4.137, "4.1"), (1234.5, "1,200"), (0.0449, "0.045"), (2.04, "2"), (0.204, "0.2"),
     (-5.94, "5.9"), (9.96, "10"), (123456.0, "120,000"), (0.0, "0"), (13.0, "13")],
)
def test_number_in_words(value, expected):
    assert wording.number_in_words(value) == expected


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("value", "unit", "short", "expected"),
    [(4.137, "%", False, "4.1 percentage points"), (4.137, "%", True, "4.1 points"),
     (-1234.5, "GBP", False, "£1,200"), (2.04, "points", False, "2 points"),
     (3.3, "", False, "3.3"), (3.3, "days", False, "3.3 days")],
)
def test_amount_in_the_outcomes_own_unit(value, unit, short, expected):
    assert wording.amount(value, unit, short=short) == expected


# ---------------------------------------------------------------- direction vs polarity


@pytest.mark.parametrize(
    ("estimate", "low", "high", "polarity", "expected"),
    [
        (4.1, 2.3, 5.9, "higher_is_better", "better"),
        (4.1, 2.3, 5.9, "lower_is_better", "worse"),
        (-4.1, -5.9, -2.3, "higher_is_better", "worse"),
        (-4.1, -5.9, -2.3, "lower_is_better", "better"),
        (4.1, 2.3, 5.9, "neutral", "higher"),
        (-4.1, -5.9, -2.3, "neutral", "lower"),
        (1.0, -0.5, 2.5, "higher_is_better", "no clear change"),
        (-1.0, -2.5, 0.5, "lower_is_better", "no clear change"),
        (1.0, 0.0, 2.0, "higher_is_better", "no clear change"),  # a range touching zero
        (0.0, -1.0, 1.0, "neutral", "no clear change"),
        (1.0, None, None, "higher_is_better", "not assessed"),
        (None, None, None, "higher_is_better", "not assessed"),
    ],
)
def test_direction_is_judged_against_polarity(estimate, low, high, polarity, expected):
    assert wording.direction(estimate, low, high, polarity) == expected


# ---------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("low", "high", "unit", "expected"),
    [(2.31, 5.94, "%", "2.3 to 5.9 points"),
     (-5.94, -2.31, "%", "2.3 to 5.9 points"),
     (-310.2, 70.1, "GBP", "£310 lower to £70 higher"),
     (-2310.0, -170.0, "GBP", "£170 to £2,300"),
     (-0.5, 3.5, "points", "0.5 points lower to 3.5 points higher"),
     (0.5, 3.5, "points", "0.5 to 3.5 points"),
     (1.0, 2.0, "days", "1 to 2 days"),
     (1.0, 2.0, "", "1 to 2")],
)
def test_range_in_words_has_no_minus_signs(low, high, unit, expected):
    assert wording.range_in_words(low, high, unit) == expected


def test_range_cells_are_signed():
    assert wording.range_cell(2.31, 5.94, "%") == "+2.3 to +5.9 percentage points"
    assert wording.range_cell(-2310.0, 70.0, "GBP") == "-£2,300 to +£70"
    assert wording.range_cell(None, 1.0, "%") == "not available"
    assert wording.effect_cell(-1234.5, "GBP") == "-£1,200"
    assert wording.effect_cell(4.137, "%") == "+4.1 percentage points"
    assert wording.effect_cell(None, "%") == "not available"


# ---------------------------------------------------------------- sentences


def test_headline_better_percentage_outcome():
    assert wording.headline_sentence(
        "Cases closed with goals met", "%", "higher_is_better", 4.137, 2.31, 5.94
    ) == ("Cases closed with goals met: about 4.1 percentage points higher in pilot teams than "
          "in comparison teams (95% range: 2.3 to 5.9 points higher), which is better.")


def test_headline_cost_fall_is_better_with_thousands_separators():
    assert wording.headline_sentence(
        "Cost per case", "GBP", "lower_is_better", -1234.4, -2310.2, -170.1
    ) == ("Cost per case: about £1,200 lower in pilot teams than in comparison teams "
          "(95% range: £170 to £2,300 lower), which is better.")


def test_headline_rise_in_a_bad_outcome_is_worse():
    assert wording.headline_sentence(
        "Repeat referrals", "%", "lower_is_better", 1.5, 0.2, 2.8
    ) == ("Repeat referrals: about 1.5 percentage points higher in pilot teams than in "
          "comparison teams (95% range: 0.2 to 2.8 points higher), which is worse.")


def test_headline_range_crossing_zero_is_no_clear_change():
    assert wording.headline_sentence(
        "Cost per case", "GBP", "lower_is_better", -123.4, -310.2, 70.1
    ) == ("Cost per case: no clear change in pilot teams compared with comparison teams: the "
          "best estimate is about £120 lower, but the 95% range runs from £310 lower to £70 "
          "higher.")


def test_headline_neutral_outcome_has_no_verdict():
    assert wording.headline_sentence(
        "Staff engagement index", "points", "neutral", 2.04, 0.5, 3.5
    ) == ("Staff engagement index: about 2 points higher in pilot teams than in comparison "
          "teams (95% range: 0.5 to 3.5 points higher).")


def test_headline_other_level_and_unit_nouns():
    assert wording.headline_sentence(
        "Rate", "%", "higher_is_better", 4.137, 2.31, 5.94, level=0.9,
        pilot="pilot councils", comparison="other councils",
    ) == ("Rate: about 4.1 percentage points higher in pilot councils than in other councils "
          "(90% range: 2.3 to 5.9 points higher), which is better.")


def test_headline_with_missing_numbers():
    assert wording.headline_sentence("Rate", "%", "neutral", None, None, None) == (
        "Rate: the effect could not be estimated.")
    assert wording.headline_sentence("Rate", "%", "neutral", 1.0, None, None) == (
        "Rate: about 1 percentage point higher in pilot teams than in comparison teams "
        "(the 95% range could not be calculated).")
    assert wording.headline_sentence("Rate", "%", "neutral", 1.0, None, None,
                                     reason="only one cluster") == (
        "Rate: about 1 percentage point higher in pilot teams than in comparison teams "
        "(the 95% range could not be calculated: only one cluster).")
    assert wording.headline_sentence("Rate", "%", "neutral", None, None, None,
                                     reason="no comparison units") == (
        "Rate: the effect could not be estimated (no comparison units).")
    assert wording.headline_sentence("Rate", "%", "neutral", 0.0, -1.0, 1.0) == (
        "Rate: no clear change in pilot teams compared with comparison teams: the best "
        "estimate is about the same, but the 95% range runs from 1 point lower to 1 point "
        "higher.")


def test_lower_first_keeps_acronyms():
    assert wording.lower_first("Cases closed") == "cases closed"
    assert wording.lower_first("NHS leavers") == "NHS leavers"
    assert wording.lower_first("") == ""


# ---------------------------------------------------------------- titles and caveats


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([("Cases closed with goals met", "better")],
         "Pilot teams did better on cases closed with goals met"),
        ([("Repeat referrals", "worse")], "Pilot teams did worse on repeat referrals"),
        ([("Staff engagement", "higher")], "Staff engagement was higher in pilot teams"),
        ([("Cost per case", "no clear change")], "No clear change in cost per case in pilot teams"),
        ([("A", "better"), ("B", "better"), ("C", "no clear change")],
         "Pilot teams did better on 2 of 3 outcomes, no clear change on 1"),
        ([("A", "worse"), ("B", "higher")], "Pilot teams did worse on 1 of 2 outcomes"),
        ([("A", "better"), ("B", "better")], "Pilot teams did better on both outcomes"),
        ([("A", "better")] * 4, "Pilot teams did better on all 4 outcomes"),
        ([], "Pilot evaluation"),
    ],
)
def test_active_title(pairs, expected):
    assert text.active_title(pairs) == expected


def test_chart_title_describes_the_line_not_the_verdict():
    assert text.chart_title("Cost per case", "better", -120.0) == (
        "Cost per case fell in pilot teams relative to comparison teams")
    assert text.chart_title("Cases closed", "better", 4.1) == (
        "Cases closed rose in pilot teams relative to comparison teams")
    assert text.chart_title("Cost", "no clear change", -1.0) == (
        "Cost moved much the same in pilot and comparison teams")


def _caveat_input(*, n_clusters: int = 48, first_start: int | None = 13,
                  used: int = 1440, **changes):
    """30 periods of flat means, one start, every row used, no warnings."""
    means = tuple(MeanPoint(p, str(p), arm, 1.0, 16) for p in range(1, 31)
                  for arm in ("pilot", "comparison"))
    starts = () if first_start is None else (PilotStart(first_start, str(first_start), 12),)
    return outcome(n_clusters=n_clusters, warnings=(), group_means=means, pilot_starts=starts,
                   data=OutcomeData(file="demo.csv", sha256="ab" * 32, rows_read=1440,
                                    rows_used=used), **changes)


def test_caveats_lead_with_parallel_trends_and_stop_at_three():
    everything = _caveat_input(n_clusters=12, first_start=27, used=1393)
    chosen = text.caveats([everything])
    assert len(chosen) == text.MAX_CAVEATS
    assert chosen[0] == ("These are estimates, not proof. They assume that pilot and comparison "
                         "teams would have changed in parallel without the pilot, and pilot "
                         "teams were not chosen at random.")
    assert chosen[1].startswith("Small numbers: the ranges rest on only 12 clusters")
    assert chosen[2] == ("Short follow-up: only 4 periods of data after the pilot started, so "
                         "longer-term effects are unknown.")
    assert text.caveats([_caveat_input()]) == chosen[:1]


def test_missing_data_caveat_names_the_worst_outcome():
    chosen = text.caveats([_caveat_input(used=1434), _caveat_input(used=1393)])
    assert chosen[1] == ("Missing data: up to 47 of 1,440 rows were left out of an estimate "
                         "because values were missing.")


def test_data_notes_are_deduplicated_and_cleaned():
    notes = text.data_notes([outcome(warnings=("unbalanced panel", "Warning: 6 rows  dropped")),
                             outcome(warnings=("warning: lower case",)),
                             outcome(warnings=("unbalanced panel",)), outcome(warnings=())])
    assert notes == ("Unbalanced panel", "6 rows dropped", "Lower case")


def test_periods_after_start():
    assert _caveat_input().post_periods == 18
    assert _caveat_input(first_start=None).post_periods is None


def test_format_value_for_tables():
    assert wording.format_value(1234.4, "GBP") == "£1,234"
    assert wording.format_value(-12.0, "GBP") == "-£12"
    assert wording.format_value(61.04, "%") == "61.0%"
    assert wording.format_value(48.0, "points") == "48.0"
    assert wording.format_value(None, "%") == "no data"
    assert wording.format_value(float("nan"), "%") == "no data"


def test_chart_key_mentions_start_lines_only_when_drawn():
    assert text.chart_key() == ("Solid line with circles: pilot teams. Dashed line with squares: "
                                "comparison teams.")
    assert text.chart_key("councils", n_starts=1).endswith(
        "comparison councils. Dotted vertical line: pilot start.")
    assert text.chart_key(n_starts=2).endswith("Dotted vertical lines: pilot starts.")


def test_method_sentences_group_outcomes_estimated_the_same_way():
    def same(label, n_obs):
        return with_headline(outcome(label=label), estimator="twfe", n_units=48, n_obs=n_obs,
                             se_description="clustered by team",
                             clusters=NOT_CLUSTERED)

    engagement = with_headline(outcome(label="Engagement"), estimator="2x2", se_type="hc1",
                               se_description="", n_units=None, n_obs=None,
                               clusters=NOT_CLUSTERED)
    sentences = text.method_sentences([same("Cases closed", 1400), same("Cost per case", 1359),
                                       same("NHS leavers", 1404), engagement])
    assert sentences == (
        "Cases closed, cost per case and NHS leavers: each estimated with two-way fixed effects "
        "difference-in-differences (unit and period effects); standard errors clustered by "
        "team. Data: 48 teams, 1,359 to 1,404 observations.",
        "Engagement: estimated with a 2x2 difference-in-differences (change in pilot teams "
        "minus change in comparison teams); standard errors robust to unequal variances (HC1).",
    )


def test_few_clusters_caveat_says_when_the_wild_bootstrap_was_used():
    report = with_headline(_caveat_input(n_clusters=9), inference="wild", se_type="wild")
    assert text.caveats([report])[1] == (
        "Small numbers: the ranges rest on only 9 clusters, so they are approximate; the "
        "ranges come from a wild cluster bootstrap, which is more reliable with few clusters.")


def test_event_time_labels_and_shared_phrases():
    assert wording.event_time_label(-3, "month") == "3 months before"
    assert wording.event_time_label(0, "month") == "start month"
    assert wording.event_time_label(1, "quarter") == "1 quarter after"
    assert wording.event_time_label(2, "integer") == "2 periods after"
    assert wording.thousands(1433) == "1,433" and wording.thousands(None) == "no data"
    assert wording.comparison_phrase("councils") == "in pilot councils than in comparison councils"
    assert wording.estimator_title("callaway-santanna") == "Callaway & Sant'Anna"
    assert wording.p_value_text(0.0087) == "p = 0.0087"
    assert wording.p_value_text(2e-6) == "p < 0.001"


def test_comparison_follows_the_comparison_used():
    assert wording.comparison_group("not-yet") == "teams not yet in the pilot"
    assert wording.comparison_group("never", "councils") == "councils never in the pilot"
    # no parentheses: the headline sentence puts its range in parentheses right after it
    assert wording.comparison_group("synthetic") == ("a synthetic comparison made from a "
                                                     "weighted mix of other teams")
    assert wording.comparison_group("") == "comparison teams"
    assert wording.comparison_phrase("teams", "not-yet") == (
        "in pilot teams than in teams not yet in the pilot")
