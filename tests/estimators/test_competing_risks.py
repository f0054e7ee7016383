"""Cumulative incidence against scikit-survival's exact estimator on its bmt data, plus hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import EstimationError, SpellColumns
from pilot_eval.estimators.survival.competing_risks import CauseSpecificCox, CumulativeIncidence
from pilot_eval.estimators.survival.cox.model import CoxModel

DATA = Path(__file__).resolve().parents[1] / "data" / "survival"
LIBRARY = 1e-10  # same formulas; ours uses running sums instead of a T x T matrix
HAND = 1e-12
BMT = SpellColumns(duration="ftime", event="status", group="dis")


@pytest.fixture(scope="module")
def bmt() -> pd.DataFrame:
    return pd.read_csv(DATA / "bmt.csv")


def test_bmt_matches_scikit_survival_reference(bmt):
    # tests/data/survival/bmt_cif_sksurv.csv: scikit-survival 0.28.0
    # cumulative_incidence_competing_risks(status, ftime, conf_type="log-log") (Aalen variance)
    ref = pd.read_csv(DATA / "bmt_cif_sksurv.csv")
    result = CumulativeIncidence().fit(bmt, BMT)
    for k in ("1", "2"):
        curve = result.overall[k]
        np.testing.assert_allclose(curve.time, ref.time, atol=HAND)
        np.testing.assert_allclose(curve.estimate, ref[f"cif{k}"], atol=LIBRARY)
        np.testing.assert_allclose(curve.ci_low, ref[f"cif{k}_low"], atol=LIBRARY)
        np.testing.assert_allclose(curve.ci_high, ref[f"cif{k}_high"], atol=LIBRARY)


def test_bmt_by_group_matches_scikit_survival_live(bmt):
    sksurv = pytest.importorskip("sksurv.nonparametric")
    result = CumulativeIncidence().fit(bmt, BMT)
    for dis, rows in bmt.groupby("dis"):
        _, cif, ci = sksurv.cumulative_incidence_competing_risks(
            rows.status.to_numpy(), rows.ftime.to_numpy(), conf_type="log-log")
        for k in (1, 2):
            curve = result.by_group[str(dis)][str(k)]
            np.testing.assert_allclose(curve.estimate, cif[k], atol=LIBRARY)
            np.testing.assert_allclose(curve.ci_low, ci[k, 0], atol=LIBRARY)
            np.testing.assert_allclose(curve.ci_high, ci[k, 1], atol=LIBRARY)


def test_hand_table_and_sum_with_survival():
    # times 1(a), 2(b), 2(censored), 3(a), 4(censored); all-cause KM: 0.8, 0.6, 0.3, 0.3
    # F_a = 1/5 at t=1, + 0.6 * 1/2 at t=3 = 0.5; F_b = 0.8 * 1/4 = 0.2 from t=2
    result = CumulativeIncidence().fit_arrays([1, 2, 2, 3, 4], ["a", "b", 0, "a", 0])
    np.testing.assert_allclose(result.overall["a"].estimate, [0.2, 0.2, 0.5, 0.5], atol=HAND)
    np.testing.assert_allclose(result.overall["b"].estimate, [0.0, 0.2, 0.2, 0.2], atol=HAND)
    total = result.overall["a"].estimate + result.overall["b"].estimate
    np.testing.assert_allclose(1 - total, [0.8, 0.6, 0.3, 0.3], atol=HAND)  # = KM of any event


def test_deterministic_with_heavy_ties():
    rng = np.random.default_rng(3)
    time = rng.integers(1, 24, 5000)
    event = rng.choice([0, 1, 2], 5000)
    first = CumulativeIncidence().fit_arrays(time, event).to_frame()
    second = CumulativeIncidence().fit_arrays(time, event).to_frame()
    pd.testing.assert_frame_equal(first, second)


def test_json_shape_and_errors(bmt):
    data = json.loads(json.dumps(CumulativeIncidence().fit(bmt, BMT).to_dict()))
    assert set(data["cumulative_incidence"]) == {"1", "2"}
    assert set(data["cumulative_incidence_by_group"]) == {"0", "1"}
    assert data["cumulative_incidence"]["1"][0].keys() == {"time", "estimate", "ci_low",
                                                           "ci_high"}
    with pytest.raises(ValueError, match="read-only"):
        CumulativeIncidence().fit(bmt, BMT).overall["1"].estimate[0] = 0.5
    with pytest.raises(EstimationError, match="censored"):
        CumulativeIncidence().fit_arrays([1, 2], [0, 0])


def test_cause_specific_cox_censors_other_causes(bmt):
    cols = SpellColumns(duration="ftime", event="status", covariates=("dis",))
    result = CauseSpecificCox(event_type=1).fit(bmt, cols)
    direct = CoxModel().fit(bmt.assign(status=(bmt.status == 1).astype(int)), cols)
    assert result.coefficients[0].coef == pytest.approx(direct.coefficients[0].coef, abs=HAND)
    assert result.ties == "efron"
