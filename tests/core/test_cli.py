"""The ``pilot-eval`` command line: the JSON contract, exit codes and messages.

Reference for the estimate: pyfixest ``feols`` with CRV1 clustering (the fixest convention of
DESIGN.md), run on the same data in the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pilot_eval.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, main

REQUIRED_KEYS = {"estimator", "outcome", "estimate", "se", "ci_low", "ci_high", "p_value",
                 "n_obs", "n_units", "n_clusters", "se_type", "warnings"}
RELATIVE_TOLERANCE = 1e-8  # same convention, same data: agreement to rounding error


def staggered_panel(seed: int = 3, units: int = 40, periods: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(units):
        start = (0, 0, 4, 6)[u % 4]
        level = rng.normal()
        for t in range(1, periods + 1):
            treated = int(start > 0 and t >= start)
            y = level + 0.2 * t + 1.5 * treated + rng.normal()
            rows.append({"team": f"Tîm {u:02d}", "period": t, "start": start, "d": treated,
                         "y": y, "x": rng.normal()})
    return pd.DataFrame(rows)


@pytest.fixture
def panel_csv(tmp_path):
    path = tmp_path / "panel data.csv"
    staggered_panel().to_csv(path, index=False)
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_did_json_has_the_contract_keys_and_matches_pyfixest(panel_csv, capsys):
    pf = pytest.importorskip("pyfixest")
    code, out, err = run(["did", panel_csv, "--outcome", "y", "--unit", "team", "--time",
                          "period", "--cohort", "start", "--estimator", "twfe", "--se",
                          "cluster", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result.keys() >= REQUIRED_KEYS
    frame = staggered_panel()
    fit = pf.feols("y ~ d | team + period", data=frame, vcov={"CRV1": "team"})
    assert result["estimate"] == pytest.approx(float(fit.coef()["d"]), rel=RELATIVE_TOLERANCE)
    assert result["se"] == pytest.approx(float(fit.se()["d"]), rel=RELATIVE_TOLERANCE)
    assert result["n_units"] == 40 and result["n_clusters"] == 40 and result["n_obs"] == 320
    assert result["se_type"] == "cluster"
    assert result["ci_low"] < result["estimate"] < result["ci_high"]
    assert result["choice"]["estimator"] == "twfe"


def test_staggered_auto_gives_callaway_santanna_with_twfe_and_bacon_beside(panel_csv, capsys):
    pf = pytest.importorskip("pyfixest")
    code, out, err = run(["did", panel_csv, "--outcome", "y", "--unit", "team", "--time",
                          "period", "--cohort", "start", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result["estimator"] == "callaway-santanna"
    assert result["estimate"] == result["aggregations"]["simple"]["estimate"]
    assert {"att_gt", "aggregations", "pretest", "event_time", "bacon", "twfe"} <= result.keys()
    fit = pf.feols("y ~ d | team + period", data=staggered_panel(), vcov={"CRV1": "team"})
    assert result["twfe"]["estimate"] == pytest.approx(float(fit.coef()["d"]),
                                                       rel=RELATIVE_TOLERANCE)
    assert result["bacon"]["twfe_estimate"] == pytest.approx(result["twfe"]["estimate"],
                                                             rel=1e-10)
    assert "different times" in result["choice"]["reason"]


def test_treatment_flag_gives_the_same_estimate_as_the_cohort(panel_csv, capsys):
    base = ["did", panel_csv, "--outcome", "y", "--unit", "team", "--time", "period", "--json",
            "--estimator", "twfe"]
    _, by_cohort, _ = run([*base, "--cohort", "start"], capsys)
    code, by_flag, err = run([*base, "--treatment", "d"], capsys)
    assert code == EXIT_OK, err
    assert json.loads(by_flag)["estimate"] == pytest.approx(json.loads(by_cohort)["estimate"],
                                                           rel=1e-12)


def test_two_by_two_flags(tmp_path, capsys):
    frame = staggered_panel()
    frame = frame[frame["start"].isin([0, 4]) & frame["period"].isin([3, 4])].copy()
    frame["pilot"] = (frame["start"] == 4).astype(int)
    frame["after"] = (frame["period"] == 4).astype(int)
    path = tmp_path / "two_by_two.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(["did", path, "--outcome", "y", "--group", "pilot", "--post", "after",
                          "--unit", "team", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    cells = frame.groupby(["pilot", "after"])["y"].mean()
    by_hand = (cells[1, 1] - cells[1, 0]) - (cells[0, 1] - cells[0, 0])
    assert result["estimator"] == "2x2"
    assert result["estimate"] == pytest.approx(by_hand, rel=1e-12)


def test_readable_summary_without_json(panel_csv, capsys):
    code, out, err = run(["did", panel_csv, "--outcome", "y", "--unit", "team", "--time",
                          "period", "--cohort", "start"], capsys)
    assert code == EXIT_OK, err
    assert "95%" in out or "CI" in out
    assert not out.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--outcome", "no_such_column", "--unit", "team", "--time", "period", "--cohort",
          "start"], "no_such_column"),
        (["--outcome", "y", "--unit", "team", "--time", "period", "--group", "d"], "--post"),
        (["--outcome", "y", "--cohort", "start"], "--unit"),
        (["--outcome", "y", "--unit", "team", "--time", "period", "--cohort", "start",
          "--se", "bogus"], "bogus"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(panel_csv, capsys, extra, expected):
    code, out, err = run(["did", panel_csv, *extra], capsys)
    assert code == EXIT_BAD_INPUT
    assert expected in err
    assert "Traceback" not in err and out == ""


def test_missing_file_names_the_file(tmp_path, capsys):
    missing = tmp_path / "nowhere.csv"
    code, _, err = run(["did", missing, "--outcome", "y", "--unit", "u", "--time", "t",
                        "--cohort", "c"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "nowhere.csv" in err and "Traceback" not in err


def test_internal_error_exits_1_and_names_the_log(panel_csv, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PILOT_EVAL_HOME", str(tmp_path / "home"))

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("pilot_eval.analysis.run_analysis", broken)
    code, _, err = run(["did", panel_csv, "--outcome", "y", "--unit", "team", "--time",
                        "period", "--cohort", "start"], capsys)
    assert code == EXIT_INTERNAL
    assert "internal error" in err and "pilot-eval.log" in err
    assert "Traceback" not in err


def test_no_command_without_a_window_is_a_clear_message(capsys):
    code, _, err = run([], capsys)
    assert code == EXIT_BAD_INPUT and "window" in err


def test_console_script_is_installed():
    exe = shutil.which("pilot-eval") or shutil.which("pilot-eval", path=str(
        __import__("pathlib").Path(sys.executable).parent))
    assert exe, "the pilot-eval console script is not on PATH"
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("pilot-eval ")


def test_window_commands_go_to_the_launcher_the_ui_passes_in(tmp_path):
    seen = []

    def launcher(args):
        seen.append((args.command, getattr(args, "out_dir", None), getattr(args, "scale", None)))
        return 0

    assert main(["screenshots", str(tmp_path), "--scale", "1.5"], gui=launcher) == EXIT_OK
    assert main(["open"], gui=launcher) == EXIT_OK
    assert seen == [("screenshots", tmp_path, 1.5), ("open", None, None)]


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_no_numeric_library(flag):
    """``--version`` and ``--help`` answer at once: the console script's path to them imports
    neither pandas nor numpy (issue 12: <= 0.3 s; checked by modules, not by a timer)."""
    probe = ("import sys\n"
             "from pilot_eval.ui.launch import main\n"
             "try:\n"
             f"    main([{flag!r}])\n"
             "except SystemExit:\n"
             "    pass\n"
             "heavy = [m for m in ('pandas', 'numpy', 'scipy', 'PySide6', 'matplotlib') "
             "if m in sys.modules]\n"
             "print('HEAVY', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr


def test_linearmodels_cross_check_runs_only_when_asked(panel_csv, capsys):
    """Issue 12: the QA re-estimate costs far more than the analysis, so ``did`` runs it only
    with ``--cross-check`` (the estimate is the same either way)."""
    argv = ["did", panel_csv, "--outcome", "y", "--unit", "team", "--time", "period",
            "--cohort", "start", "--estimator", "twfe", "--se", "cluster", "--json"]
    code, out, err = run(argv, capsys)
    assert code == EXIT_OK, err
    plain = json.loads(out)
    assert plain["cross_check"]["max_abs_difference"] is None
    assert plain["cross_check"]["skipped_reason"]
    code, out, err = run([*argv, "--cross-check"], capsys)
    assert code == EXIT_OK, err
    checked = json.loads(out)
    assert checked["cross_check"]["skipped_reason"] is None
    assert checked["cross_check"]["max_abs_difference"] < 1e-10
    assert checked["estimate"] == plain["estimate"]
