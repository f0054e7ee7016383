"""Poisson DiD on leaving against statsmodels GLM (Poisson with team and period dummies,
cluster-robust covariance) and pyfixest ``fepois`` (team + period fixed effects, CRV1 by team,
default small-sample convention), on a seeded simulated team-period panel."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.did.leaving import PoissonLeavingDid
from pilot_eval.estimators.errors import EstimationError

COEF_TOLERANCE = 1e-8  # both fits converge to the same maximum; IRLS stopping rules differ
SE_TOLERANCE = 1e-6  # same sandwich; differences come from the coefficient's last digits

sm = pytest.importorskip("statsmodels.api")

COLUMNS = PanelColumns(outcome="leavers", exposure="person_days", unit="team", time="period",
                       treatment="pilot_post")


def _panel(seed: int = 1, teams: int = 20, periods: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(teams):
        pilot, start, level = i < 8, 3 + i % 3, rng.normal(0, 0.3)
        for t in range(periods):
            exposure = rng.uniform(2000, 4000)
            d = int(pilot and t >= start)
            mu = exposure / 1000 * np.exp(-2 + level + 0.1 * t - 0.5 * d)
            rows.append({"team": f"T{i:02d}", "period": t, "person_days": exposure,
                         "pilot_post": d, "leavers": int(rng.poisson(mu))})
    frame = pd.DataFrame(rows)
    frame.loc[frame.team == f"T{teams - 1:02d}", "leavers"] = 0  # a team nobody ever leaves
    return frame


def _statsmodels(frame: pd.DataFrame, *, correction: bool):
    kept = frame[frame.groupby("team").leavers.transform("sum") > 0]
    x = pd.get_dummies(kept[["team", "period"]].astype(str)).astype(float)
    x = x.drop(columns=["period_0"])
    x.insert(0, "pilot_post", kept.pilot_post.astype(float))
    model = sm.GLM(kept.leavers, x, family=sm.families.Poisson(),
                   offset=np.log(kept.person_days))
    return model.fit(cov_type="cluster", cov_kwds={
        "groups": pd.factorize(kept.team)[0], "use_correction": correction}), x.shape[1]


def test_matches_statsmodels_glm_with_dummies() -> None:
    frame = _panel()
    result = PoissonLeavingDid().fit(frame, COLUMNS)
    glm, n_params_all = _statsmodels(frame, correction=False)
    assert result.estimate == pytest.approx(glm.params.iloc[0], abs=COEF_TOLERANCE)
    # statsmodels without correction = the raw sandwich; ours adds the fixest factor
    assert result.se / np.sqrt(result.small_sample_factor) == pytest.approx(
        glm.bse.iloc[0], abs=SE_TOLERANCE)
    # statsmodels' own correction counts every dummy in K: G/(G-1) (N-1)/(N-K_all)
    corrected, _ = _statsmodels(frame, correction=True)
    g, n = result.n_clusters, result.n_obs
    full = g / (g - 1) * (n - 1) / (n - n_params_all)
    assert result.se * np.sqrt(full / result.small_sample_factor) == pytest.approx(
        corrected.bse.iloc[0], abs=SE_TOLERANCE)
    assert result.n_dropped_all_zero == 8 and result.n_units == 19
    # K = treatment + 19 teams + 7 periods, less the 18 nested team parameters
    assert result.n_params == 1 + 19 + 7 - 18


def test_matches_pyfixest_fepois() -> None:
    pf = pytest.importorskip("pyfixest")
    frame = _panel(seed=7).assign(log_days=lambda f: np.log(f.person_days))
    result = PoissonLeavingDid().fit(frame, COLUMNS)
    with pytest.warns(UserWarning):  # pyfixest reports the team it drops (separation)
        fit = pf.fepois("leavers ~ pilot_post | team + period", data=frame, offset="log_days",
                        vcov={"CRV1": "team"})
    assert result.estimate == pytest.approx(fit.coef().iloc[0], abs=COEF_TOLERANCE)
    assert result.se == pytest.approx(fit.se().iloc[0], abs=SE_TOLERANCE)
    assert result.p_value == pytest.approx(fit.pvalue().iloc[0], abs=SE_TOLERANCE)
    assert result.n_obs == fit._N


def test_rate_ratio_ci_and_dict() -> None:
    result = PoissonLeavingDid(level=0.9).fit(_panel(), COLUMNS)
    z = 1.6448536269514722
    assert result.rate_ratio == pytest.approx(np.exp(result.estimate), rel=1e-15)
    assert result.rate_ratio_ci[0] == pytest.approx(np.exp(result.estimate - z * result.se), rel=1e-12)
    assert result.ci_low == pytest.approx(result.estimate - z * result.se, rel=1e-12)
    data = result.to_dict()
    assert data["rate_ratio"] == result.rate_ratio and data["level"] == 0.9
    assert "clusters" in " ".join(data["warnings"])  # 19 clusters < 30
    assert "rate ratio" in result.summary()


def test_no_variation_in_treatment_is_an_error() -> None:
    frame = _panel().assign(pilot_post=0)
    with pytest.raises(EstimationError, match="pilot effect cannot be estimated"):
        PoissonLeavingDid().fit(frame, COLUMNS)
    with pytest.raises(EstimationError, match="not in the team-period data"):
        PoissonLeavingDid().fit(frame, replace(COLUMNS, exposure="days"))


FAST_PATH_ATOL = 1e-10  # absorbed effects against the dense-dummy IRLS they replaced (issue 12)


def _dense_previous_path(frame: pd.DataFrame) -> tuple[float, float, int]:
    """The earlier implementation: IRLS on a dense design of every team dummy and every period
    dummy but the first, the sandwich on that design (fixest factor, teams nested in
    clusters). Returns (estimate, se, iterations)."""
    kept = frame[(frame.groupby("team").leavers.transform("sum") > 0)
                 & (frame.groupby("period").leavers.transform("sum") > 0)]
    y = kept.leavers.to_numpy(float)
    team, period = pd.factorize(kept.team)[0], pd.factorize(kept.period)[0]
    x = np.column_stack([kept.pilot_post.to_numpy(float), np.eye(team.max() + 1)[team],
                         np.eye(period.max() + 1)[period][:, 1:]])
    offset = np.log(kept.person_days.to_numpy(float))
    mu = y + 0.5 * y.mean()
    eta, deviance_old, iterations = np.log(mu), np.inf, 0
    while True:
        iterations += 1
        z = eta - offset + (y - mu) / mu
        beta = np.linalg.lstsq(x * np.sqrt(mu)[:, None], z * np.sqrt(mu), rcond=None)[0]
        eta = x @ beta + offset
        mu = np.exp(eta)
        deviance = 2.0 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0)
                                - (y - mu))
        if abs(deviance - deviance_old) <= 1e-12 * (abs(deviance) + 0.1):
            break
        deviance_old = deviance
    bread = np.linalg.pinv((x * mu[:, None]).T @ x)
    sums = pd.DataFrame(x * (y - mu)[:, None]).groupby(team).sum().to_numpy()
    g, n, k = team.max() + 1, y.size, x.shape[1] - team.max()
    cov = g / (g - 1) * (n - 1) / (n - k) * bread @ (sums.T @ sums) @ bread
    return float(beta[0]), float(np.sqrt(cov[0, 0])), iterations


@pytest.mark.parametrize(("seed", "teams", "periods"), [(1, 20, 8), (3, 40, 24), (5, 90, 10)])
def test_absorbed_effects_equal_the_dense_design(seed, teams, periods) -> None:
    frame = _panel(seed=seed, teams=teams, periods=periods)
    result = PoissonLeavingDid().fit(frame, COLUMNS)
    estimate, se, iterations = _dense_previous_path(frame)
    assert result.estimate == pytest.approx(estimate, abs=FAST_PATH_ATOL)
    assert result.se == pytest.approx(se, abs=FAST_PATH_ATOL)
    assert result.iterations == iterations


def test_unbalanced_and_disconnected_panels_use_alternating_projections() -> None:
    """Two groups of teams observed in disjoint periods: the direct solve assumes a connected
    panel, the fallback does not; both give the dense design's estimate."""
    frame = _panel(seed=2, teams=30, periods=12)
    late = frame.team.isin([f"T{i:02d}" for i in range(15, 30)])
    frame = frame[~late | (frame.period >= 6)].copy()
    frame.loc[late, "period"] += 100  # no period shared with the first group
    result = PoissonLeavingDid().fit(frame, COLUMNS)
    estimate, se, _ = _dense_previous_path(frame)
    assert result.estimate == pytest.approx(estimate, abs=1e-8)
    assert result.se == pytest.approx(se, abs=1e-8)


def test_pilot_collinear_with_the_effects_is_an_error() -> None:
    frame = _panel()
    frame["pilot_post"] = (frame.period >= 4).astype(int)  # a period effect, nothing else
    with pytest.raises(EstimationError, match="collinear with the team and period effects"):
        PoissonLeavingDid().fit(frame, COLUMNS)
