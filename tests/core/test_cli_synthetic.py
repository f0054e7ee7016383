"""``pilot-eval did`` with synthetic DiD / synthetic control: flags, auto for small pilots,
the DiD beside the headline, and bad input (exit 2, the file, column and units named)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval import demo_small
from pilot_eval.cli import EXIT_BAD_INPUT, EXIT_OK, main

PROP99 = Path(__file__).parents[1] / "data" / "synthetic" / "california_prop99.csv"
ROLES = ["--outcome", "PacksPerCapita", "--unit", "State", "--time", "Year",
         "--treatment", "treated"]
PRINTED_7 = 5e-6  # R synthdid vignette values printed to 7 significant digits: half a unit in the last place


@pytest.fixture
def prop99(tmp_path):
    path = tmp_path / "prop99.csv"
    pd.read_csv(PROP99, sep=";").to_csv(path, index=False)
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_synthetic_did_json_with_did_beside_it(prop99, capsys):
    code, out, _ = run(["did", prop99, *ROLES, "--estimator", "synthetic-did",
                        "--placebo-reps", "20", "--seed", "5", "--json"], capsys)
    assert code == EXIT_OK
    d = json.loads(out)
    assert d["estimator"] == "synthetic-did" and d["se_type"] == "placebo"
    assert d["estimate"] == pytest.approx(-15.60383, abs=PRINTED_7)
    assert d["replications"] == 20 and d["seed"] == 5
    assert d["twfe"]["estimate"] == pytest.approx(-27.34911, abs=PRINTED_7)  # R did_estimate
    assert d["synthetic_control"]["placebo_rank"] >= 1
    assert d["choice"]["inference"] == "placebo"
    again = json.loads(run(["did", prop99, *ROLES, "--estimator", "synthetic-did",
                            "--placebo-reps", "20", "--seed", "5", "--json"], capsys)[1])
    assert again["se"] == d["se"]


def test_auto_picks_synthetic_did_for_one_pilot_unit(prop99, capsys):
    code, out, _ = run(["did", prop99, *ROLES, "--placebo-reps", "10"], capsys)
    assert code == EXIT_OK
    assert "Estimator: synthetic-did (only 1 pilot unit" in out
    assert "Two-way fixed effects, for comparison" in out


def test_auto_on_the_small_pilot_demo(tmp_path, capsys):
    demo_small.write(tmp_path)
    code, out, _ = run(["did", tmp_path / "outcomes.csv", "--outcome", "goals_met_pct",
                        "--unit", "team", "--time", "month", "--treatment", "pilot",
                        "--placebo-reps", "20", "--json"], capsys)
    assert code == EXIT_OK
    d = json.loads(out)
    assert d["estimator"] == "synthetic-did" and "2 pilot units" in d["choice"]["reason"]


def test_synthetic_control_from_the_command_line(prop99, capsys):
    code, out, _ = run(["did", prop99, *ROLES, "--estimator", "synthetic-control"], capsys)
    assert code == EXIT_OK
    assert "permutation p-value" in out and "pilot ranks" in out


def test_missing_cell_exits_2_naming_file_column_and_unit(prop99, tmp_path, capsys):
    frame = pd.read_csv(prop99)
    frame.loc[(frame.State == "Utah") & (frame.Year == 1975), "PacksPerCapita"] = None
    bad = tmp_path / "gaps.csv"
    frame.to_csv(bad, index=False)
    code, _, err = run(["did", bad, *ROLES, "--estimator", "synthetic-did"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "gaps.csv" in err and "PacksPerCapita" in err and "Utah" in err
    assert "Traceback" not in err


def test_bad_placebo_reps_exits_2(prop99, capsys):
    code, _, err = run(["did", prop99, *ROLES, "--estimator", "synthetic-did",
                        "--placebo-reps", "1"], capsys)
    assert code == EXIT_BAD_INPUT and "placebo_reps" in err


def test_no_donors_exits_2(prop99, tmp_path, capsys):
    frame = pd.read_csv(prop99)
    frame["treated"] = (frame.Year >= 1989).astype(int)
    bad = tmp_path / "all.csv"
    frame.to_csv(bad, index=False)
    code, _, err = run(["did", bad, *ROLES, "--estimator", "synthetic-did"], capsys)
    assert code == EXIT_BAD_INPUT and "all.csv" in err and "no comparison" in err


def test_too_few_pre_periods_exits_2_naming_unit_and_start(prop99, tmp_path, capsys):
    frame = pd.read_csv(prop99)
    frame["treated"] = ((frame.State == "California") & (frame.Year >= 1971)).astype(int)
    bad = tmp_path / "late.csv"
    frame.to_csv(bad, index=False)
    for estimator in ("synthetic-did", "synthetic-control"):
        code, _, err = run(["did", bad, *ROLES, "--estimator", estimator], capsys)
        assert code == EXIT_BAD_INPUT and "late.csv" in err and "Traceback" not in err
        assert "California started in 1971 with 1 period(s) before" in err
        assert "add earlier periods" in err


def test_pilot_unit_without_pre_period_rows_exits_2_asking_for_them(prop99, tmp_path, capsys):
    frame = pd.read_csv(prop99)
    frame = frame[~((frame.State == "California") & (frame.Year < 1989))]
    bad = tmp_path / "cut.csv"
    frame.to_csv(bad, index=False)
    code, _, err = run(["did", bad, *ROLES, "--estimator", "synthetic-did"], capsys)
    assert code == EXIT_BAD_INPUT and "cut.csv" in err and "Traceback" not in err
    assert "no period before the pilot started (for example 'California')" in err
    # its rows start late (other units from 1970): the fix is to add them, not to read the
    # treatment column as a pilot-group marker
    assert "Add the periods before the pilot" in err and "marks pilot units" not in err


def test_small_pilot_demo_runs_the_whole_pipeline_with_synthetic_did(tmp_path, capsys):
    out = tmp_path / "small"
    code, printed, _ = run(["demo", "--small-pilot", "--out", out], capsys)
    assert code == EXIT_OK and "Small-pilot demo analysed" in printed
    assert "Children's plan goals met" in printed
    for name in ("brief.pdf", "brief.html", "results.json", "small-pilot.pilot.json",
                 "data/outcomes.csv"):
        assert (out / name).is_file(), name
    (outcome,) = json.loads((out / "results.json").read_text(encoding="utf-8"))["outcomes"]
    assert outcome["headline"]["estimator"] == "synthetic-did"
    assert "only 2 pilot units" in outcome["headline"]["estimator_reason"]
    assert outcome["synthetic"]["method"] == "synthetic-did"
    # the project written beside the files reruns through 'pilot-eval brief'
    again = tmp_path / "again"
    code, _, _ = run(["brief", out / "small-pilot.pilot.json", "--out", again], capsys)
    assert code == EXIT_OK
    (rerun,) = json.loads((again / "results.json").read_text(encoding="utf-8"))["outcomes"]
    assert rerun["headline"]["estimate"] == outcome["headline"]["estimate"]


def test_text_output_reads_for_a_synthetic_headline(tmp_path, capsys):
    demo_small.write(tmp_path)
    argv = ["did", tmp_path / "outcomes.csv", "--outcome", "goals_met_pct", "--unit", "team",
            "--time", "month", "--treatment", "pilot", "--placebo-reps", "20"]
    code, out, _ = run(argv, capsys)
    assert code == EXIT_OK
    assert "start Apr 2024: estimate" in out  # the period's label, not its code
    # the method's own checks instead of the DiD pre-trend test
    assert "Checks of the synthetic comparison:\n  pre-period fit: " in out
    assert "  placebo rank: " in out and "Pre-trend test read" not in out
    # the few-pilot-clusters warning no longer advises the method already used
    assert "headed by synthetic difference-in-differences, a method built for a few" in out
    assert "suits this design better" not in out
    code, out, _ = run([*argv[:10], "--estimator", "twfe"], capsys)
    assert code == EXIT_OK and "suits this design better" in out
    assert "Pre-trend test read" in out


def test_the_checks_before_the_analysis_say_which_method_automatic_will_use(tmp_path):
    """The data step's few-pilot-clusters advice names the method the analysis chooses
    (reference: ``choose_estimator`` on the same data), and keeps the general advice when the
    synthetic methods cannot run (a pilot team missing a month)."""
    from pilot_eval.estimators import PanelColumns

    from pilot_eval.analysis import DidOptions
    from pilot_eval.choice import choose_estimator
    from pilot_eval.io.periods import normalise_periods
    from pilot_eval.validation import SMALL_PILOT_HINT, validate_panel

    demo_small.write(tmp_path)
    frame = pd.read_csv(tmp_path / "outcomes.csv")
    columns = PanelColumns(outcome="goals_met_pct", unit="team", time="month",
                           treatment="pilot")

    def hint(data, options=None):
        (few,) = [p for p in validate_panel(data, columns, options=options).problems
                  if p.code == "few_clusters"]
        return few.hint

    periods = normalise_periods(frame, time="month").frame
    assert choose_estimator(periods, columns, "auto").estimator == "synthetic-did"
    assert hint(frame).startswith("The analysis will head its results with synthetic "
                                  "difference-in-differences")
    assert hint(frame, DidOptions(estimator="twfe")) == SMALL_PILOT_HINT
    pilot_team = frame.loc[frame["pilot"] == 1, "team"].iloc[0]
    gap = frame.drop(index=frame.index[frame["team"] == pilot_team][0])
    assert hint(gap) == SMALL_PILOT_HINT
