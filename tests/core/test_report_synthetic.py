"""The typed synthetic section of an outcome report (issue 15) and its charts.

Checked against the estimators' own dictionaries (brute force): the weights are the headline
cohort's, largest first; the path is the pilot and the synthetic comparison (with synthetic
DiD's offset added); the placebo gaps are the in-space placebos of the synthetic control fitted
beside the headline; the checks are ``small_pilots.evidence_terms`` of the headline.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval import demo_small
from pilot_eval.analysis import DidRequest, run_analysis
from pilot_eval.charts.synthetic import section_figures
from pilot_eval.report.build_outcome import outcome_report
from pilot_eval.report.codec import from_plain, to_plain
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.synthetic import PlaceboGaps
from pilot_eval.small_pilots import evidence_terms, method_sentence

ROLES = PanelColumns(outcome="goals_met_pct", unit="team", time="month", treatment="pilot")
IDENTITY = 1e-12


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("small")
    demo_small.write(folder)
    return pd.read_csv(Path(folder) / "outcomes.csv")


@pytest.fixture(scope="module")
def analysis(frame):
    return run_analysis(DidRequest(columns=ROLES), frame)


def test_synthetic_did_headline_carries_its_section(analysis):
    report = outcome_report(analysis)
    raw = analysis.result.to_dict()
    section = report.synthetic
    assert raw["estimator"] == section.method == "synthetic-did"
    assert section.sentence == method_sentence("sdid")
    (cohort,) = raw["cohorts"]
    weights = sorted(((w["unit"], w["weight"]) for w in cohort["unit_weights"]),
                     key=lambda p: -p[1])
    assert [(w.unit, w.weight) for w in section.weights] == [(str(u), w) for u, w in weights]
    path = cohort["trajectory"]
    assert section.path.pilot == tuple(path["pilot"])
    assert section.path.synthetic == pytest.approx(
        [s + path["offset"] for s in path["synthetic"]], abs=IDENTITY)
    assert section.path.start_index == cohort["n_pre"]
    labels = {int(k): v for k, v in analysis.period_labels.items()}
    assert section.path.labels == tuple(labels[int(p)] for p in path["periods"])
    control = analysis.extras["synthetic_control"].to_dict()
    gaps = section.placebo_gaps
    assert isinstance(gaps, PlaceboGaps)
    assert gaps.pilot == tuple(control["gaps"]["pilot"])
    assert len(gaps.placebos) == control["n_placebos"]
    assert (gaps.rank, gaps.p_value) == (control["placebo_rank"], control["p_value"])
    assert [(c.name, c.rating, c.text) for c in section.checks] == [
        (t.name, t.rating, t.text) for t in evidence_terms(raw)]


def test_section_round_trips_and_old_reports_still_read(analysis):
    report = outcome_report(analysis)
    assert from_plain(OutcomeReport, to_plain(report)) == report
    plain = to_plain(report)
    del plain["synthetic"]  # results.json written before the section existed
    assert from_plain(OutcomeReport, plain) == dataclasses.replace(report, synthetic=None)


def test_synthetic_control_headline(frame):
    analysis = run_analysis(DidRequest(columns=ROLES, estimator="synthetic-control"), frame)
    raw = analysis.result.to_dict()
    section = outcome_report(analysis).synthetic
    assert section.method == "synthetic-control"
    assert section.sentence == method_sentence("sc")
    assert section.path.offset == 0.0
    assert section.path.pilot == pytest.approx(
        [s + g for s, g in zip(raw["synthetic"], raw["gaps"]["pilot"], strict=True)],
        abs=IDENTITY)
    assert section.path.start_index == raw["periods"].index(raw["start"])
    assert section.placebo_gaps.rank == raw["placebo_rank"]
    assert sum(w.weight for w in section.weights) == pytest.approx(1.0, abs=1e-9)


def test_other_headlines_have_no_section(frame):
    analysis = run_analysis(DidRequest(columns=ROLES, estimator="twfe"), frame)
    assert outcome_report(analysis).synthetic is None


def test_charts_from_the_section(analysis):
    section = outcome_report(analysis).synthetic
    trajectory, gaps, table = section_figures(section, outcome_label="Goals met", unit="%")
    ax = trajectory.axes[0]
    assert len(ax.lines) == 3  # pilot, synthetic comparison, start
    assert list(ax.lines[1].get_ydata()) == pytest.approx(section.path.synthetic)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert shown[0] == section.path.labels[0] and set(shown) <= set(section.path.labels)
    assert len(gaps.axes[0].lines) == len(section.placebo_gaps.placebos) + 3  # zero, pilot, start
    assert table[0] == (section.weights[0].unit, f"{section.weights[0].weight:.0%}")
