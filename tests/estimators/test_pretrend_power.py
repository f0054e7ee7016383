"""Power of the pre-trend test against a linear trend (Roth 2022).

References: (1) one lead, chi-squared: the power of a two-sided z test, 1 - Phi(z - mu) +
Phi(-z - mu) with mu = slope x distance / se (textbook formula); (2) several correlated leads:
brute force, drawing the leads from N(slope x times, V) and counting how often the Wald test
rejects (Monte Carlo error below 0.005 with 200,000 draws).
"""

from __future__ import annotations

import numpy as np
import pytest
from pilot_eval.estimators.did.pretrend_power import linear_trend_power, slope_for_power
from pilot_eval.estimators.errors import EstimatorConfigError
from scipy import stats

EXACT = 1e-10
MONTE_CARLO = 0.005  # 3.5 standard errors of a proportion near 0.5 with 200,000 draws


def test_one_lead_is_the_two_sided_z_test():
    se, slope, e = 0.7, 0.4, -3.0
    mu = slope * (e + 1.0) / se
    z = stats.norm.isf(0.025)
    expected = stats.norm.sf(z - mu) + stats.norm.cdf(-z - mu)
    got = linear_trend_power([[se**2]], [e], slope=slope)
    assert got.power == pytest.approx(expected, abs=EXACT)
    assert got.restrictions == 1


def test_correlated_leads_match_brute_force():
    rng = np.random.default_rng(11)
    times = np.array([-7.5, -4.0, -3.0, -2.0])
    root = rng.normal(size=(4, 4))
    vcov = root @ root.T / 4 + np.eye(4) * 0.5
    slope = 0.35
    draws = rng.multivariate_normal(slope * (times + 1.0), vcov, size=200_000)
    wald = np.einsum("ij,jk,ik->i", draws, np.linalg.inv(vcov), draws)
    brute = float(np.mean(wald > stats.chi2.isf(0.05, 4)))
    got = linear_trend_power(vcov, times, slope=slope).power
    assert got == pytest.approx(brute, abs=MONTE_CARLO)
    # the F version (finite denominator df) rejects a little less often
    assert linear_trend_power(vcov, times, slope=slope, df_denominator=40).power < got


def test_slope_for_power_inverts_the_power():
    vcov = np.diag([0.5, 0.4, 0.3])
    times = [-4.0, -3.0, -2.0]
    slope = slope_for_power(vcov, times, power=0.8, df_denominator=100)
    assert linear_trend_power(vcov, times, slope=slope, df_denominator=100).power == \
        pytest.approx(0.8, abs=1e-9)
    assert linear_trend_power(vcov, times, slope=0.0).power == pytest.approx(0.05, abs=EXACT)


def test_bad_inputs_name_the_problem():
    with pytest.raises(EstimatorConfigError, match="2 x 2"):
        linear_trend_power(np.eye(3), [-3.0, -2.0], slope=1.0)
    with pytest.raises(EstimatorConfigError, match="power"):
        slope_for_power(np.eye(2), [-3.0, -2.0], power=0.01)
