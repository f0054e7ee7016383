"""Wild cluster bootstrap: behaviour that needs no reference package.

Seeded reproducibility, the weight choice, full enumeration, unbounded intervals, the result
contract and refusals.  The numbers themselves are checked against ``wildboottest`` and
pyfixest in ``test_wild_reference.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.wild_bootstrap import estimator as wb
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.unavailable import Unavailable

COLUMNS = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl")


def panel(n_clusters: int = 8, *, per_cluster: int = 2, periods: int = 6, seed: int = 1,
          nested: bool = True, drop: int = 0, covariate: bool = False) -> pd.DataFrame:
    """Staggered panel (starts 3, 4 or never), clusters of units (or crossing units)."""
    rng = np.random.default_rng(seed)
    rows = []
    n_units = n_clusters * per_cluster
    for unit in range(n_units):
        start = (3, 4, 0, 0)[unit % 4]
        level = rng.normal()
        for t in range(1, periods + 1):
            treated = int(0 < start <= t)
            cluster = unit // per_cluster if nested else (unit + t) % n_clusters
            x = rng.normal()
            y = level + 0.1 * t + 0.3 * treated + 0.5 * x * covariate + rng.normal()
            rows.append({"unit": unit, "t": t, "start": start, "cl": cluster, "x": x, "y": y})
    frame = pd.DataFrame(rows)
    if drop:
        frame = frame.drop(index=rng.choice(frame.index[frame["t"] > 1], drop, replace=False))
    return frame.reset_index(drop=True)


def test_seeded_runs_are_reproducible():
    frame = panel(20, seed=12)
    first = wb.WildClusterBootstrap(draws=999, seed=42).fit(frame, COLUMNS)
    again = wb.WildClusterBootstrap(draws=999, seed=42).fit(frame, COLUMNS)
    other = wb.WildClusterBootstrap(draws=999, seed=43).fit(frame, COLUMNS)
    assert first == again
    assert first.seed == 42 and not first.full_enumeration
    assert (other.p_value, other.ci_low) != (first.p_value, first.ci_low)


def test_block_size_does_not_change_the_draws(monkeypatch):
    frame = panel(20, seed=12)
    whole = wb.WildClusterBootstrap(draws=999, seed=5).fit(frame, COLUMNS)
    monkeypatch.setattr(wb, "CHUNK_ENTRIES", 20 * 100)  # blocks of 100 draws
    blocks = wb.WildClusterBootstrap(draws=999, seed=5).fit(frame, COLUMNS)
    assert whole == blocks


def test_auto_weights_choose_webb_below_twelve_clusters():
    small = wb.WildClusterBootstrap(draws=999).fit(panel(8, seed=13), COLUMNS)
    assert small.weight_type == "webb" and "8 clusters < 12" in small.weight_reason
    assert small.distinct_draws == 6**8 and not small.full_enumeration
    large = wb.WildClusterBootstrap(draws=999).fit(panel(12, seed=13), COLUMNS)
    assert large.weight_type == "rademacher" and large.distinct_draws == 2**12


def test_webb_full_enumeration_when_few_clusters():
    result = wb.WildClusterBootstrap(draws=9999).fit(panel(4, per_cluster=4), COLUMNS)
    assert result.weight_type == "webb" and result.full_enumeration
    assert result.draws == result.distinct_draws == 6**4


def test_five_clusters_rademacher_interval_is_unbounded():
    # 2^5 = 32 draws; the two tie draws alone give p >= 2/32 > 0.05 for every null value
    frame = panel(4, per_cluster=4, seed=14).assign(cl=lambda f: f["unit"] % 5)
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(frame, COLUMNS)
    assert result.n_clusters == 5
    assert isinstance(result.ci_low, Unavailable) and isinstance(result.ci_high, Unavailable)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["ci_low"] is None and "unbounded" in data["unavailable"]["ci_low"]


def test_result_dictionary_and_frame():
    frame = panel(seed=15)
    before = frame.copy()
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(frame, COLUMNS)
    pd.testing.assert_frame_equal(frame, before)
    data = json.loads(json.dumps(result.to_dict()))
    for key in ("estimate", "t_stat", "p_value", "ci_low", "ci_high", "draws",
                "distinct_draws", "weight_type", "seed", "n_clusters", "full_enumeration"):
        assert key in data
    assert data["distinct_draws"] == 256 and data["n_clusters"] == 8
    assert data["se_type"] == "wild" and "8 clusters" in data["se_description"]
    assert data["warnings"] == list(result.notes)
    assert result.to_frame().shape == (1, 10)
    assert "full enumeration" in result.summary()


@pytest.mark.parametrize(("option", "value"), [("weight_type", "mammen"), ("model", "iv"),
                                               ("draws", 0), ("seed", -1), ("level", 95),
                                               ("null", "zero"), ("null", float("nan")),
                                               ("impose_null", "yes")])
def test_bad_options_are_config_errors(option, value):
    with pytest.raises(EstimatorConfigError, match=option):
        wb.WildClusterBootstrap(**{option: value})


def test_regression_weights_are_refused():
    frame = panel().assign(w=1.0)
    columns = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl",
                           weights="w")
    with pytest.raises(EstimationError, match="weights"):
        wb.WildClusterBootstrap().fit(frame, columns)


def test_one_cluster_is_refused():
    with pytest.raises(EstimationError, match="between 2 and"):
        wb.WildClusterBootstrap().fit(panel().assign(cl=0), COLUMNS)


def test_collinear_covariate_is_refused():
    frame = panel().assign(x2=lambda f: 2.0 * f["x"])
    columns = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl",
                           covariates=("x", "x2"))
    with pytest.raises(EstimationError, match="not identified"):
        wb.WildClusterBootstrap().fit(frame, columns)


FIXEST_DIGITS = 5e-7
"""REFERENCES.md quotes fixest's mpdta TWFE estimate and SE with 6 decimals."""


def test_mpdta_estimate_and_cr1_se_match_fixest():
    # tests/data/mpdta.csv is R did::mpdta (see tests/data/README.md); fixest
    # feols(lemp ~ treated | countyreal + year, cluster = ~countyreal): -0.036549 (0.013265)
    from pathlib import Path

    frame = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "mpdta.csv")
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
    result = wb.WildClusterBootstrap(draws=999, seed=3).fit(frame, columns)
    assert result.estimate == pytest.approx(-0.036549, abs=FIXEST_DIGITS)
    assert result.se == pytest.approx(0.013265, abs=FIXEST_DIGITS)
    assert result.n_clusters == 500 and result.weight_type == "rademacher"
    assert result.ci_low < result.estimate < result.ci_high


def test_treated_clusters_are_counted_and_few_clusters_explained():
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(panel(), COLUMNS)
    assert result.n_clusters == 8 and result.n_treated_clusters == 4  # units 4k, 4k+1 treated
    reason = wb.few_clusters_reason(8, 4)
    assert "only 8 clusters" in reason and "only 4 treated clusters" in reason
    assert reason in result.notes
    assert wb.few_clusters_reason(40, 12) is None
    assert "treated clusters" in wb.few_clusters_reason(40, 9)


# --- degenerate standard errors: Unavailable, never an exception (issue 7) ------------------

DEGENERATE_EXACT = 1e-12  # brute-force DiD of cell means vs the estimate: float rounding only


def _two_by_two_panel(outcome) -> pd.DataFrame:
    """Four units (two piloted from t = 3), four periods; ``outcome(unit, t, treated)``."""
    rows = [{"unit": u, "t": t, "start": 3 if u < 2 else 0, "cl": u,
             "y": float(outcome(u, t, int(u < 2 and t >= 3)))}
            for u in range(4) for t in range(1, 5)]
    return pd.DataFrame(rows)


def _did_of_means(frame: pd.DataFrame) -> float:
    """Brute force: (pilot after - before) - (comparison after - before) of cell means."""
    mean = frame.groupby([frame["start"] > 0, frame["t"] >= 3])["y"].mean()
    return (mean[True, True] - mean[True, False]) - (mean[False, True] - mean[False, False])


def _assert_unavailable_inference(result: wb.WildBootstrapResult, words: str) -> dict:
    for name in ("t_stat", "analytic_p_value", "p_value", "ci_low", "ci_high"):
        value = getattr(result, name)
        assert isinstance(value, Unavailable) and words in value.reason, (name, value)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for name in ("t_stat", "p_value", "ci_low", "ci_high"):
        assert data[name] is None and words in data["unavailable"][name]
    assert any(words in note for note in data["warnings"])
    assert "no p-value or interval" in data["se_description"]
    assert "not available" in result.summary() and result.to_frame().shape == (1, 10)
    return data


@pytest.mark.parametrize("model", ["twfe", "2x2"])
def test_a_constant_outcome_gives_unavailable_inference(model):
    frame = _two_by_two_panel(lambda u, t, d: 7.0)
    result = wb.WildClusterBootstrap(model=model).fit(frame, COLUMNS)
    data = _assert_unavailable_inference(result, "fits the outcome exactly")
    assert data["estimate"] == pytest.approx(_did_of_means(frame), abs=DEGENERATE_EXACT)
    assert data["se"] == 0.0


@pytest.mark.parametrize("model", ["twfe", "2x2"])
def test_a_perfectly_additive_panel_gives_unavailable_inference(model):
    """TWFE fits it exactly; the 2x2 regression (no unit effects) leaves residuals whose
    clustered scores cancel exactly by unit, so its CR1 standard error is zero as well."""
    frame = _two_by_two_panel(lambda u, t, d: 10.0 * u + t + 2.5 * d)
    result = wb.WildClusterBootstrap(model=model).fit(frame, COLUMNS)
    words = "fits the outcome exactly" if model == "twfe" else "cancel within every cluster"
    data = _assert_unavailable_inference(result, words)
    assert data["se"] == 0.0
    assert data["estimate"] == pytest.approx(_did_of_means(frame), abs=DEGENERATE_EXACT)
    assert data["estimate"] == pytest.approx(2.5, abs=DEGENERATE_EXACT)  # by construction


def test_values_near_the_float_limit_give_unavailable_inference():
    """One +1e300 and one -1e300 cell (tests/data/bad/extreme_values.csv's pattern): the
    clustered scores cancel to rounding, so the standard error is zero; never a crash."""
    def outcome(u, t, d):
        return {(0, 2): 1e300, (1, 3): -1e300}.get((u, t), 10.0 + u + t)
    frame = _two_by_two_panel(outcome)
    result = wb.WildClusterBootstrap(model="twfe").fit(frame, COLUMNS)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["p_value"] is None and "p_value" in data["unavailable"]
    assert data["ci_low"] is None and data["ci_high"] is None


def test_an_ordinary_panel_has_no_unavailable_inference():
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(panel(seed=15), COLUMNS)
    assert result.to_dict()["unavailable"] == {}
    assert wb.untestable_reason(wb.bootstrap_maps(
        wb.twfe_regression(panel(seed=15), COLUMNS)[0], impose_null=True)) is None


def test_the_p_value_of_a_zero_standard_error_is_a_clear_error_when_asked_directly():
    frame = _two_by_two_panel(lambda u, t, d: 7.0)
    maps = wb.bootstrap_maps(wb.twfe_regression(frame, COLUMNS)[0], impose_null=True)
    blocks = wb.weight_blocks("webb", 4, 10, enumerate_all=False, rng=np.random.default_rng(1))
    draws = wb.draw_stats(maps, blocks, impose_null=True)
    with pytest.raises(EstimationError, match="fits the outcome exactly"):
        wb.p_value_at(draws, maps, 0.0)
