"""Unbalanced panels keep their teams: R did's ``allow_unbalanced_panel = TRUE`` (issue 18).

Reference (``PEER_RTOL`` 1e-6 relative): R ``did`` 2.5.1 with ``allow_unbalanced_panel = TRUE``
estimates each ATT(g,t) from every row observed in its two periods with ``DRDID::drdid_rc``
and sums the rows' influence functions within units (R/compute.att_gt.R, "repeated cross
sections / unbalanced panel" branch, and R/pre_process_did.R of bcallaway11/did, read at
release 2.5.1).  R is not installable here; the figures below were printed by ``csdid`` 0.4.3,
the Python port of R ``did``, which follows the same branch (without covariates its
``drdid_rc`` and R's coincide exactly):

    ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", data=gappy,
          allow_unbalanced_panel=True, control_group=CONTROL).fit(est_method="dr",
          bstrap=False); then .aggte(typec="simple"|"dynamic", bstrap=False)

on ``gappy`` = ``tests/data/mpdta.csv`` without the 60 rows where
``(countyreal + 3 * year) % 37 == 0`` (one row each from 60 counties).

With covariates the two ports differ from R in one sign (the pre-period outcome-regression
estimation effects; R DRDID 1.2.3 ``R/drdid_rc.R`` adds them), so there only the point
estimates are compared; pilot-eval follows R.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna

from pilot_eval.cli import EXIT_OK, main

DATA = Path(__file__).resolve().parents[1] / "data"
PEER_RTOL = 1e-6
COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")

CSDID = {
    "never": {
        "cells": {(2004, 2004): (-0.14112433019150078, 0.11102959314443073),
                  (2004, 2005): (-0.11539632168069641, 0.06620984483283442),
                  (2004, 2006): (-0.18721651356916508, 0.0699637903359015),
                  (2004, 2007): (-0.16476948768247382, 0.06799024250531899),
                  (2006, 2004): (0.06410551111705194, 0.06317920867715669),
                  (2006, 2005): (-0.0974487727419807, 0.07103466826329005),
                  (2006, 2006): (0.03807923970786336, 0.04052680038382889),
                  (2006, 2007): (-0.04819852824499581, 0.05303038383220533),
                  (2007, 2004): (0.02795698601855126, 0.03086140571816477),
                  (2007, 2005): (-0.006382268764038348, 0.03251282972364823),
                  (2007, 2006): (-0.03837800337529472, 0.031658237817768366),
                  (2007, 2007): (-0.04152354214588435, 0.02951658391538405)},
        "simple": (-0.06190545919269027, 0.02527021147044536),
        "dynamic": (-0.11446649958886104, 0.04183053979506271)},
    "not-yet": {
        "cells": {(2004, 2004): (-0.15407242568802176, 0.10934602165337594),
                  (2004, 2005): (-0.11879285300051637, 0.06492539151287614),
                  (2004, 2006): (-0.18239508221738118, 0.06762736367851332),
                  (2004, 2007): (-0.16476948768247382, 0.06799024250531899),
                  (2006, 2004): (0.05486001757855147, 0.060589359040985336),
                  (2006, 2005): (-0.09476150532555545, 0.06888659950558161),
                  (2006, 2006): (0.04945889718172297, 0.03680829378447368),
                  (2006, 2007): (-0.04819852824499581, 0.05303038383220533),
                  (2007, 2004): (0.02125270454286639, 0.028566386954676677),
                  (2007, 2005): (0.0038204098826707363, 0.030795037307313866),
                  (2007, 2006): (-0.03837800337529472, 0.031658237817768366),
                  (2007, 2007): (-0.04152354214588435, 0.02951658391538405)},
        "simple": (-0.061133217303813145, 0.02551180076118307),
        "dynamic": (-0.11328734782203798, 0.041415900182688405)},
}
# csdid 0.4.3, the same call with xformla="lemp~lpop", never-treated: simple ATT (the SE differs
# from R's by the sign noted above)
CSDID_LPOP_SIMPLE_ATT = -0.041790014157886544


def gappy() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "mpdta.csv")
    return frame[(frame["countyreal"] + 3 * frame["year"]) % 37 != 0].reset_index(drop=True)


@pytest.mark.parametrize("control", ["never", "not-yet"])
def test_allow_unbalanced_panel_reproduces_r_did(control):
    result = CallawaySantAnna(control=control, unbalanced="allow").fit(gappy(), COLUMNS)
    reference = CSDID[control]
    assert result.n_units == 500 and result.n_obs == 2440  # every county and row kept
    cells = {(e.group, e.time): e for e in result.att_gt}
    assert set(cells) == set(reference["cells"])
    for key, (att, se) in reference["cells"].items():
        assert cells[key].estimate == pytest.approx(att, rel=PEER_RTOL)
        assert cells[key].se == pytest.approx(se, rel=PEER_RTOL)
    for kind in ("simple", "dynamic"):
        aggregation = result.aggregation(kind)
        assert aggregation.estimate == pytest.approx(reference[kind][0], rel=PEER_RTOL)
        assert aggregation.se == pytest.approx(reference[kind][1], rel=PEER_RTOL)


def test_allow_unbalanced_panel_with_a_covariate_gives_r_did_point_estimates():
    result = CallawaySantAnna(unbalanced="allow").fit(
        gappy(), PanelColumns(**{**COLUMNS.__dict__, "covariates": ("lpop",)}))
    assert result.aggregation("simple").estimate == pytest.approx(CSDID_LPOP_SIMPLE_ATT,
                                                                  rel=PEER_RTOL)


def test_a_balanced_panel_gives_the_same_figures_either_way():
    frame = pd.read_csv(DATA / "mpdta.csv")
    drop = CallawaySantAnna().fit(frame, COLUMNS).aggregation("simple")
    allow = CallawaySantAnna(unbalanced="allow").fit(frame, COLUMNS).aggregation(
        "simple")
    assert allow.estimate == drop.estimate and allow.se == drop.se  # R: balanced -> panel


def missing_cells(tmp_path: Path) -> Path:
    """50 areas x 19 months, twelve random 'n/a' outcome cells in 12 areas (the issue's file)."""
    rng = np.random.default_rng(18)
    rows = []
    for area in range(50):
        start = (0, 0, 8, 12)[area % 4]
        level = rng.normal(0, 3)
        for month in range(1, 20):
            on = start > 0 and month >= start
            rows.append({"area": f"Area {area:02d}", "month": month, "start": start,
                         "y": f"{level + 0.1 * month + 2.0 * on + rng.normal():.4f}"})
    frame = pd.DataFrame(rows)
    blanks = rng.choice(50, 12, replace=False) * 19 + rng.integers(0, 19, 12)
    frame.loc[blanks, "y"] = "n/a"
    path = tmp_path / "missing_cells.csv"
    frame.to_csv(path, index=False)
    return path


def test_missing_cells_keep_their_teams_and_data_step_and_analysis_agree(tmp_path, capsys):
    from pilot_eval.io import load_table
    from pilot_eval.validation import validate_panel

    path = missing_cells(tmp_path)
    columns = PanelColumns(outcome="y", unit="area", time="month", cohort="start")
    table = load_table(path)
    data_step = {p.code: p for p in validate_panel(table.frame, columns,
                                                   file=path.name).problems}
    code = main(["did", str(path), "--outcome", "y", "--unit", "area", "--time", "month",
                 "--cohort", "start", "--json"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    result = json.loads(out)
    usage = result["usage"]
    assert usage["unbalanced"] == "allow"
    assert (usage["n_units"], usage["n_units_used"]) == (50, 50)
    assert (usage["n_rows"], usage["n_rows_used"]) == (950, 938)
    assert usage["incomplete_units"] == 12 and usage["rows_if_dropped"] == 938 - 12 * 18
    assert "216 of 938" in usage["reason"] and "23.0%" in usage["reason"]
    assert result["n_units"] == 50 and result["n_obs"] == 938
    # the Data step said exactly this before the analysis ran
    assert data_step["rows_used"].message == usage["message"]
    # and the headline is R did's unbalanced-panel estimator on those rows
    frame = table.frame.assign(y=pd.to_numeric(table.frame["y"], errors="coerce"))
    direct = CallawaySantAnna(unbalanced="allow").fit(frame, columns)
    assert result["estimate"] == pytest.approx(direct.aggregation("simple").estimate,
                                               rel=1e-12)


def test_the_demo_data_step_and_analysis_report_the_same_teams_and_rows():
    from pilot_eval.analysis import DidRequest, run_analysis
    from pilot_eval.demo import demo_path
    from pilot_eval.io import load_table
    from pilot_eval.io.periods import normalise_periods
    from pilot_eval.validation import validate_panel

    columns = PanelColumns(outcome="goals_met_pct", unit="team", time="month",
                           cohort="pilot_start")
    table = load_table(demo_path("outcomes.csv"))
    data_step = {p.code: p for p in validate_panel(table.frame, columns).problems}
    analysis = run_analysis(DidRequest(columns), table)
    usage = analysis.usage
    assert data_step["rows_used"].message == usage.message()
    assert usage.unbalanced == "drop" and usage.incomplete_units == 5
    assert (usage.n_units_used, usage.n_rows_used) == (analysis.result.n_units,
                                                       analysis.result.n_obs)
    periods = normalise_periods(table.frame, time="month", cohort="pilot_start").frame
    counts = periods.dropna(subset=["goals_met_pct"]).groupby("team")["month"].nunique()
    complete = counts[counts == periods["month"].nunique()]
    assert usage.n_units_used == len(complete) == 43
