"""The demo pipeline end to end (the path of ``pilot-eval demo`` and ``pilot-eval brief``).

Reference: the demo generator's documented TRUE effects and the two-way fixed-effects estimates
on the committed files computed by brute force (OLS with team and month dummies) in
``docs/demo-data.md``, which ``tests/core/test_demo_effects.py`` recomputes.
"""

from __future__ import annotations

import json

import pytest

from pilot_eval.cli import EXIT_OK, main
from pilot_eval.pipeline import run_demo

# docs/demo-data.md, columns "TWFE estimate on these files" and "CS simple ATT on these files"
# (brute force in tests/core/test_demo_effects.py; printed to 2 decimals).
TWFE_ON_FILES = {"goals_met_pct": 4.14, "cost_per_case_gbp": -169.88,
                 "repeat_referral_pct": -1.29, "engagement_index": 3.55}
CS_ON_FILES = {"goals_met_pct": 4.36, "cost_per_case_gbp": -144.70,
               "repeat_referral_pct": -3.18, "engagement_index": 2.70}
PRINTED_ROUNDING = 0.005
TRUE_ATT = {"goals_met_pct": 4.00, "cost_per_case_gbp": -150.0,
            "repeat_referral_pct": -1.41, "engagement_index": 4.21}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out)


def test_demo_writes_the_three_files_and_a_project(demo):
    out, outputs = demo
    assert outputs.pdf == out / "brief.pdf" and outputs.pdf.read_bytes().startswith(b"%PDF")
    assert "<html" in outputs.html.read_text(encoding="utf-8")
    assert (out / "demo.pilot.json").is_file() and (out / "data" / "outcomes.csv").is_file()
    assert not list(out.glob(".*.tmp"))


def test_demo_estimates_match_brute_force_and_cover_the_truth(demo):
    out, _ = demo
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [o["outcome"] for o in results["outcomes"]] == list(TWFE_ON_FILES)
    covered = 0
    for outcome in results["outcomes"]:
        name = outcome["outcome"]
        # The demo's pilots start at two dates, so auto reports Callaway & Sant'Anna with the
        # two-way estimate beside it.
        assert outcome["estimator"] == "callaway-santanna"
        assert outcome["estimate"] == pytest.approx(CS_ON_FILES[name], abs=PRINTED_ROUNDING)
        assert outcome["twfe"]["estimate"] == pytest.approx(TWFE_ON_FILES[name],
                                                            abs=PRINTED_ROUNDING)
        assert outcome["twfe"]["n_units"] == 48 and outcome["twfe"]["se_type"] == "cluster"
        covered += outcome["ci_low"] <= TRUE_ATT[name] <= outcome["ci_high"]
    assert covered >= 3  # "its confidence intervals cover the ATT in most outcomes"


def test_brief_command_reproduces_the_demo_byte_for_byte(demo, tmp_path, capsys):
    out, outputs = demo
    code = main(["brief", str(out / "demo.pilot.json"), "--out", str(tmp_path)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert (tmp_path / "brief.pdf").read_bytes() == outputs.pdf.read_bytes()
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8")) == json.loads(
        outputs.results.read_text(encoding="utf-8"))


def test_brief_command_names_a_missing_data_file(demo, tmp_path, capsys):
    out, _ = demo
    project = tmp_path / "copy.pilot.json"
    project.write_bytes((out / "demo.pilot.json").read_bytes())  # data/ is not beside it
    code = main(["brief", str(project), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "outcomes.csv" in err and "Traceback" not in err


def test_demo_results_include_staff_retention_consistent_with_the_truth(demo):
    """docs/demo-data.md: the TRUE resignation hazard ratio in pilot teams after their start is
    0.6; leaving for any reason combines it with unaffected reasons."""
    out, _ = demo
    retention = json.loads((out / "results.json").read_text(encoding="utf-8"))["retention"]
    assert {"km", "logrank", "cox", "rmst", "cumulative_incidence", "rates",
            "did_leaving"} <= retention.keys()
    assert retention["cox"]["ties"] == "efron"
    (term,) = [c for c in retention["cox"]["coefficients"] if c["name"] == "pilot_post"]
    assert term["hazard_ratio"] < 1 and term["ci_low"] < 0.6 < term["ci_high"]
    project = json.loads((out / "demo.pilot.json").read_text(encoding="utf-8"))
    assert project["staff_data"]["path"] == "data/staff.csv"
    assert project["staff_data"]["pilot_starts_path"] == "data/teams.csv"
