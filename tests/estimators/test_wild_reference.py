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
small-sample convention).  ``wildboottest`` is a test-only dependency; without it this module
is skipped (the behaviour tests in ``test_wild_bootstrap.py`` still run).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.wild_bootstrap import estimator as wb
from test_wild_bootstrap import COLUMNS, panel

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
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(frame, columns)
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
    result = wb.WildClusterBootstrap(weight_type="rademacher", impose_null=False).fit(frame, COLUMNS)
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
    result = wb.WildClusterBootstrap(weight_type=weights, draws=draws, seed=1).fit(frame, COLUMNS)
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
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(frame, columns)
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
    result = wb.WildClusterBootstrap(weight_type="rademacher").fit(frame, COLUMNS)
    assert result.estimate == pytest.approx(float(fit.coef()["treat"]), rel=SE_TOLERANCE)
    assert result.se == pytest.approx(float(fit.se()["treat"]), rel=SE_TOLERANCE)
    assert result.t_stat == pytest.approx(float(fit.tstat()["treat"]), rel=SE_TOLERANCE)
    with pytest.warns(UserWarning, match="full_enumeration"):
        boot = fit.wildboottest(reps=9999, param="treat", seed=1)
    assert abs(result.p_value - float(boot["Pr(>|t|)"])) in (0.0, 2 / 256)


def test_webb_full_enumeration_equals_wildboottest_given_the_same_draws():
    # wildboottest never enumerates Webb weights, so it is handed our 6^4 = 1296 draws
    frame = panel(4, per_cluster=4, seed=16)
    result = wb.WildClusterBootstrap(weight_type="webb").fit(frame, COLUMNS)
    assert result.full_enumeration and result.draws == 6**4
    v = next(wb.weight_blocks("webb", 4, 6**4, enumerate_all=True,
                              rng=np.random.default_rng(0)))
    assert len({tuple(column) for column in v.T}) == 6**4  # every weight vector once
    boot = reference(dummy_design(frame), frame["y"].to_numpy(), frame["cl"].to_numpy(),
                     weights="webb", v=v)
    assert result.p_value == p_with_our_tie_rule(boot)


def test_interval_with_random_draws_inverts_the_reference_test():
    frame = panel(20, seed=17)
    draws, seed = 999, 4
    result = wb.WildClusterBootstrap(weight_type="rademacher", draws=draws,
                                     seed=seed).fit(frame, COLUMNS)
    v = np.concatenate(list(wb.weight_blocks("rademacher", 20, draws, enumerate_all=False,
                                             rng=np.random.default_rng(seed))), axis=1)
    x, y, cluster = dummy_design(frame), frame["y"].to_numpy(), frame["cl"].to_numpy()
    assert result.p_value == p_with_our_tie_rule(reference(x, y, cluster, v=v))
    step = CI_STEP * result.se
    for inside, outside in ((result.ci_low + step, result.ci_low - step),
                            (result.ci_high - step, result.ci_high + step)):
        p_in = p_with_our_tie_rule(reference(x, y - inside * x[:, 0], cluster, v=v))
        p_out = p_with_our_tie_rule(reference(x, y - outside * x[:, 0], cluster, v=v))
        assert p_in >= 0.05 > p_out


def test_nonzero_null_value_equals_wildboottest_on_the_shifted_outcome():
    frame = panel(seed=18)
    result = wb.WildClusterBootstrap(weight_type="rademacher", null=0.25).fit(frame, COLUMNS)
    x = dummy_design(frame)
    boot = reference(x, frame["y"].to_numpy() - 0.25 * x[:, 0], frame["cl"].to_numpy())
    assert result.p_value == p_with_our_tie_rule(boot)
    assert result.t_stat == pytest.approx((result.estimate - 0.25) / result.se, rel=1e-12)
