"""The typed project report: built once by ``run_project``, read back exactly from results.json.

References: the decisions are checked against the estimators run directly on the same data
(the wild cluster bootstrap's interval and p-value become the headline's with few clusters;
the Cox model's ``pilot_post`` coefficient is the pilot effect, its hazard ratio exp(coef));
the demo's figures against the estimators' own dictionaries (exact equality: the report copies,
it does not recompute).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns, Unavailable

from pilot_eval.analysis import DidRequest, run_analysis
from pilot_eval.pipeline import demo_project
from pilot_eval.report import ProjectReport, run_project
from pilot_eval.report.build_outcome import outcome_report
from pilot_eval.report.clock import CLOCK_VARIABLE, read_clock
from pilot_eval.report.codec import ReportFormatError, from_plain, to_plain
from pilot_eval.report.errors import BriefError, ResultsFileError
from pilot_eval.report.outcome import EventTimeRow
from pilot_eval.report.project_report import SCHEMA_VERSION

FIXED = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=0)))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo project, one outcome and the staff records, run once."""
    folder = tmp_path_factory.mktemp("demo")
    project = demo_project(folder)
    project = dataclasses.replace(project, outcomes=project.outcomes[:1])
    report = run_project(project, project_file=folder / "demo.pilot.json", clock=lambda: FIXED)
    return folder, project, report


def test_round_trip_is_exact(demo_run):
    _, _, report = demo_run
    text = report.to_json()
    back = ProjectReport.from_json(text)
    assert back == report
    assert back.to_json() == text
    document = json.loads(text)
    assert document["format"] == "pilot-eval results"
    assert document["schema_version"] == SCHEMA_VERSION


def test_provenance_names_files_relative_to_the_project(demo_run):
    _, _, report = demo_run
    sources = {s.role: s for s in report.provenance.sources}
    assert sources["outcome panel"].file == "data/outcomes.csv"
    assert sources["staff records"].file == "data/staff.csv"
    assert report.retention.data.file == "data/staff.csv"
    assert report.provenance.project_file == "demo.pilot.json"
    assert report.provenance.first_period == "Apr 2023"
    assert report.provenance.extract_date == "2025-10-01"
    assert report.qa.run_at == FIXED and report.qa.clock.startswith("fixed")
    # no bootstrap in the demo: the one seed is the sensitivity bounds' (R HonestDiD's 0)
    assert report.qa.seeds == (0,)


def test_headline_and_checks_copy_the_estimators(demo_run):
    folder, project, report = demo_run
    analysis = run_analysis(project.did_requests()[0], project.outcome_data.load())
    raw = analysis.result.to_dict()
    outcome = report.outcomes[0]
    headline = outcome.headline
    assert headline.estimator == "callaway-santanna" and headline.inference == "analytic"
    for key in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        assert getattr(headline, key) == raw[key]
    assert headline.clusters.n == raw["n_clusters"] == 43
    assert headline.clusters.variable == "team"
    # one cluster count: the choice counted 48 teams in the data, the estimate used 43
    assert "(43 clusters used in the estimate, of 48 in the data)" in headline.inference_reason
    assert outcome.twfe.estimate == analysis.extras["twfe"].estimate
    # the dynamic aggregation's rows are the event study shown for a staggered headline
    dynamic = raw["aggregations"]["dynamic"]["rows"]
    assert outcome.event_study.source == "dynamic aggregation"
    assert [r.e for r in outcome.event_study.rows] == [r["event_time"] for r in dynamic]
    assert outcome.event_study.rows[0].label == "17 months before"


def test_the_pretest_read_is_the_reliable_binned_leads_test(demo_run):
    outcome = demo_run[2].outcomes[0]
    by_source = {t.source: t for t in outcome.pretest.tests}
    # Callaway & Sant'Anna's own pre-test: 28 restrictions on 43 clusters, more than 0.1 G
    assert by_source["estimator"].df == 28 and not by_source["estimator"].reliable
    used = outcome.pretest.used
    assert used is by_source["event study"] or used == by_source["event study"]
    assert used.reliable and used.leads == (-5, -4, -3, -2)
    assert outcome.evidence.not_checked == ()


def test_pilot_effect_is_the_pilot_by_post_cox_term(demo_run):
    retention = demo_run[2].retention
    names = [t.name for t in retention.cox.terms]
    assert names[0] == "pilot"  # the level difference comes first in the model ...
    effect = retention.pilot_effect
    assert effect.term.name == "pilot_post" and effect.is_difference_in_differences
    assert effect.term.hazard_ratio == pytest.approx(math.exp(effect.term.coef), rel=1e-12)
    assert effect.term.hazard_ratio < 1 < retention.cox.terms[0].hazard_ratio
    # the default horizon: 24 months, as both arms have 25+ staff at risk well beyond it
    assert retention.rmst.tau == 24.0 and retention.rmst.tau_source.startswith(
        "the default: 24 months, or the longest time both groups reach with at least 25")
    assert retention.rmst.difference.group == "pilot"
    assert [g.arm for g in retention.groups] == ["pilot", "comparison"]
    pilot = retention.groups[0]
    assert pilot.curve.at_risk[0] >= pilot.curve.at_risk[-1]
    means = {m.rate: m for m in retention.rates.means}
    column = retention.rates.by_arm.column("nhs_leaver_rate")
    arms = retention.rates.by_arm.column("arm")
    pilot_rates = [v for v, a in zip(column, arms, strict=True) if a == "pilot"]
    assert means["nhs_leaver_rate"].pilot == pytest.approx(sum(pilot_rates) / len(pilot_rates))


def few_cluster_panel(seed: int = 3) -> pd.DataFrame:
    """12 teams (6 in the pilot from period 5) over 8 periods: too few clusters for CR1."""
    rng = np.random.default_rng(seed)
    rows = []
    for team in range(12):
        effect = rng.normal()
        for period in range(1, 9):
            treated = int(team < 6 and period >= 5)
            rows.append({"team": f"T{team:02d}", "period": period,
                         "start": 5 if team < 6 else 0,
                         "y": effect + 0.2 * period + 1.5 * treated + rng.normal()})
    return pd.DataFrame(rows)


def test_with_few_clusters_the_wild_bootstrap_is_the_headline_range():
    columns = PanelColumns(outcome="y", unit="team", time="period", cohort="start")
    analysis = run_analysis(DidRequest(columns, bootstrap=999), few_cluster_panel())
    assert analysis.choice.inference == "wild"
    report = outcome_report(analysis)
    wild, raw = analysis.extras["wild_bootstrap"], analysis.result
    assert report.headline.se_type == "wild"
    assert (report.headline.ci_low, report.headline.ci_high) == (wild.ci_low, wild.ci_high)
    assert report.headline.p_value == wild.p_value
    assert report.headline.estimate == raw.estimate
    assert report.headline.analytic.ci_low == raw.ci_low
    assert report.headline.analytic.p_value == raw.p_value
    assert report.evidence.reasons[0].startswith("Few clusters (12)")
    # the legacy did --json keeps its keys and takes the same decision
    legacy = analysis.to_dict()
    assert legacy["ci_low"] == wild.ci_low and legacy["analytic"]["ci_low"] == raw.ci_low


def test_codec_keeps_unavailable_and_refuses_nan():
    row = EventTimeRow(e=-1, label="1 month before", estimate=Unavailable("reference"),
                       se=0.5, ci_low=-1.0, ci_high=1.0, is_reference=True)
    plain = to_plain(row)
    assert plain["estimate"] == {"unavailable": "reference"}
    assert from_plain(EventTimeRow, plain) == row
    with pytest.raises(ReportFormatError, match="non-finite"):
        to_plain(dataclasses.replace(row, se=float("nan")))
    with pytest.raises(ReportFormatError, match="unknown entries"):
        from_plain(EventTimeRow, {**plain, "extra": 1})


def test_results_from_another_version_are_refused_with_advice(demo_run):
    document = demo_run[2].to_plain()
    newer = json.dumps({**document, "schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(ResultsFileError, match="Update pilot-eval"):
        ProjectReport.from_json(newer)
    with pytest.raises(ResultsFileError, match="not a results file"):
        ProjectReport.from_json(json.dumps({"outcomes": []}))
    with pytest.raises(ResultsFileError, match="not valid JSON"):
        ProjectReport.from_json("{")


def test_clock_variable_fixes_the_run_time(monkeypatch):
    monkeypatch.setenv(CLOCK_VARIABLE, "2025-10-01T09:00:00+01:00")
    moment, which = read_clock()
    assert moment == dt.datetime(2025, 10, 1, 8, 0, tzinfo=dt.UTC)
    assert which == f"fixed ({CLOCK_VARIABLE}=2025-10-01T09:00:00+01:00)"
    monkeypatch.setenv(CLOCK_VARIABLE, "next Tuesday")
    with pytest.raises(BriefError, match="not a date and time"):
        read_clock()
    monkeypatch.delenv(CLOCK_VARIABLE)
    assert read_clock()[1] == "system"


def test_trends_report_before_any_run_matches_the_full_report(demo_run):
    """The Trends step's report (means, starts, the binned-lead pre-trend test) is what the
    full run reports for the same outcome."""
    from pilot_eval.report.trends import trends_report

    _, project, report = demo_run
    outcome = report.outcomes[0]
    trends = trends_report(project.outcome_data.load(), project.did_requests()[0].columns)
    assert trends.group_means == outcome.group_means
    assert trends.pilot_starts == outcome.pilot_starts
    assert trends.period_kind == outcome.period_kind == "month"
    # the event study's reliable test; its power against a trend explaining the effect needs
    # the headline, which the Trends step (before any run) does not have
    assert trends.pretest.used is not None and trends.pretest.used.power is None
    assert trends.pretest.used == dataclasses.replace(outcome.pretest.used, power=None,
                                                      power_slope=None, slope_80=None)
    assert [r.label for r in trends.event_study.rows][:2] == ["5 months before",
                                                              "4 months before"]
    assert outcome.trends.pretest == outcome.pretest
