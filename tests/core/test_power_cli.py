"""``pilot-eval power``: the plan on the demo panel, its JSON keys and exit code 2 for bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.cli import main
from pilot_eval.demo import demo_path
from pilot_eval.errors import AnalysisCancelled
from pilot_eval.planning import PowerRequest, plan_power
from pilot_eval.progress import Progress

DEMO = ["--outcome", "goals_met_pct", "--unit", "team", "--time", "month", "--cohort",
        "pilot_start"]
KEYS = {"outcome", "effect", "target_power", "alpha", "estimator", "staggered", "reps", "seed",
        "components", "grid", "sentence", "power_explained", "warnings", "retention", "method"}
CELL_KEYS = {"pilot_teams", "comparison_teams", "months", "pre_months", "estimator", "power",
             "mc_se", "mde", "analytic_power", "analytic_mde", "design_effect",
             "false_alarm_rate"}


@pytest.fixture(scope="module")
def outcomes() -> str:
    return str(demo_path("outcomes.csv"))


def test_effect_grid_json_on_the_demo(outcomes, capsys):
    code = main(["power", outcomes, *DEMO, "--effect", "3", "--teams", "5,10", "--months",
                 "6,12", "--reps", "100", "--polarity", "higher_is_better",
                 "--hazard-ratio", "0.7", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= KEYS
    assert len(data["grid"]) == 4 and set(data["grid"][0]) >= CELL_KEYS
    assert data["estimator"] == "twfe" and data["components"]["n_units"] >= 40
    # the demo: 16 pilot teams in two waves (2024-04, 2024-10), 32 comparison teams,
    # 12 months before the first start and 18 from it to 2025-09 (resources/demo/metadata.json)
    assert data["pilot"] == {"pilot_teams": 16, "comparison_teams": 32, "months_before": 12,
                             "months_after": 18, "waves": 2}
    for cell in data["grid"]:
        p, se = cell["power"], cell["mc_se"]
        assert 0 <= p <= 1 and se == pytest.approx(np.sqrt(p * (1 - p) / 100))
        assert cell["comparison_teams"] == 2 * cell["pilot_teams"]  # the demo's 32 : 16
    assert data["retention"]["leavers_needed"] > 0
    assert "8 times in 10" in data["sentence"] or "None of the designs" in data["sentence"]


def test_power_target_staggered_text(outcomes, capsys):
    code = main(["power", outcomes, *DEMO, "--power", "0.8", "--teams", "10", "--months", "12",
                 "--staggered", "--reps", "100"])
    assert code == 0
    out = capsys.readouterr().out
    assert "callaway-santanna (staggered starts)" in out
    assert "Power is the chance" in out and "smallest change detected 8 times in 10" in out


def test_more_power_with_more_teams_and_reproducible(outcomes):
    frame = pd.read_csv(outcomes)
    request = PowerRequest(PanelColumns(outcome="goals_met_pct", unit="team", time="month",
                                        cohort="pilot_start"), effect=2.0, teams=(5, 30),
                           months=(12,), reps=200, workers=1)
    plan = plan_power(request, frame)
    small, large = plan.cells
    assert large.power > small.power
    assert plan_power(request, frame).to_dict() == plan.to_dict()


def test_cancelling_stops_the_simulation(outcomes):
    progress = Progress()
    progress.cancel()
    request = PowerRequest(PanelColumns(outcome="goals_met_pct", unit="team", time="month"),
                           effect=2.0, teams=(5,), months=(6,), reps=50)
    with pytest.raises(AnalysisCancelled):
        plan_power(request, pd.read_csv(outcomes), progress)


@pytest.mark.parametrize(("extra", "message"), [
    (["--effect", "0"], "zero cannot be detected"),
    (["--effect", "-2", "--polarity", "higher_is_better"], "positive number"),
    (["--effect", "2", "--polarity", "lower_is_better"], "negative number"),
    (["--power", "1"], "cannot be a target"),
    (["--power", "0.03"], "cannot be a target"),
    (["--effect", "2", "--months", "40"], "Plan at most 29 months"),
    (["--effect", "2", "--teams", "0"], "at least 1"),
    (["--effect", "2", "--teams", "ten"], "whole numbers"),
    (["--effect", "2", "--hazard-ratio", "1"], "other than 1"),
    (["--effect", "2", "--estimator", "synthetic"], "estimator"),
])
def test_bad_input_exits_2(outcomes, capsys, extra, message):
    try:
        code = main(["power", outcomes, *DEMO, "--reps", "20", *extra])
    except SystemExit as stop:  # argparse rejects a malformed list itself, with exit code 2
        code = stop.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_too_few_teams_or_months(tmp_path, capsys):
    rows = [{"team": f"t{i}", "month": f"2024-{m:02d}", "y": float(i + m)}
            for i in range(3) for m in range(1, 7)]
    path = tmp_path / "three.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code = main(["power", str(path), "--outcome", "y", "--unit", "team", "--time", "month",
                 "--effect", "1", "--months", "2", "--reps", "20"])
    assert code == 2
    assert "needs at least 4" in capsys.readouterr().err
    one_month = tmp_path / "short.csv"
    pd.DataFrame([{"team": f"t{i}", "month": "2024-01", "y": 1.0} for i in range(8)]).to_csv(
        one_month, index=False)
    assert main(["power", str(one_month), "--outcome", "y", "--unit", "team", "--time", "month",
                 "--effect", "1", "--reps", "20"]) == 2
    assert "2 months" in capsys.readouterr().err


def test_missing_column_named(outcomes, capsys):
    assert main(["power", outcomes, "--outcome", "nope", "--unit", "team", "--time", "month",
                 "--effect", "1"]) == 2
    assert "nope" in capsys.readouterr().err




def test_power_curve_chart_draws_one_labelled_line_per_follow_up(outcomes, tmp_path):
    from pilot_eval.charts.power import power_curve_figure

    request = PowerRequest(PanelColumns(outcome="goals_met_pct", unit="team", time="month",
                                        cohort="pilot_start"), effect=2.0, teams=(5, 10, 20),
                           months=(6, 12), reps=100)
    plan = plan_power(request, pd.read_csv(outcomes)).to_dict()
    figure = power_curve_figure(plan)
    axes = figure.axes[0]
    labels = {t.get_text() for t in axes.texts}
    assert labels == {"6 months", "12 months"}  # nothing else written over the lines
    assert "(dashed: the 8 in 10 aimed for)" in axes.get_ylabel()
    assert axes.get_xlabel() == "Pilot teams in the next phase"
    assert list(axes.get_xticks()) == [5, 10, 20]
    figure.savefig(tmp_path / "curve.png")
    mde_figure = power_curve_figure({**plan, "effect": None})
    assert "Smallest effect" in mde_figure.axes[0].get_ylabel()


def test_words_never_say_failed():
    from pilot_eval.planning_words import POWER_IN_ONE_SENTENCE, times_in_ten

    assert "fail" not in POWER_IN_ONE_SENTENCE.lower()
    assert times_in_ten(0.8) == "8 times in 10"
    assert times_in_ten(0.949) == "9 times in 10"
    assert times_in_ten(0.95) == "nearly every time"  # never "10 times in 10"
    assert times_in_ten(0.049) == "almost never"      # never "0 times in 10"
    from pilot_eval.planning_words import short_of

    assert short_of(0.79, 0.8) == "79% of the time"  # never a shortfall read as the target
    assert short_of(0.62, 0.8) == "6 times in 10"


def test_unreachable_effect_says_so(outcomes):
    request = PowerRequest(PanelColumns(outcome="goals_met_pct", unit="team", time="month",
                                        cohort="pilot_start"), effect=0.05, teams=(2,),
                           months=(3,), reps=50)
    sentence = plan_power(request, pd.read_csv(outcomes)).sentence
    assert sentence.startswith("None of the designs planned reaches 8 times in 10")


def test_false_alarms_with_very_few_teams_are_flagged():
    """Two pilot and two comparison teams: CR1 with 3 degrees of freedom over-rejects when
    the teams' serial correlation is strong (AR(1) 0.9 here), and the plan says so."""
    rng = np.random.default_rng(8)
    teams, months = 60, 20
    noise = np.zeros((teams, months))
    noise[:, 0] = rng.normal(size=teams)
    for t in range(1, months):
        noise[:, t] = 0.9 * noise[:, t - 1] + rng.normal(size=teams)
    frame = pd.DataFrame({"team": np.repeat(np.arange(teams), months),
                          "month": np.tile(np.arange(1, months + 1), teams),
                          "y": noise.ravel()})
    request = PowerRequest(PanelColumns(outcome="y", unit="team", time="month"), effect=1.0,
                           teams=(1, 20), months=(8,), comparison_ratio=2.0, pre=8, reps=1000)
    plan = plan_power(request, frame)
    few, many = plan.cells
    limit = 0.05 + 3 * (0.05 * 0.95 / 1000) ** 0.5   # alpha + 3 Monte-Carlo SEs
    assert few.draws.power(0.0) > 0.15 and many.draws.power(0.0) < limit
    flagged = [note for note in plan.notes if "Without any effect" in note]
    assert len(flagged) == 1 and "for 1 pilot team over 8 months" in flagged[0]
    assert plan.to_dict()["grid"][0]["false_alarm_rate"] == few.draws.power(0.0)


def test_the_pilots_own_design_can_be_replayed(outcomes):
    """What a report asks when a result is unclear: could the pilot itself have told?"""
    from pilot_eval.planning import pilot_design

    frame = pd.read_csv(outcomes)
    columns = PanelColumns(outcome="engagement_index", unit="team", time="month",
                           cohort="pilot_start")
    first = plan_power(PowerRequest(columns, effect=1.0, teams=(10,), months=(6,), reps=50),
                       frame)
    own = first.pilot_shape
    read = pilot_design(columns, frame)  # the same without simulating
    assert (read.pilot_teams, read.comparison_teams, read.shape) == (
        first.pilot_teams, first.comparison_teams, own)
    assert read.longest_window == 30
    replay = plan_power(PowerRequest(
        columns, effect=1.0, teams=(first.pilot_teams,), months=(own.months_after,),
        pre=own.months_before, staggered=own.waves > 1,
        comparison_ratio=first.comparison_teams / first.pilot_teams, reps=200), frame)
    (cell,) = replay.cells
    assert (cell.design.n_pilot, cell.design.n_comparison, cell.design.pre, cell.design.post) \
        == (16, 32, 12, 18)
    assert cell.estimator == "callaway-santanna"


def test_synthetic_did_is_simulated_on_request(outcomes, capsys):
    """A pilot of a few teams is analysed with synthetic DiD: its power is simulated with it."""
    assert main(["power", outcomes, *DEMO, "--effect", "3", "--teams", "2", "--months", "6",
                 "--estimator", "synthetic-did", "--reps", "30", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimator"] == "synthetic-did"
    assert "spread of the estimates across replications without an effect" in data["method"]
    (cell,) = data["grid"]
    assert (cell["pilot_teams"], cell["months"], cell["estimator"]) == (2, 6, "synthetic-did")
    assert 0.0 <= cell["power"] <= 1.0 and cell["mc_se"] > 0
