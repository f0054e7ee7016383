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
from pilot_eval.estimators import wild_bootstrap as wb
from pilot_eval.estimators.columns import PanelColumns
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
    first = wb.WildClusterBootstrap(COLUMNS, draws=999, seed=42).fit(frame)
    again = wb.WildClusterBootstrap(COLUMNS, draws=999, seed=42).fit(frame)
    other = wb.WildClusterBootstrap(COLUMNS, draws=999, seed=43).fit(frame)
    assert first == again
    assert first.seed == 42 and not first.full_enumeration
    assert (other.p_value, other.ci_low) != (first.p_value, first.ci_low)


def test_block_size_does_not_change_the_draws(monkeypatch):
    frame = panel(20, seed=12)
    whole = wb.WildClusterBootstrap(COLUMNS, draws=999, seed=5).fit(frame)
    monkeypatch.setattr(wb, "CHUNK_ENTRIES", 20 * 100)  # blocks of 100 draws
    blocks = wb.WildClusterBootstrap(COLUMNS, draws=999, seed=5).fit(frame)
    assert whole == blocks


def test_auto_weights_choose_webb_below_twelve_clusters():
    small = wb.WildClusterBootstrap(COLUMNS, draws=999).fit(panel(8, seed=13))
    assert small.weight_type == "webb" and "8 clusters < 12" in small.weight_reason
    assert small.distinct_draws == 6**8 and not small.full_enumeration
    large = wb.WildClusterBootstrap(COLUMNS, draws=999).fit(panel(12, seed=13))
    assert large.weight_type == "rademacher" and large.distinct_draws == 2**12


def test_webb_full_enumeration_when_few_clusters():
    result = wb.WildClusterBootstrap(COLUMNS, draws=9999).fit(panel(4, per_cluster=4))
    assert result.weight_type == "webb" and result.full_enumeration
    assert result.draws == result.distinct_draws == 6**4


def test_five_clusters_rademacher_interval_is_unbounded():
    # 2^5 = 32 draws; the two tie draws alone give p >= 2/32 > 0.05 for every null value
    result = wb.WildClusterBootstrap(COLUMNS, weights="rademacher").fit(
        panel(4, per_cluster=4, seed=14).assign(cl=lambda f: f["unit"] % 5))
    assert result.n_clusters == 5
    assert isinstance(result.ci_low, Unavailable) and isinstance(result.ci_high, Unavailable)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["ci_low"] is None and "unbounded" in data["unavailable"]["ci_low"]


def test_result_dictionary_and_frame():
    frame = panel(seed=15)
    before = frame.copy()
    result = wb.WildClusterBootstrap(COLUMNS, weights="rademacher").fit(frame)
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


@pytest.mark.parametrize(("option", "value"), [("weights", "mammen"), ("model", "iv"),
                                               ("draws", 0), ("seed", -1), ("level", 95),
                                               ("null", "zero"), ("null", float("nan")),
                                               ("impose_null", "yes")])
def test_bad_options_are_config_errors(option, value):
    with pytest.raises(EstimatorConfigError, match=option):
        wb.WildClusterBootstrap(COLUMNS, **{option: value})


def test_regression_weights_are_refused():
    frame = panel().assign(w=1.0)
    columns = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl",
                           weights="w")
    with pytest.raises(EstimationError, match="weights"):
        wb.WildClusterBootstrap(columns).fit(frame)


def test_one_cluster_is_refused():
    with pytest.raises(EstimationError, match="between 2 and"):
        wb.WildClusterBootstrap(COLUMNS).fit(panel().assign(cl=0))


def test_collinear_covariate_is_refused():
    frame = panel().assign(x2=lambda f: 2.0 * f["x"])
    columns = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl",
                           covariates=("x", "x2"))
    with pytest.raises(EstimationError, match="not identified"):
        wb.WildClusterBootstrap(columns).fit(frame)


FIXEST_DIGITS = 5e-7
"""REFERENCES.md quotes fixest's mpdta TWFE estimate and SE with 6 decimals."""


def test_mpdta_estimate_and_cr1_se_match_fixest():
    # tests/data/mpdta.csv is R did::mpdta (see tests/data/README.md); fixest
    # feols(lemp ~ treated | countyreal + year, cluster = ~countyreal): -0.036549 (0.013265)
    from pathlib import Path

    frame = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "mpdta.csv")
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
    result = wb.WildClusterBootstrap(columns, draws=999, seed=3).fit(frame)
    assert result.estimate == pytest.approx(-0.036549, abs=FIXEST_DIGITS)
    assert result.se == pytest.approx(0.013265, abs=FIXEST_DIGITS)
    assert result.n_clusters == 500 and result.weight_type == "rademacher"
    assert result.ci_low < result.estimate < result.ci_high


def test_treated_clusters_are_counted_and_few_clusters_explained():
    result = wb.WildClusterBootstrap(COLUMNS, weights="rademacher").fit(panel())
    assert result.n_clusters == 8 and result.n_treated_clusters == 4  # units 4k, 4k+1 treated
    reason = wb.few_clusters_reason(8, 4)
    assert "only 8 clusters" in reason and "only 4 treated clusters" in reason
    assert reason in result.notes
    assert wb.few_clusters_reason(40, 12) is None
    assert "treated clusters" in wb.few_clusters_reason(40, 9)
