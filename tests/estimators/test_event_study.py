"""Event study against pyfixest, brute-force OLS with dummies, and its own contracts.

References and tolerances (named constants):

* ``PEER_RTOL`` 1e-8 relative: pyfixest 0.60 ``feols("y ~ i(rel, ref=-1) | u + t")`` run in
  this process with a tight demeaning tolerance, on the same rows; binning and window
  trimming are done in pandas for pyfixest (never-treated rows get ``rel = -1``, so every
  dummy is 0 for them).
* ``BRUTE_RTOL`` 1e-9 relative: least squares with explicit unit, period and event-time
  dummies (``numpy.linalg.lstsq``), and the classical covariance computed by hand.
* The pre-trend statistic is checked against pyfixest's ``wald_test`` Wald statistic
  (``W = b' V^-1 b``; ours is ``W / q``) and the p-value against ``scipy.stats.f`` on
  ``(q, nobs - nparams)``, the denominator df of fixest's ``wald()`` (fixest R/fitstats.R).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.event_study.estimator import EventStudy
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from scipy import stats

DATA = Path(__file__).resolve().parents[1] / "data"
PEER_RTOL = 1e-8
BRUTE_RTOL = 1e-9
PYFIXEST_DEMEAN_TOL = 1e-14
COLUMNS = PanelColumns("y", unit="u", time="t", cohort="c")
VCOV = {"cluster": {"CRV1": "u"}, "hc1": "hetero", "iid": "iid"}


def staggered_panel(seed: int, n_units: int = 80, n_periods: int = 10,
                    drop_share: float = 0.0) -> pd.DataFrame:
    """A staggered panel with never-treated units and growing effects (optionally unbalanced)."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    time = np.tile(np.arange(1, n_periods + 1), n_units)
    cohort = rng.choice([0, 4, 6, 8], n_units)[unit]
    effect = np.where((cohort > 0) & (time >= cohort), 0.3 * (time - cohort + 1), 0.0)
    y = rng.normal(size=unit.size) + 0.2 * (unit % 5) + 0.1 * time + effect
    frame = pd.DataFrame({"u": unit, "t": time, "c": cohort, "y": y})
    if drop_share:
        frame = frame.sample(frac=1.0 - drop_share, random_state=seed).sort_index()
    return frame.reset_index(drop=True)


def pyfixest_fit(frame: pd.DataFrame, rel: pd.Series, se: str):
    import pyfixest as pf

    data = frame.assign(rel=rel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols("y ~ i(rel, ref=-1) | u + t", data, vcov=VCOV[se],
                        fixef_tol=PYFIXEST_DEMEAN_TOL)


def rel_time(frame: pd.DataFrame, low: int | None = None, high: int | None = None
             ) -> pd.Series:
    rel = (frame["t"] - frame["c"]).where(frame["c"] > 0, -1)
    if low is not None:
        rel = rel.clip(lower=low, upper=high).where(frame["c"] > 0, -1)
    return rel


def peer_table(model) -> dict[int, tuple[float, float]]:
    coef, se = model.coef(), model.se()
    return {int(name.split("::")[1]): (coef[name], se[name]) for name in coef.index}


def assert_matches_peer(result, model) -> None:
    table = peer_table(model)
    ours = {row.e: row for row in result.event_time if not row.is_reference}
    assert set(ours) == set(table)
    for e, (b, s) in table.items():
        assert ours[e].estimate == pytest.approx(b, rel=PEER_RTOL, abs=1e-12)
        assert ours[e].se == pytest.approx(s, rel=PEER_RTOL)


@pytest.mark.parametrize("se", ["cluster", "hc1", "iid"])
def test_balanced_matches_pyfixest(se):
    frame = staggered_panel(1)
    result = EventStudy(se=se).fit(frame, COLUMNS)
    assert_matches_peer(result, pyfixest_fit(frame, rel_time(frame), se))
    assert result.absorption.method == "one-pass"


def test_unbalanced_matches_pyfixest():
    frame = staggered_panel(2, drop_share=0.15)
    result = EventStudy().fit(frame, COLUMNS)
    assert result.absorption.method == "alternating projections"
    assert_matches_peer(result, pyfixest_fit(frame, rel_time(frame), "cluster"))


@pytest.mark.parametrize("drop_share", [0.0, 0.1])
def test_binned_window_matches_pyfixest(drop_share):
    frame = staggered_panel(3, drop_share=drop_share)
    result = EventStudy(leads=3, lags=2).fit(frame, COLUMNS)
    assert result.binned
    assert [row.e for row in result.event_time] == [-3, -2, -1, 0, 1, 2]
    assert [row.binned for row in result.event_time] == [True, False, False, False, False, True]
    assert_matches_peer(result, pyfixest_fit(frame, rel_time(frame, -3, 2), "cluster"))


def test_trimmed_window_drops_rows_outside():
    frame = staggered_panel(4)
    result = EventStudy(leads=3, lags=2, bin_endpoints=False).fit(frame, COLUMNS)
    rel = rel_time(frame)
    keep = (frame["c"] == 0) | rel.between(-3, 2)
    model = pyfixest_fit(frame[keep].reset_index(drop=True), rel[keep].reset_index(drop=True),
                         "cluster")
    assert_matches_peer(result, model)
    assert result.n_obs == int(keep.sum())
    assert any("outside the event window" in w for w in result.warnings)


def test_mpdta_matches_pyfixest():
    frame = pd.read_csv(DATA / "mpdta.csv").rename(
        columns={"countyreal": "u", "year": "t", "first.treat": "c", "lemp": "y"})
    result = EventStudy().fit(frame, COLUMNS)
    assert_matches_peer(result, pyfixest_fit(frame, rel_time(frame), "cluster"))
    assert [row.e for row in result.event_time] == [-4, -3, -2, -1, 0, 1, 2, 3]


def test_pretest_matches_pyfixest_wald_statistic():
    frame = staggered_panel(5)
    result = EventStudy().fit(frame, COLUMNS)
    model = pyfixest_fit(frame, rel_time(frame), "cluster")
    names = list(model.coef().index)
    leads = [j for j, name in enumerate(names) if int(name.split("::")[1]) < 0]
    restriction = np.eye(len(names))[leads]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wald = model.wald_test(R=restriction, distribution="chi2")
    q = len(leads)
    assert result.pretest_df == q
    assert result.pretest_statistic * q == pytest.approx(wald["statistic"], rel=PEER_RTOL)
    # fixest wald() (R/fitstats.R): df2 = nobs - nparams, all 80 unit + 10 period effects
    # (one dropped) and the 13 event-time coefficients counted, whatever the vcov
    df2 = 800 - 13 - (80 + 10 - 1)
    assert len(result.events) == 13
    assert result.pretest_df_denominator == df2
    expected_p = stats.f.sf(wald["statistic"] / q, q, df2)
    assert result.pretest_p_value == pytest.approx(expected_p, rel=PEER_RTOL)


def test_brute_force_dummies_iid():
    frame = staggered_panel(6, n_units=30, n_periods=8, drop_share=0.1)
    result = EventStudy(se="iid", leads=4, lags=3).fit(frame, COLUMNS)
    rel = rel_time(frame, -4, 3)
    events = [e for e in range(-4, 4) if e != -1]
    dummies = np.column_stack([(rel == e).to_numpy(float) for e in events])
    units = pd.get_dummies(frame["u"]).to_numpy(float)
    periods = pd.get_dummies(frame["t"]).to_numpy(float)[:, 1:]
    x = np.column_stack([dummies, units, periods])
    y = frame["y"].to_numpy()
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    n, k = x.shape
    cov = resid @ resid / (n - k) * np.linalg.inv(x.T @ x)
    ours = {row.e: row for row in result.event_time}
    for j, e in enumerate(events):
        assert ours[e].estimate == pytest.approx(coef[j], rel=BRUTE_RTOL)
        assert ours[e].se == pytest.approx(np.sqrt(cov[j, j]), rel=BRUTE_RTOL)
    assert np.allclose(result.vcov, cov[: len(events), : len(events)], rtol=BRUTE_RTOL, atol=0)


def test_treatment_column_gives_the_same_result_as_cohort():
    frame = staggered_panel(7)
    frame["d"] = ((frame["c"] > 0) & (frame["t"] >= frame["c"])).astype(int)
    by_cohort = EventStudy().fit(frame, COLUMNS)
    by_treatment = EventStudy().fit(frame, PanelColumns("y", unit="u", time="t", treatment="d"))
    np.testing.assert_allclose(by_treatment.coef, by_cohort.coef, rtol=BRUTE_RTOL)
    assert by_treatment.events == by_cohort.events


def test_to_dict_is_json_safe_and_flags_the_reference():
    frame = staggered_panel(8)
    result = EventStudy(leads=3, lags=3).fit(frame, COLUMNS)
    data = json.loads(json.dumps(result.to_dict()))
    reference = [row for row in data["event_time"] if row["is_reference"]]
    assert reference == [{"e": -1, "estimate": 0.0, "se": None, "ci_low": None,
                          "ci_high": None, "p_value": None, "n_obs": reference[0]["n_obs"],
                          "is_reference": True, "binned": False, "mean_event": -1.0}]
    assert set(data["pretest"]) >= {"statistic", "df", "p_value"}
    assert len(data["vcov"]) == len(data["vcov_event_times"]) == 6
    assert data["n_obs"] == len(frame)
    assert data["estimator"] == "event-study"
    post = [row["estimate"] for row in data["event_time"] if row["e"] >= 0]
    assert data["estimate"] == pytest.approx(np.mean(post), rel=BRUTE_RTOL)
    assert len(result.to_frame()) == 7
    assert "reference" in result.summary()
    with pytest.raises(ValueError):
        result.coef[0] = 1.0


def test_input_frame_is_not_modified():
    frame = staggered_panel(9)
    before = frame.copy()
    EventStudy(leads=2, lags=2).fit(frame, COLUMNS)
    pd.testing.assert_frame_equal(frame, before)


def test_errors_say_what_was_seen():
    frame = staggered_panel(10)
    with pytest.raises(EstimatorConfigError, match="reference=-5"):
        EventStudy(leads=3, lags=2, reference=-5).fit(frame, COLUMNS)
    with pytest.raises(EstimatorConfigError, match="leads"):
        EventStudy(leads=-1)
    with pytest.raises(EstimatorConfigError, match="se"):
        EventStudy(se="robust")
    same_start = frame.assign(c=5)  # every unit starts at once: nothing to compare with
    with pytest.raises(EstimationError, match="same period"):
        EventStudy().fit(same_start, COLUMNS)
    varying = frame.copy()
    varying.loc[0, "c"] = 99
    with pytest.raises(EstimationError, match="changes within a unit"):
        EventStudy().fit(varying, COLUMNS)


@pytest.mark.parametrize("se", ["cluster", "iid"])
def test_closed_form_fit_equals_the_dummy_regression(se):
    """The balanced-panel shortcut (no dummy matrix) against ``fit_two_way`` on the dummies,
    with clusters equal to the units and coarser than the units."""
    from pilot_eval.estimators.did.event_study import fast as event_study_fast
    from pilot_eval.estimators.did.event_study.estimator import (
        event_codes,
        event_dummies,
        event_rows,
        event_window,
    )
    from pilot_eval.estimators.did.twfe import fit_two_way
    from pilot_eval.estimators.inference.fixed_effects import factorize

    frame = staggered_panel(11).assign(region=lambda d: d["u"] % 7)
    for cluster in (None, "region"):
        columns = PanelColumns("y", unit="u", time="t", cohort="c", cluster=cluster)
        rows = event_rows(frame, columns, se)
        window = event_window(rows.event, leads=4, lags=3, reference=-1, bin_endpoints=True)
        codes, _ = event_codes(rows.event, window)
        k = len(window.events)
        names = tuple(map(str, window.events))
        assert event_study_fast.applies(rows.unit, rows.period, None, se, rows.cluster)
        fast = event_study_fast.fit_event_dummies(rows.y, codes, k, rows.unit, rows.period,
                                                  names=names, se=se, cluster=rows.cluster)
        slow = fit_two_way(rows.y, event_dummies(codes, k), rows.unit, rows.period,
                           names=names, se=se, cluster=rows.cluster)
        grouped = event_study_fast.fit_event_dummies(
            rows.y, codes, k, rows.unit, rows.period, names=names, se=se, cluster=rows.cluster,
            unit_groups=factorize(np.nan_to_num(rows.starts, nan=-1.0)))
        np.testing.assert_allclose(grouped.coef, fast.coef, rtol=BRUTE_RTOL)
        np.testing.assert_allclose(grouped.covariance.matrix, fast.covariance.matrix,
                                   rtol=BRUTE_RTOL)
        np.testing.assert_allclose(fast.coef, slow.coef, rtol=BRUTE_RTOL)
        np.testing.assert_allclose(fast.covariance.matrix, slow.covariance.matrix,
                                   rtol=BRUTE_RTOL)
        assert fast.covariance.n_params == slow.covariance.n_params
        assert fast.covariance.df == slow.covariance.df
    assert not event_study_fast.applies(rows.unit, rows.period, None, "hc1", None)
    assert not event_study_fast.applies(rows.unit, rows.period, None, "cluster", rows.period)
    by_period = PanelColumns("y", unit="u", time="t", cohort="c", cluster="t")
    # clusters that split units: general path
    assert EventStudy().fit(frame, by_period).n_clusters == 10


def test_weights_and_coarser_clusters_match_pyfixest():
    """Weighted rows (general path) and clusters that contain whole units (closed form)."""
    import pyfixest as pf

    frame = staggered_panel(12).assign(region=lambda d: d["u"] % 9,
                                       w=lambda d: 0.5 + (d["u"] % 4) / 3)
    data = frame.assign(rel=rel_time(frame))
    cases = [(PanelColumns("y", unit="u", time="t", cohort="c", weights="w"),
              {"vcov": {"CRV1": "u"}, "weights": "w"}),
             (PanelColumns("y", unit="u", time="t", cohort="c", cluster="region"),
              {"vcov": {"CRV1": "region"}})]
    for columns, options in cases:
        result = EventStudy().fit(frame, columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = pf.feols("y ~ i(rel, ref=-1) | u + t", data,
                             fixef_tol=PYFIXEST_DEMEAN_TOL, **options)
        assert_matches_peer(result, model)


def test_vectorised_inference_equals_t_inference():
    from pilot_eval.estimators.inference import variance
    from pilot_eval.estimators.inference.variance import coefficient_inference

    result_cov = variance.Covariance(np.diag([0.04, 0.0, 0.25]), "cluster", 29, 1.0, 5, 30)
    coef = np.array([0.3, 1.0, -0.7])
    fast = coefficient_inference(coef, result_cov, 0.9)
    for j in range(3):
        slow = variance.t_inference(float(coef[j]), result_cov, j, 0.9)
        if j == 1:
            assert str(fast[j].se) == str(slow.se)  # same Unavailable reason
            continue
        for name in ("se", "t_stat", "p_value", "ci_low", "ci_high"):
            assert getattr(fast[j], name) == pytest.approx(getattr(slow, name), rel=1e-14)


def test_an_end_bin_reports_the_mean_event_time_it_pools():
    """The binned lead of a window [-3, 3] pools every earlier event time: its mean_event is
    the mean of those rows' event times (brute force from the panel)."""
    frame = staggered_panel(8)
    result = EventStudy(leads=3, lags=3).fit(frame, COLUMNS)
    event = (frame["t"] - frame["c"])[frame["c"] > 0]
    rows = {row.e: row for row in result.event_time}
    assert rows[-3].binned and rows[-3].mean_event == pytest.approx(event[event <= -3].mean(),
                                                                      abs=1e-12)
    assert rows[3].binned and rows[3].mean_event == pytest.approx(event[event >= 3].mean(),
                                                                    abs=1e-12)
    assert rows[0].mean_event is None and rows[0].to_dict()["mean_event"] == 0.0
