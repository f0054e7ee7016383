"""Bad input to the synthetic estimators: a clear message naming the column and the units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import (
    EstimationError,
    EstimatorConfigError,
    PanelColumns,
    SyntheticControl,
    SyntheticDid,
)

COLS = PanelColumns(outcome="y", unit="team", time="month", treatment="pilot")


def panel(n_units=6, n_periods=8, start=5, treated=("t0",)):
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n_units):
        for t in range(1, n_periods + 1):
            unit = f"t{i}"
            rows.append({"team": unit, "month": t, "y": rng.normal() + i,
                         "pilot": int(unit in treated and t >= start)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("estimator", [SyntheticDid(se="none"), SyntheticControl()])
def test_missing_cell_names_units(estimator):
    frame = panel()
    frame.loc[(frame.team == "t3") & (frame.month == 2), "y"] = np.nan
    with pytest.raises(EstimationError, match=r"t3.*no value of .y. in 1 unit-period.*t3 in 2; .*fill the gaps") as err:
        estimator.fit(frame, COLS)
    assert err.value.column == "y"


def test_missing_row_is_a_missing_cell():
    frame = panel().query("not (team == 't2' and month == 4)")
    with pytest.raises(EstimationError, match="t2"):
        SyntheticDid(se="none").fit(frame, COLS)


def test_no_donors():
    frame = panel(n_units=3, treated=("t0", "t1", "t2"))
    with pytest.raises(EstimationError, match="no comparison"):
        SyntheticDid(se="none").fit(frame, COLS)


def test_too_few_pre_periods_names_units_and_start():
    frame = panel(start=2)
    with pytest.raises(EstimationError, match=r"too few periods before the pilot: t0 started in 2"):
        SyntheticDid(se="none").fit(frame, COLS)


def test_pilot_without_pre_period():
    frame = panel(start=1)
    with pytest.raises(EstimationError, match=r"no period before.*t0"):
        SyntheticDid(se="none").fit(frame, COLS)


def test_pilot_switching_off_and_duplicates():
    frame = panel()
    frame.loc[(frame.team == "t0") & (frame.month == 7), "pilot"] = 0
    with pytest.raises(EstimationError, match="back to no pilot"):
        SyntheticDid(se="none").fit(frame, COLS)
    dup = pd.concat([panel(), panel().iloc[:1]])
    with pytest.raises(EstimationError, match="more than once"):
        SyntheticDid(se="none").fit(dup, COLS)


def test_no_treated_and_missing_columns():
    frame = panel(treated=())
    with pytest.raises(EstimationError, match="no unit has the pilot"):
        SyntheticDid(se="none").fit(frame, COLS)
    with pytest.raises(EstimationError, match="not in the data"):
        SyntheticDid(se="none").fit(panel().drop(columns="y"), COLS)
    with pytest.raises(EstimationError, match="unit column and a time column"):
        SyntheticDid(se="none").fit(panel(), PanelColumns(outcome="y", treatment="pilot"))


def test_bad_options():
    with pytest.raises(EstimatorConfigError, match="se="):
        SyntheticDid(se="robust")
    with pytest.raises(EstimatorConfigError, match="replications"):
        SyntheticDid(replications=1)
    with pytest.raises(EstimatorConfigError, match="method"):
        SyntheticDid(method="synth")


def test_placebo_needs_more_controls_than_pilots():
    frame = panel(n_units=4, treated=("t0", "t1"))
    result = SyntheticDid(se="placebo", replications=5).fit(frame, COLS)
    assert "more comparison units" in result.se.reason


def test_missing_covariate_cell_names_the_covariate():
    frame = panel().assign(size=1.0)
    frame.loc[(frame.team == "t4") & (frame.month == 6), "size"] = np.nan
    cols = PanelColumns(outcome="y", unit="team", time="month", treatment="pilot",
                        covariates=("size",))
    with pytest.raises(EstimationError, match=r"'size'.*t4 in 6") as err:
        SyntheticDid(se="none").fit(frame, cols)
    assert err.value.column == "size"


def test_covariate_without_variation_is_refused():
    frame = panel().assign(size=1.0)
    cols = PanelColumns(outcome="y", unit="team", time="month", treatment="pilot",
                        covariates=("size",))
    with pytest.raises(EstimationError, match="'size' does not vary") as err:
        SyntheticDid(se="none").fit(frame, cols)
    assert err.value.column == "size"
