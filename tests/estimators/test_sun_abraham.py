"""Sun & Abraham interaction-weighted estimator against pyfixest and brute-force identities.

References and tolerances:

* ``PEER_RTOL`` 1e-8 relative: pyfixest 0.60 ``event_study(..., estimator="saturated")``
  followed by ``.aggregate()`` (pyfixest's ``sunab`` equivalent: ``i(rel_time, cohort,
  ref=-1, ref2=0)`` interactions, aggregated with each cohort's share of the treated rows
  at each event time, shares held fixed in the variance as in fixest's ``aggregate``), and
  ``feols("y ~ i(rel, c, ref=-1, ref2=0) | u + t")`` for the cohort x event-time cells.
* ``IDENTITY_RTOL`` 1e-10 relative: with a single cohort the estimator is the ordinary event
  study (same regression), and the ATT is the row-weighted mean of the post-period cells.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.event_study.estimator import EventStudy
from pilot_eval.estimators.did.sun_abraham.estimator import SunAbraham
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from test_event_study import COLUMNS, staggered_panel  # same folder (pytest prepend import)

PEER_RTOL = 1e-8
IDENTITY_RTOL = 1e-10
PYFIXEST_DEMEAN_TOL = 1e-14


def pyfixest_cells(frame: pd.DataFrame) -> dict[tuple[int, int], tuple[float, float]]:
    import pyfixest as pf

    data = frame.assign(rel=(frame["t"] - frame["c"]).where(frame["c"] > 0, -1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.feols("y ~ i(rel, c, ref=-1, ref2=0) | u + t", data, vcov={"CRV1": "u"},
                         fixef_tol=PYFIXEST_DEMEAN_TOL)
    out = {}
    for name, b in model.coef().items():
        rel, cohort = re.fullmatch(r"rel::(-?[0-9.]+):c::([0-9.]+)", name).groups()
        out[(int(float(cohort)), int(float(rel)))] = (b, model.se()[name])
    return out


def test_aggregates_match_pyfixest_saturated_event_study():
    import pyfixest as pf

    frame = staggered_panel(1)
    result = SunAbraham().fit(frame, COLUMNS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = pf.event_study(frame, yname="y", idname="u", tname="t", gname="c",
                              estimator="saturated").aggregate().astype(float)
    ours = {row.e: row for row in result.event_time if not row.is_reference}
    assert sorted(ours) == sorted(int(e) for e in peer.index)
    for e, row in peer.iterrows():
        assert ours[int(e)].estimate == pytest.approx(row["Estimate"], rel=PEER_RTOL)
        assert ours[int(e)].se == pytest.approx(row["Std. Error"], rel=PEER_RTOL)


def test_cells_and_shares_match_pyfixest_on_an_unbalanced_panel():
    frame = staggered_panel(2, drop_share=0.1)
    result = SunAbraham().fit(frame, COLUMNS)
    peer = pyfixest_cells(frame)
    ours = {(int(c.cohort), c.e): c for c in result.cohort_effects}
    assert set(ours) == set(peer)
    for key, (b, s) in peer.items():
        assert ours[key].estimate == pytest.approx(b, rel=PEER_RTOL, abs=1e-12)
        assert ours[key].se == pytest.approx(s, rel=PEER_RTOL)
    # shares: each cohort's treated rows at e over all treated rows at e (counted in pandas)
    treated = frame[frame["c"] > 0].assign(e=lambda d: d["t"] - d["c"])
    counts = treated.groupby(["e", "c"]).size()
    for (g, e), cell in ours.items():
        assert cell.weight == pytest.approx(counts[(e, g)] / counts[e].sum(), rel=1e-12)
    by_e = {row.e: row.estimate for row in result.event_time}
    for e in {e for _, e in ours}:
        cells = [c for (_, f), c in ours.items() if f == e]
        assert by_e[e] == pytest.approx(sum(c.weight * c.estimate for c in cells),
                                        rel=IDENTITY_RTOL)


def test_single_cohort_equals_the_event_study():
    frame = staggered_panel(3)
    frame["c"] = np.where(frame["c"] > 0, 5, 0)
    sa = SunAbraham().fit(frame, COLUMNS)
    es = EventStudy().fit(frame, COLUMNS)
    for a, b in zip(sa.event_time, es.event_time, strict=True):
        assert a.e == b.e
        assert a.estimate == pytest.approx(b.estimate, rel=IDENTITY_RTOL, abs=1e-14)
        if not a.is_reference:
            assert a.se == pytest.approx(b.se, rel=IDENTITY_RTOL)


def test_att_is_the_row_weighted_mean_of_post_cells():
    frame = staggered_panel(4)
    result = SunAbraham().fit(frame, COLUMNS)
    post = [c for c in result.cohort_effects if c.e >= 0]
    n = np.array([c.n_obs for c in post], dtype=float)
    expected = float(np.dot(n / n.sum(), [c.estimate for c in post]))
    assert result.estimate == pytest.approx(expected, rel=IDENTITY_RTOL)


def test_last_treated_cohort_as_comparison_matches_pyfixest():
    frame = staggered_panel(5)
    frame = frame[frame["c"] > 0].reset_index(drop=True)  # every unit treated at some point
    result = SunAbraham(control="last").fit(frame, COLUMNS)
    last = frame["c"].max()
    reduced = frame[frame["t"] < last].assign(c=lambda d: d["c"].where(d["c"] != last, 0))
    peer = pyfixest_cells(reduced.reset_index(drop=True))
    ours = {(int(c.cohort), c.e): c for c in result.cohort_effects}
    assert set(ours) == set(peer)
    for key, (b, s) in peer.items():
        assert ours[key].estimate == pytest.approx(b, rel=PEER_RTOL, abs=1e-12)
        assert ours[key].se == pytest.approx(s, rel=PEER_RTOL)
    assert any("last-treated cohort" in w for w in result.warnings)
    with pytest.raises(EstimationError, match="control='last'"):
        SunAbraham().fit(frame, COLUMNS)


def test_to_dict_is_json_safe():
    result = SunAbraham().fit(staggered_panel(6), COLUMNS)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["estimator"] == "sun-abraham"
    assert [row for row in data["event_time"] if row["is_reference"]][0]["e"] == -1
    assert {"group", "time", "estimate", "se"} <= set(data["att_gt"][0])
    assert len(data["vcov"]) == len(data["vcov_event_times"])
    beta, sigma, post = result.pre_post()
    assert beta.shape[0] == sigma.shape[0] == post.shape[0]
    assert "ATT" in result.summary()


def test_bad_options():
    with pytest.raises(EstimatorConfigError, match="control"):
        SunAbraham(control="notyet")
    with pytest.raises(EstimatorConfigError, match="covariates"):
        SunAbraham().fit(pd.DataFrame(), PanelColumns("y", unit="u", time="t", cohort="c",
                                                      covariates=("x",)))
