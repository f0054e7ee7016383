"""Which pre-trend test the evidence rating reads, on constructed result dictionaries.

The shapes follow the analysis' keys (lead's change, issue 5 follow-up): ``pretest`` may carry
``"reliable": false`` and a ``"note"``; ``pretest_event_study`` is ``{statistic, df, p_value,
leads, reliable, note}`` from a two-way event study with binned leads.  Expected wording is
written out by hand from the rules in ``pilot_eval/brief/evidence.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pilot_eval.brief import build_brief_content
from pilot_eval.brief.annex import pretest_bullets
from pilot_eval.brief.build import cost_sentence
from pilot_eval.brief.content import outcome_row
from pilot_eval.brief.evidence import (
    SMOOTHNESS_ONLY,
    UNRELIABLE_PRETEST,
    pretest_used,
    rate_evidence,
)

_spec = importlib.util.spec_from_file_location("brief_base", Path(__file__).with_name(
    "test_brief.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

DEGENERATE = {"statistic": 1023.04, "df": 28, "p_value": 1.9e-197, "reliable": False,
              "note": "28 restrictions on 43 clusters: the covariance matrix is near-singular"}
EVENT_PASS = {"statistic": 2.1, "df": 2, "p_value": 0.35, "leads": [-3, -2], "reliable": True,
              "note": "binned leads"}
EVENT_FAIL = {"statistic": 9.9, "df": 2, "p_value": 0.0071, "leads": [-3, -2], "reliable": True,
              "note": "binned leads"}
FAILED_LINE = ("Pilot and comparison teams were already moving differently before the pilot "
               "(pre-trend test p = {p}).")


def with_tests(**tests) -> dict:
    analysis = base.analysis(n_clusters=43)
    analysis.update(tests)
    return analysis


def test_reliable_event_study_test_is_read_before_the_degenerate_one():
    analysis = with_tests(pretest=DEGENERATE, pretest_event_study=EVENT_PASS)
    assert pretest_used(analysis) == (EVENT_PASS, None)
    rating = rate_evidence(analysis)
    assert rating.reasons == () and rating.level == 3
    assert not any("pre-trend" in n for n in rating.not_checked)


def test_failing_event_study_test_lowers_the_rating():
    rating = rate_evidence(with_tests(pretest=DEGENERATE, pretest_event_study=EVENT_FAIL))
    assert rating.reasons == (FAILED_LINE.format(p="0.0071"),)
    assert rating.level == 2


def test_unreliable_test_alone_is_not_checked_not_failed():
    rating = rate_evidence(with_tests(pretest=DEGENERATE))
    assert rating.reasons == () and rating.level == 3
    assert UNRELIABLE_PRETEST in rating.not_checked
    assert pretest_used(with_tests(pretest=DEGENERATE)) == (None, DEGENERATE["note"])


def test_old_results_without_the_flag_judged_by_restrictions_per_cluster():
    old = {k: DEGENERATE[k] for k in ("statistic", "df", "p_value")}  # 28 on 43: degenerate
    assert rate_evidence(with_tests(pretest=old)).reasons == ()
    few = {"statistic": 15.0, "df": 5, "p_value": 0.0104}  # 5 restrictions on 43: read
    assert rate_evidence(with_tests(pretest=few)).reasons == (FAILED_LINE.format(p="0.01"),)


def test_reliable_flag_overrules_the_count_rule():
    flagged = {**DEGENERATE, "reliable": True}
    assert rate_evidence(with_tests(pretest=flagged)).reasons == (
        FAILED_LINE.format(p="1.9e-197"),)


def test_unreliable_event_study_falls_back_to_a_reliable_pretest():
    unreliable_event = {**EVENT_FAIL, "reliable": False, "note": "too few clusters"}
    good = {"statistic": 3.0, "df": 3, "p_value": 0.39, "reliable": True}
    assert pretest_used(with_tests(pretest=good, pretest_event_study=unreliable_event)) == (
        good, None)


def test_annex_says_which_test_was_read_and_why_not_the_other():
    bullets = pretest_bullets(with_tests(pretest=DEGENERATE, pretest_event_study=EVENT_PASS))
    assert bullets == [
        "Cases closed with goals met: pre-trend test from a two-way event study with binned "
        "leads: statistic 2.1, df 2, p = 0.35 (read for the evidence rating).",
        "Cases closed with goals met: pre-trend test of all pre-pilot ATT(g,t) together: "
        "statistic 1023.04, df 28, p = 1.9e-197 (not read: 28 restrictions on 43 clusters: "
        "the covariance matrix is near-singular).",
    ]


def test_brief_with_only_an_unreliable_test_has_no_pretrend_caveat():
    built = build_brief_content([with_tests(pretest=DEGENERATE)], date="2026-11-27")
    assert not any("moving apart" in c for c in built.caveats)


def test_cost_sentences_in_words():
    # hand-worked from the wording rules: 2 significant figures, ranges without signs
    fell = outcome_row(base.analysis(outcome="cost", label="Cost per case", unit="GBP",
                                     polarity="lower_is_better", estimate=-144.7,
                                     ci=(-278.7, -10.7)))
    assert cost_sentence(fell) == "Cost per case fell by about £140 (95% range £11 to £280)."
    unclear = outcome_row(base.analysis(outcome="cost", label="Cost per case", unit="GBP",
                                        polarity="lower_is_better", estimate=-120.0,
                                        ci=(-310.0, 70.0)))
    assert cost_sentence(unclear) == ("Cost per case: no clear change (about £120 lower; 95% "
                                      "range £310 lower to £70 higher).")


def test_power_of_the_event_study_test_is_judged_on_its_own_leads():
    # effect 4.137; the tested binned leads have half-widths 1.0 and 1.5 (< 4.137): reassuring,
    # although the C&S per-period leads (event_time) are far wider (half-width 5 >= 4.137)
    analysis = with_tests(pretest=DEGENERATE, pretest_event_study=EVENT_PASS)
    analysis["event_time"] = [{"e": -2, "estimate": 0.5, "ci_low": -4.5, "ci_high": 5.5}]
    analysis["event_study"] = {"event_time": [
        {"e": -3, "estimate": 0.1, "ci_low": -0.9, "ci_high": 1.1},
        {"e": -2, "estimate": -0.2, "ci_low": -1.7, "ci_high": 1.3},
        {"e": 1, "estimate": 4.0, "ci_low": -9.0, "ci_high": 17.0}]}  # after: not a lead
    assert rate_evidence(analysis).reasons == ()
    analysis["event_study"]["event_time"][1].update(ci_low=-4.5, ci_high=4.1)  # 4.3 >= 4.137
    assert rate_evidence(analysis).reasons == (
        "The pre-trend test could miss a trend as large as the effect itself: the pre-pilot "
        "estimates are too imprecise to reassure.",)


def test_smoothness_bounds_alone_do_not_set_the_rating_and_are_not_called_not_run():
    # pilot_eval.analysis.Sensitivity.to_dict(): smoothness computed, relative magnitudes not
    analysis = with_tests(sensitivity={
        "smoothness": {"restriction": "smoothness", "breakdown": 0.02, "rows": []},
        "relative_magnitude": {"unavailable": "not implemented yet"},
        "parameter": "the first post-period event-study effect"})
    rating = rate_evidence(analysis)
    assert not any("Sensitive to parallel-trend" in r for r in rating.reasons)
    assert SMOOTHNESS_ONLY in rating.not_checked
    assert "sensitivity to parallel-trend violations not run" not in rating.not_checked


def test_relative_magnitude_breakdown_below_one_lowers_the_rating():
    analysis = with_tests(sensitivity={"relative_magnitude": {"breakdown": 0.5}})
    assert rate_evidence(analysis).reasons == (
        "Sensitive to parallel-trend violations: the conclusion would not survive a change in "
        "trend smaller than the largest seen before the pilot (breakdown value 0.5).",)


def test_rows_dropped_to_balance_the_panel_are_named_as_such():
    analysis = with_tests(data={"n_rows": 1433, "n_rows_used": 1230}, unbalanced="drop")
    # (1433 - 1230) / 1433 = 14.2%: over the 10% threshold
    assert rate_evidence(analysis).reasons == (
        "Much data left out: 14% of rows were not used in the estimate (missing values, and "
        "teams not observed in every period, which this estimator drops).",)


def test_missing_data_caveat_names_the_balanced_panel_drop():
    from pilot_eval.brief.text import caveats

    analysis = with_tests(data={"n_rows": 1433, "n_rows_used": 1230}, unbalanced="drop")
    assert caveats([analysis])[-1] == (
        "Missing data: up to 203 of 1,433 rows were left out of an estimate because values "
        "were missing or the estimator needs every team in every period.")
