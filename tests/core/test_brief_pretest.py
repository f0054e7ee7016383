"""Which pre-trend test the evidence rating reads, and how the brief says it.

The tests are built by the report's own builder (``build_outcome.pretest``, which marks a test
unreliable when it has more restrictions than ``PRETEST_MAX_SHARE`` x clusters) and chosen by
``choose_pretest`` (the event study's binned leads when reliable, else the estimator's own).
Expected wording is written out by hand from the rules in ``pilot_eval/report/evidence.py``.
"""

from __future__ import annotations

import dataclasses

from report_factory import outcome, project, rated

from pilot_eval.brief import build_brief_content
from pilot_eval.brief.annex import pretest_bullets
from pilot_eval.brief.build import cost_sentence
from pilot_eval.brief.content import outcome_row
from pilot_eval.brief.text import caveats
from pilot_eval.report.build_outcome import choose_pretest, pretest
from pilot_eval.report.outcome import (
    CheckEstimate,
    EventTimeRow,
    LeaveOneOut,
    LeaveOneOutRow,
    OutcomeData,
    Sensitivity,
    Staggered,
    TrendRobust,
)
from pilot_eval.report.outcome_details import choose_bound, sensitivity_report

CLUSTERS = 43
DEGENERATE = pretest({"statistic": 1023.04, "df": 28, "p_value": 1.9e-197}, CLUSTERS,
                     source="estimator")


def leads(*widths: float) -> tuple[EventTimeRow, ...]:
    """Lead rows e = -k..-1 with the given half-widths around small estimates."""
    rows = []
    for i, width in enumerate(widths):
        e = -len(widths) - 1 + i
        rows.append(EventTimeRow(e=e, label=str(e), estimate=0.1, se=width / 2,
                                 ci_low=0.1 - width, ci_high=0.1 + width))
    return tuple(rows)


EVENT_PASS = pretest({"statistic": 2.1, "df": 2, "p_value": 0.35}, CLUSTERS,
                     source="event study", lead_rows=leads(1.0, 1.5))
EVENT_FAIL = pretest({"statistic": 9.9, "df": 2, "p_value": 0.0071}, CLUSTERS,
                     source="event study", lead_rows=leads(1.0, 1.5))
FAILED_LINE = ("Pilot and comparison teams were already moving differently before the pilot "
               "(pre-trend test p = {p}).")


def with_tests(*tests, **changes):
    report = outcome(n_clusters=CLUSTERS, pretest=choose_pretest(tests))
    return rated(dataclasses.replace(report, **changes))


def test_reliability_follows_the_restrictions_per_cluster_rule():
    assert not DEGENERATE.reliable  # 28 restrictions > 0.1 x 43 clusters
    assert DEGENERATE.note.startswith("28 restrictions on 43 clusters: too many")
    assert EVENT_PASS.reliable and EVENT_PASS.leads == (-3, -2)
    four = pretest({"statistic": 3.0, "df": 4, "p_value": 0.4}, CLUSTERS, source="estimator")
    assert four.reliable  # 4 <= 4.3


def test_reliable_event_study_test_is_read_before_the_degenerate_one():
    report = with_tests(EVENT_PASS, DEGENERATE)
    assert report.pretest.used == EVENT_PASS
    assert report.evidence.reasons == () and report.evidence.level == 3
    assert not any("read reliably" in n for n in report.evidence.not_checked)


def test_failing_event_study_test_lowers_the_rating():
    rating = with_tests(EVENT_FAIL, DEGENERATE).evidence
    assert rating.reasons == (FAILED_LINE.format(p="0.0071"),)
    assert rating.level == 2


def test_unreliable_test_alone_is_not_checked_not_failed():
    report = with_tests(DEGENERATE)
    assert report.evidence.reasons == () and report.evidence.level == 3
    assert any("could not be read reliably" in n for n in report.evidence.not_checked)
    assert report.pretest.used is None and report.pretest.why == DEGENERATE.note


def test_a_reliable_failing_estimator_test_lowers_the_rating():
    few = pretest({"statistic": 15.0, "df": 4, "p_value": 0.0104}, CLUSTERS, source="estimator")
    assert with_tests(few).evidence.reasons == (FAILED_LINE.format(p="0.01"),)


def test_unreliable_event_study_falls_back_to_a_reliable_pretest():
    unreliable_event = dataclasses.replace(EVENT_FAIL, reliable=False, note="too few clusters")
    good = pretest({"statistic": 3.0, "df": 3, "p_value": 0.39}, CLUSTERS, source="estimator")
    assert choose_pretest((unreliable_event, good)).used == good


def test_annex_says_which_test_was_read_and_why_not_the_other():
    bullets = pretest_bullets(with_tests(EVENT_PASS, DEGENERATE))
    assert bullets == [
        "Cases closed with goals met: pre-trend test from a two-way event study with binned "
        "leads: statistic 2.10, df 2, p = 0.35 (read for the evidence rating).",
        "Cases closed with goals met: pre-trend test of all pre-pilot ATT(g,t) together: "
        "statistic 1,020, df 28, p < 0.001 (not read: 28 restrictions on 43 clusters: "
        "too many for a cluster-robust Wald test, which then rejects far too often; read the "
        "pre-period estimates and their intervals instead).",
    ]


def test_brief_with_only_an_unreliable_test_has_no_pretrend_caveat():
    built = build_brief_content(project(with_tests(DEGENERATE), date="2026-11-27"))
    assert not any("moving apart" in c for c in built.caveats)


def test_cost_sentences_in_words():
    # hand-worked from the wording rules: 2 significant figures, ranges without signs
    fell = outcome_row(outcome(outcome="cost", label="Cost per case", unit="GBP",
                               polarity="lower_is_better", estimate=-144.7, ci=(-278.7, -10.7)))
    assert cost_sentence(fell) == "Cost per case fell by about £140 (95% range £11 to £280)."
    unclear = outcome_row(outcome(outcome="cost", label="Cost per case", unit="GBP",
                                  polarity="lower_is_better", estimate=-120.0,
                                  ci=(-310.0, 70.0)))
    assert cost_sentence(unclear) == ("Cost per case: no clear change (about £120 lower; 95% "
                                      "range £310 lower to £70 higher).")


def powered(power: float) -> object:
    return dataclasses.replace(EVENT_PASS, power=power, power_slope=0.3, slope_80=0.4)


def sensitivity(robust: bool | None, bound: str = "smoothness") -> Sensitivity:
    return Sensitivity(parameter="the average post-period effect", window=(-5, 4),
                       breakdown_mbar=0.0, breakdown_m=0.0, relative_magnitude=(),
                       smoothness=(), bound=bound, robust=robust)


WEAK_TEST = ("The pre-trend test could miss a trend large enough to explain the effect (it had "
             "a 50% chance of detecting one)")


def test_a_powerful_pre_trend_test_that_passes_checks_parallel_trends():
    # power 0.8 is enough (Roth 2022's conventional level), whatever the sensitivity bound says
    assert with_tests(powered(0.8), sensitivity=sensitivity(False)).evidence.reasons == ()


def test_a_weak_test_lowers_the_rating_unless_the_bound_holds():
    assert with_tests(powered(0.5)).evidence.reasons == (WEAK_TEST + ".",)
    assert with_tests(powered(0.5), sensitivity=sensitivity(True)).evidence.reasons == ()
    assert with_tests(powered(0.5), sensitivity=sensitivity(False)).evidence.reasons == (
        WEAK_TEST + " and the effect does not survive allowing any straight-line trend seen "
        "before the pilot to continue.",)
    aggregated = sensitivity(False, bound="relative magnitudes")
    assert with_tests(powered(0.5), sensitivity=aggregated).evidence.reasons == (
        WEAK_TEST + " and the effect does not survive allowing changes in trend after the "
        "start as large as the largest before it.",)


def test_an_unreadable_test_and_a_failed_bound_lower_the_rating():
    rating = with_tests(DEGENERATE, sensitivity=sensitivity(False)).evidence
    assert rating.reasons == (
        "Parallel trends could not be confirmed: the pre-trend test could not be read "
        "reliably and the effect does not survive allowing any straight-line trend seen "
        "before the pilot to continue.",)


def test_power_not_computed_is_listed_as_not_checked():
    rating = with_tests(EVENT_PASS).evidence
    assert rating.reasons == () and rating.level == 3
    assert "the pre-trend test's power against a trend that would explain the effect" in \
        rating.not_checked


def test_the_bound_follows_the_design():
    assert choose_bound("month", 12)[0] == "smoothness"
    assert choose_bound("quarter", 6)[0] == "relative magnitudes"
    assert choose_bound("integer", 8)[0] == "smoothness"  # many periods, whatever they are
    assert choose_bound("year", 3)[0] == "relative magnitudes"


def raw_bounds(low: float, high: float, mbar: float) -> dict:
    return {"relative_magnitude": {"rows": [], "breakdown": mbar}, "smoothness": {"rows": []},
            "breakdown": mbar, "event_window": [-6, 4],
            "linear_trend": {"estimate": (low + high) / 2, "lb": low, "ub": high,
                             "level": 0.95, "event_window": [-13, 11]}}


def test_smoothness_holds_when_the_trend_robust_range_excludes_zero_and_holds_the_headline():
    def robust(low, high, headline):
        return sensitivity_report(raw_bounds(low, high, 0.0), period_kind="month",
                                  pre_periods=12, headline=headline).robust

    assert robust(1.0, 7.0, 4.1) is True
    assert robust(-0.3, 5.0, 4.1) is False  # zero inside
    assert robust(1.0, 3.5, 8.2) is False  # a straight-line trend explains much of 8.2
    report = sensitivity_report(raw_bounds(1.0, 7.0, 0.0), period_kind="month",
                                pre_periods=12, headline=4.1)
    assert report.trend == TrendRobust(estimate=4.0, low=1.0, high=7.0, level=0.95,
                                       window=(-13, 11))


def test_relative_magnitudes_hold_from_a_breakdown_of_one():
    def robust(mbar):
        return sensitivity_report(raw_bounds(1.0, 7.0, mbar), period_kind="quarter",
                                  pre_periods=6, headline=4.1).robust

    assert robust(1.0) is True and robust(0.78) is False


def loo(*estimates: float) -> LeaveOneOut:
    full = CheckEstimate(estimate=4.137, ci_low=2.31, ci_high=5.94, p_value=0.001, n_obs=1400)
    rows = tuple(LeaveOneOutRow(unit=f"Team {i}", result=dataclasses.replace(
        full, estimate=e)) for i, e in enumerate(estimates, start=1))
    return LeaveOneOut(full=full, rows=rows, hinge_units=(), note="")


def test_leaving_one_unit_out_lowers_only_beyond_one_standard_error():
    # the headline's SE is 0.9 (report_factory): 4.137 -> 3.3 moves 0.84 < 0.9, 3.2 moves 0.94
    assert with_tests(powered(0.9), leave_one_out=loo(3.3, 4.5)).evidence.reasons == ()
    assert with_tests(powered(0.9), leave_one_out=loo(3.3, 3.2, 4.9)).evidence.reasons == (
        "The result leans on one team: without Team 2 the estimate moves by more than its "
        "standard error.",)


def test_leaving_one_unit_out_that_flips_the_sign_lowers():
    small = with_tests(powered(0.9), leave_one_out=loo(-0.2, 0.5),
                       headline=dataclasses.replace(outcome().headline, estimate=0.3))
    # 0.3 -> -0.2 moves 0.5 (< SE 0.9) but flips the sign
    assert small.evidence.reasons == (
        "The result leans on one team: without Team 1 the estimate changes sign.",)


def dropped(rows_used: int = 1230, observed: int = 1427) -> dict:
    staggered = Staggered(att_gt=(), aggregations=(), control="never", method="dr",
                          base_period="varying", anticipation=0, unbalanced="drop")
    return {"data": OutcomeData(file="outcomes.csv", sha256="ab" * 32, rows_read=1433,
                                rows_used=rows_used, units=48, units_used=41,
                                cells_expected=1440, cells_observed=observed),
            "staggered": staggered}


def test_missing_outcome_values_lower_the_rating_above_ten_per_cent():
    assert with_tests(powered(0.9), **dropped()).evidence.reasons == ()  # 0.9% missing
    assert with_tests(powered(0.9), **dropped(observed=1290)).evidence.reasons == (
        "Much data missing: 10% of the team-periods have no value for this outcome.",)


def test_an_estimator_dropping_a_fifth_of_the_rows_lowers_the_rating():
    # (1433 - 1230) / 1433 = 14%: teams dropped to balance the panel, under 20%: no lowering
    assert with_tests(powered(0.9), **dropped(rows_used=1230)).evidence.reasons == ()
    assert with_tests(powered(0.9), **dropped(rows_used=1100)).evidence.reasons == (
        "Much data left out: the estimate uses 77% of the rows (teams not observed in every "
        "period, or with missing values, are dropped).",)


def test_missing_data_caveat_names_the_balanced_panel_drop():
    assert caveats([with_tests(**dropped())])[-1] == (
        "Missing data: up to 203 of 1,433 rows were left out of an estimate because values "
        "were missing or the estimator needs every team in every period.")
