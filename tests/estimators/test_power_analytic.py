"""Analytic power, sample size and MDE against published Stata, R and paper figures.

Sources (figures copied here, nothing read at test time):
* Stata ``power twomeans`` (t test): ``power twomeans 8 12, sd(9)`` -> N = 162, 81 per group
  (Stata PSS manual, power twomeans, Quick start example); ``power twomeans 8 (10(1)14), sd(9)``
  -> N = 638, 286, 162, 104, 74 and with ``onesided`` 504, 224, 128, 82, 58 (Stata output
  reproduced in a public Stata tutorial, mlln.cn "stata教程07").
* Stata ``power twomeans, cluster`` (z test): the manual's Ahn, Heo and Zhang (2015, p. 37)
  example ``power twomeans 0 1.1, m1(20) m2(20) sd(3.67) rho(0.025)`` -> K1 = K2 = 13, N1 = N2 =
  260; ``power twomeans 0 0.1, m1(40) rho(0.1)`` -> K = 193 per arm; ``... 0 0.2, m1(15)
  rho(0.3)`` -> 137, ``... 0 0.14`` -> 556 clusters in all; power with k1 = k2 = 100, rho 0.3,
  delta 0.2 and M = 4, 8, ..., 2048 -> .5367 .6224 .6744 .7029 .7178 .7254 .7292 .7311 .7321
  .7326 (Stata 18 output in public course code).
* McKenzie (2012, J. Dev. Econ. 99:210-221), variances of POST, ANCOVA and DiD with m rounds
  before, r after and autocorrelation rho; checked against a brute-force calculation of each
  estimator's variance from the (m + r) x (m + r) covariance matrix, and the paper's worked
  statements: with one round before and after, ANCOVA needs 1 - rho**2 and DiD 2 (1 - rho) of
  the POST sample (rho = 0.5: 75% and 100%); with rho = 0.25 four follow-up rounds need
  (1 + 3 x 0.25) / 4 = 43.75% of the single-round sample.
"""

from __future__ import annotations

import numpy as np
import pytest
from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.power import analytic as a

PRINTED_4DP = 5e-5
"""Stata prints power to 4 decimals: a match is within half a unit of the last digit."""
EXACT = 1e-12
FAR_TAIL = 5e-6
"""Relative size of the far rejection tail at 80% power and 5% two-sided."""


@pytest.mark.parametrize(("m2", "two_sided", "one_sided"), [
    (10, 638, 504), (11, 286, 224), (12, 162, 128), (13, 104, 82), (14, 74, 58)])
def test_two_means_sample_sizes_match_stata(m2, two_sided, one_sided):
    assert a.two_means_sample_size(m2 - 8, sd=9).n == two_sided
    assert a.two_means_sample_size(m2 - 8, sd=9, onesided=True).n == one_sided


def test_two_means_quick_start_and_power_just_below():
    sizes = a.two_means_sample_size(4, sd=9)
    assert (sizes.n1, sizes.n2, sizes.n) == (81, 81, 162)
    assert sizes.power >= 0.8 > a.two_means_power(4, sd=9, n1=80, n2=80)


def test_two_means_mde_inverts_power():
    mde = a.two_means_mde(sd=9, n1=81, n2=81, power=0.8)
    assert a.two_means_power(mde, sd=9, n1=81, n2=81) == pytest.approx(0.8, abs=EXACT)
    assert mde < 4  # 81 per group reaches 0.8027 at delta 4


@pytest.mark.parametrize(("delta", "sd", "m", "rho", "k"), [
    (1.1, 3.67, 20, 0.025, 13), (0.1, 1.0, 40, 0.1, 193), (0.2, 1.0, 15, 0.3, 137),
    (0.14, 1.0, 15, 0.3, 278)])
def test_cluster_numbers_match_stata(delta, sd, m, rho, k):
    sizes = a.cluster_means_clusters(delta, sd=sd, m1=m, rho=rho)
    assert (sizes.k1, sizes.k2) == (k, k)
    assert sizes.n1 == k * m


def test_cluster_power_table_matches_stata_to_printed_precision():
    printed = [.5367, .6224, .6744, .7029, .7178, .7254, .7292, .7311, .7321, .7326]
    for size, expected in zip([2**i for i in range(2, 12)], printed, strict=True):
        power = a.cluster_means_power(0.2, sd=1, k1=100, k2=100, m1=size, m2=size, rho=0.3)
        assert power == pytest.approx(expected, abs=PRINTED_4DP)


def test_design_effect_and_cluster_variance():
    assert a.design_effect(20, 0.025) == pytest.approx(1.475, abs=EXACT)
    se = a.cluster_means_se(sd=2, k1=10, k2=10, m1=5, m2=5, rho=0.2)
    assert se**2 == pytest.approx(4 * 2 * (1 + 4 * 0.2) / 50, rel=EXACT)


def _brute_force_factor(design: str, pre: int, post: int, rho: float) -> float:
    """Variance of each estimator for one unit from the rounds' covariance matrix."""
    size = pre + post
    cov = np.full((size, size), rho) + (1 - rho) * np.eye(size)
    before = np.r_[np.full(pre, 1 / pre), np.zeros(post)] if pre else np.zeros(size)
    after = np.r_[np.zeros(pre), np.full(post, 1 / post)]
    if design == "post":
        return float(after @ cov @ after)
    if design == "did":
        contrast = after - before
        return float(contrast @ cov @ contrast)
    slope = (after @ cov @ before) / (before @ cov @ before)   # population ANCOVA coefficient
    contrast = after - slope * before
    return float(contrast @ cov @ contrast)


@pytest.mark.parametrize("design", ["post", "ancova", "did"])
@pytest.mark.parametrize(("pre", "post", "rho"), [(1, 1, 0.5), (1, 4, 0.25), (3, 2, 0.7),
                                                  (6, 12, 0.35)])
def test_mckenzie_factors_equal_brute_force(design, pre, post, rho):
    factor = a.rounds_variance_factor(design, pre=pre, post=post, rho=rho)
    assert factor == pytest.approx(_brute_force_factor(design, pre, post, rho), rel=1e-12)


def test_mckenzie_worked_statements():
    post = a.rounds_variance_factor("post", pre=1, post=1, rho=0.5)
    assert a.rounds_variance_factor("ancova", pre=1, post=1, rho=0.5) / post == pytest.approx(
        0.75, abs=EXACT)
    assert a.rounds_variance_factor("did", pre=1, post=1, rho=0.5) / post == pytest.approx(
        1.0, abs=EXACT)
    for rho in (0.1, 0.25, 0.9):
        assert a.rounds_variance_factor("did", pre=1, post=1, rho=rho) == pytest.approx(
            2 * (1 - rho), abs=EXACT)
    assert a.rounds_variance_factor("post", pre=0, post=4, rho=0.25) == pytest.approx(
        0.4375, abs=EXACT)


def test_rounds_mde_is_z_sum_times_se_in_large_samples():
    se = a.rounds_se("did", sd=3, n1=500, n0=500, pre=2, post=3, rho=0.4)
    mde = a.rounds_mde(design="did", sd=3, n1=500, n0=500, pre=2, post=3, rho=0.4)
    # two-sided power adds the far tail Phi(-2.80 - 1.96) ~ 1e-6, so the exact MDE is below
    # (z_alpha/2 + z_power) se by about 1e-6 relative; the exact equation is checked below
    assert mde == pytest.approx(a.mde_factor() * se, rel=FAR_TAIL)
    assert mde < a.mde_factor() * se
    assert a.rounds_power(mde, design="did", sd=3, n1=500, n0=500, pre=2, post=3,
                          rho=0.4) == pytest.approx(0.8, abs=EXACT)


@pytest.mark.parametrize("bad", [
    lambda: a.two_means_sample_size(0, sd=1),
    lambda: a.two_means_sample_size(1, sd=1, power=1.0),
    lambda: a.two_means_power(1, sd=-1, n1=5, n2=5),
    lambda: a.cluster_means_clusters(1, sd=1, m1=5, rho=1.2),
    lambda: a.rounds_variance_factor("did", pre=0, post=2, rho=0.3),
    lambda: a.rounds_variance_factor("bogus", pre=1, post=2, rho=0.3),
])
def test_bad_values_raise_config_errors(bad):
    with pytest.raises(EstimatorConfigError):
        bad()
