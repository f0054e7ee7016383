"""Wild cluster bootstrap, checked against the ``wildboottest`` package and pyfixest.

Reference: ``wildboottest`` 0.3.2 (``WildboottestCL``, bootstrap type "11" = CR1, the same
type pyfixest's ``Feols.wildboottest()`` runs), given the dummy-variable design (treatment,
covariates, unit dummies, period dummies), which is how pyfixest 0.60 calls it for models with
fixed effects.  Test inversion points are checked by calling it on ``y - beta0 * D`` (its
``WildboottestCL`` only tests ``beta = 0``; the restricted bootstrap of ``beta = beta0`` on
``y`` is the same as that of ``beta = 0`` on ``y - beta0 * D``).

Ties: under the restricted bootstrap the draws ``v = +1`` and ``v = -1`` reproduce ``|t|``
exactly.  ``wildboottest`` counts a draw when ``|t| < |t*|``, so whether those two draws count
depends on rounding in its last bit; pilot-eval counts them on purpose (``|t*| >= |t|``).  The
exact comparisons therefore apply our tie rule to ``wildboottest``'s own bootstrap statistics,
and separately check that its printed p-value differs from ours by at most those two draws.

Cross-checked facts: CR1 standard errors and t against pyfixest ``feols`` (fixest
small-sample convention).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from pilot_eval.estimators import wild_bootstrap as wb
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.unavailable import Unavailable

wildboottest = pytest.importorskip("wildboottest.wildboottest")

EXACT_T_TOLERANCE = 1e-10
"""Relative gap between our bootstrap t-statistics and wildboottest's for the same weights:
two algebraically identical computations, rounding only."""
SE_TOLERANCE = 1e-10
"""Relative gap of CR1 standard errors against pyfixest: the same formula, rounding only."""
MC_SIGMAS = 4.5
"""Monte Carlo check: two independent bootstrap p-value estimates with B draws each differ
with standard deviation sqrt(2 p (1 - p) / B); 4.5 of those is a ~1e-5 false-alarm rate."""
CI_STEP = 1e-6
"""Relative step (in standard errors) either side of a CI bound where the reference p-value
must be on opposite sides of the test level."""

COLUMNS = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl")


@pytest.fixture(scope="module", autouse=True)
def compile_wildboottest_kernel_once():
    """wildboottest re-declares its numba kernel on each call (a recompile of ~3 s each);
    cache the compiled kernel by its code object so the reference code runs unchanged."""
    import numba  # installed with wildboottest

    compiled: dict[tuple, object] = {}

    def caching_njit(**options):
        def decorate(function):
            key = (function.__code__, tuple(sorted(options.items())))
            if key not in compiled:
                compiled[key] = numba.njit(**options)(function)
            return compiled[key]
        return decorate

    original = wildboottest.njit
    wildboottest.njit = caching_njit
    yield
    wildboottest.njit = original


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


def dummy_design(frame: pd.DataFrame, covariates: tuple[str, ...] = ()) -> np.ndarray:
    treated = ((frame["start"] > 0) & (frame["t"] >= frame["start"])).to_numpy(float)
    return np.column_stack([
        treated, frame[list(covariates)].to_numpy(float).reshape(len(frame), -1),
        pd.get_dummies(frame["unit"], dtype=float).to_numpy(),
        pd.get_dummies(frame["t"], dtype=float).to_numpy()[:, 1:],
    ])


def reference(x: np.ndarray, y: np.ndarray, cluster: np.ndarray, *, draws: int = 9999,
              weights: str = "rademacher", seed: int = 1, impose_null: bool = True,
              v: np.ndarray | None = None):
    """wildboottest's CR1 ("11") wild cluster bootstrap of the first coefficient."""
    boot = wildboottest.WildboottestCL(X=x, Y=y, cluster=cluster, R=np.eye(x.shape[1])[0],
                                       B=draws, seed=seed)
    boot.get_scores(bootstrap_type="11", impose_null=impose_null)
    boot.get_weights(weights_type=weights)
    if v is not None:
        boot.v, boot.B = v, v.shape[1]
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    return boot


def p_with_our_tie_rule(boot) -> float:
    t_abs = abs(float(np.ravel(boot.t_stat)[0]))
    return float(np.mean(np.abs(boot.t_boot) >= t_abs * (1.0 - wb.TIE_TOLERANCE)))


CASES = {
    "balanced, clusters of units": dict(),
    "unbalanced panel": dict(drop=9, seed=2),
    "clusters cross units": dict(nested=False, seed=3),
    "with a covariate": dict(covariate=True, seed=4),
}


@pytest.mark.parametrize("case", list(CASES))
def test_full_enumeration_equals_wildboottest_exactly(case):
    options = CASES[case]
    frame = panel(**options)
    covariates = ("x",) if options.get("covariate") else ()
    columns = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", cluster="cl",
                           covariates=covariates)
    result = wb.WildClusterBootstrap(columns, weights="rademacher").fit(frame)
    assert result.full_enumeration and result.draws == 256 == result.distinct_draws
    x, y = dummy_design(frame, covariates), frame["y"].to_numpy()
    boot = reference(x, y, frame["cl"].to_numpy())
    assert boot.B == 256  # wildboottest enumerates too (2^8 < 9999)
    assert result.p_value == p_with_our_tie_rule(boot)
    assert abs(result.p_value - boot.pvalue) in (0.0, 2 / 256)  # only the v = +-1 ties
    # the whole bootstrap distribution, draw by draw (both enumerate in the same order)
    reg, _, _ = wb.twfe_regression(frame, columns)
    maps = wb.bootstrap_maps(reg, impose_null=True)
    ours = wb.bootstrap_t(maps, boot.v.astype(float), 0.0) / np.sqrt(boot.ssc)
    np.testing.assert_allclose(ours, boot.t_boot, rtol=EXACT_T_TOLERANCE, atol=1e-12)
    # the confidence interval: the reference p-value crosses the test level at each bound
    for bound in (result.ci_low, result.ci_high):
        step = CI_STEP * result.se
        inside = bound + step if bound == result.ci_low else bound - step
        outside = bound - step if bound == result.ci_low else bound + step
        treated = x[:, 0]
        p_in = p_with_our_tie_rule(reference(x, y - inside * treated, frame["cl"].to_numpy()))
        p_out = p_with_our_tie_rule(reference(x, y - outside * treated, frame["cl"].to_numpy()))
        assert p_in >= 0.05 > p_out


def test_unrestricted_bootstrap_equals_wildboottest():
    frame = panel(seed=5)
    result = wb.WildClusterBootstrap(COLUMNS, weights="rademacher", impose_null=False).fit(frame)
    boot = reference(dummy_design(frame), frame["y"].to_numpy(), frame["cl"].to_numpy(),
                     impose_null=False)
    assert result.p_value == p_with_our_tie_rule(boot)
    assert result.p_value == boot.pvalue  # no exact ties without the null imposed


def test_same_random_weights_give_the_same_statistics_as_wildboottest():
    frame = panel(10, seed=6)
    rng = np.random.default_rng(11)
    v = wb.WEBB_VALUES[rng.integers(0, 6, size=(10, 2000))]
    boot = reference(dummy_design(frame), frame["y"].to_numpy(), frame["cl"].to_numpy(),
                     weights="webb", v=v)
    reg, _, _ = wb.twfe_regression(frame, COLUMNS)
    maps = wb.bootstrap_maps(reg, impose_null=True)
    ours = wb.bootstrap_t(maps, v, 0.0) / np.sqrt(boot.ssc)
    np.testing.assert_allclose(ours, boot.t_boot, rtol=EXACT_T_TOLERANCE, atol=1e-12)


@pytest.mark.parametrize(("n_clusters", "weights"), [(20, "rademacher"), (9, "webb")])
def test_random_draws_agree_with_wildboottest_to_monte_carlo_error(n_clusters, weights):
    frame = panel(n_clusters, seed=7 + n_clusters)
    draws = 9999
    result = wb.WildClusterBootstrap(COLUMNS, weights=weights, draws=draws, seed=1).fit(frame)
    assert not result.full_enumeration and result.draws == draws
    boot = reference(dummy_design(frame), frame["y"].to_numpy(), frame["cl"].to_numpy(),
                     weights=weights, draws=draws, seed=2)
    p = p_with_our_tie_rule(boot)
    tolerance = MC_SIGMAS * math.sqrt(2 * max(p * (1 - p), 1 / draws) / draws)
    assert abs(result.p_value - p) <= tolerance


def test_two_by_two_interaction_equals_wildboottest():
    rng = np.random.default_rng(8)
    rows = []
    for team in range(16):
        group = int(team < 7)
        for t in range(4):
            post = int(t >= 2)
            y = rng.normal() + 0.5 * group + 0.2 * post + 0.4 * group * post
            rows.append({"team": team, "area": team // 2, "pilot": group, "after": post, "y": y})
    frame = pd.DataFrame(rows)
    columns = PanelColumns(outcome="y", unit="team", group="pilot", post="after",
                           cluster="area")
    result = wb.WildClusterBootstrap(columns, weights="rademacher").fit(frame)
    assert result.model == "2x2" and result.full_enumeration
    g, p = frame["pilot"].to_numpy(float), frame["after"].to_numpy(float)
    x = np.column_stack([g * p, np.ones_like(g), g, p])
    boot = reference(x, frame["y"].to_numpy(), frame["area"].to_numpy())
    assert result.p_value == p_with_our_tie_rule(boot)
    ols, *_ = np.linalg.lstsq(x, frame["y"].to_numpy(), rcond=None)
    assert result.estimate == pytest.approx(ols[0], abs=1e-12)


def test_cr1_standard_error_and_wild_p_value_match_pyfixest():
    pf = pytest.importorskip("pyfixest")
    frame = panel(seed=9)
    frame["treat"] = ((frame["start"] > 0) & (frame["t"] >= frame["start"])).astype(float)
    fit = pf.feols("y ~ treat | unit + t", data=frame, vcov={"CRV1": "cl"})
    result = wb.WildClusterBootstrap(COLUMNS, weights="rademacher").fit(frame)
    assert result.estimate == pytest.approx(float(fit.coef()["treat"]), rel=SE_TOLERANCE)
    assert result.se == pytest.approx(float(fit.se()["treat"]), rel=SE_TOLERANCE)
    assert result.t_stat == pytest.approx(float(fit.tstat()["treat"]), rel=SE_TOLERANCE)
    with pytest.warns(UserWarning, match="full_enumeration"):
        boot = fit.wildboottest(reps=9999, param="treat", seed=1)
    assert abs(result.p_value - float(boot["Pr(>|t|)"])) in (0.0, 2 / 256)


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
    assert result.to_frame().shape == (1, 10)
    assert "full enumeration" in result.summary()


@pytest.mark.parametrize(("option", "value"), [("weights", "mammen"), ("model", "iv"),
                                               ("draws", 0), ("seed", -1), ("level", 95)])
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
