"""Which pre-trend test the evidence rating reads, and how the brief says it.

The tests are built by the report's own builder (``build_outcome.pretest``, which marks a test
unreliable when it has more restrictions than ``PRETEST_MAX_SHARE`` x clusters) and chosen by
``choose_pretest`` (the event study's binned leads when reliable, else the estimator's own).
Expected wording is written out by hand from the rules in ``pilot_eval/report/evidence.py``.
"""

from __future__ import annotations

import dataclasses

from pilot_eval.estimators import Unavailable
from report_factory import outcome, project, rated

from pilot_eval.brief import build_brief_content
from pilot_eval.brief.annex import pretest_bullets
from pilot_eval.brief.build import cost_sentence
from pilot_eval.brief.content import outcome_row
from pilot_eval.brief.text import caveats
from pilot_eval.report.build_outcome import choose_pretest, pretest
from pilot_eval.report.evidence import SMOOTHNESS_ONLY, UNRELIABLE_PRETEST, rate_evidence
from pilot_eval.report.outcome import (
    EventTimeRow,
    OutcomeData,
    Sensitivity,
    Staggered,
)

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
    assert not any("pre-trend" in n for n in report.evidence.not_checked)


def test_failing_event_study_test_lowers_the_rating():
    rating = with_tests(EVENT_FAIL, DEGENERATE).evidence
    assert rating.reasons == (FAILED_LINE.format(p="0.0071"),)
    assert rating.level == 2


def test_unreliable_test_alone_is_not_checked_not_failed():
    report = with_tests(DEGENERATE)
    assert report.evidence.reasons == () and report.evidence.level == 3
    assert UNRELIABLE_PRETEST in report.evidence.not_checked
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
        "leads: statistic 2.1, df 2, p = 0.35 (read for the evidence rating).",
        "Cases closed with goals met: pre-trend test of all pre-pilot ATT(g,t) together: "
        "statistic 1023.04, df 28, p = 1.9e-197 (not read: 28 restrictions on 43 clusters: "
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


def test_power_of_the_event_study_test_is_judged_on_its_own_leads():
    # effect 4.137; the tested binned leads have half-widths 1.0 and 1.5 (< 4.137): reassuring
    assert with_tests(EVENT_PASS).evidence.reasons == ()
    wide = dataclasses.replace(EVENT_PASS, lead_rows=leads(1.0, 4.3))  # 4.3 >= 4.137
    assert with_tests(wide).evidence.reasons == (
        "The pre-trend test could miss a trend as large as the effect itself: the pre-pilot "
        "estimates are too imprecise to reassure.",)


def sensitivity(mbar, m) -> Sensitivity:
    return Sensitivity(parameter="the average post-period effect", window=(-5, 4),
                       breakdown_mbar=mbar, breakdown_m=m, relative_magnitude=(),
                       smoothness=())


def test_smoothness_bounds_alone_do_not_set_the_rating_and_are_not_called_not_run():
    report = with_tests(sensitivity=sensitivity(Unavailable("not implemented yet"), 0.02))
    rating = report.evidence
    assert not any("Sensitive to parallel-trend" in r for r in rating.reasons)
    assert SMOOTHNESS_ONLY in rating.not_checked
    assert "sensitivity to parallel-trend violations not run" not in rating.not_checked


def test_relative_magnitude_breakdown_below_one_lowers_the_rating():
    report = with_tests(sensitivity=sensitivity(0.5, 0.02))
    assert rate_evidence(report).reasons == (
        "Sensitive to parallel-trend violations: the conclusion would not survive a change in "
        "trend smaller than the largest seen before the pilot (breakdown value 0.5).",)


def dropped() -> dict:
    staggered = Staggered(att_gt=(), aggregations=(), control="never", method="dr",
                          base_period="varying", anticipation=0, unbalanced="drop")
    return {"data": OutcomeData(file="outcomes.csv", sha256="ab" * 32, rows_read=1433,
                                rows_used=1230), "staggered": staggered}


def test_rows_dropped_to_balance_the_panel_are_named_as_such():
    # (1433 - 1230) / 1433 = 14.2%: over the 10% threshold
    assert with_tests(**dropped()).evidence.reasons == (
        "Much data left out: 14% of rows were not used in the estimate (missing values, and "
        "teams not observed in every period, which this estimator drops).",)


def test_missing_data_caveat_names_the_balanced_panel_drop():
    assert caveats([with_tests(**dropped())])[-1] == (
        "Missing data: up to 203 of 1,433 rows were left out of an estimate because values "
        "were missing or the estimator needs every team in every period.")
