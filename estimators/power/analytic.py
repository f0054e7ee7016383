"""Closed-form power, sample size and minimum detectable effect for comparisons of means.

* Two independent means (Stata ``power twomeans``): the t test uses the noncentral t
  distribution with ``n1 + n2 - 2`` degrees of freedom, the z test the normal.
* Cluster randomised means (Stata ``power twomeans, cluster``): a z test whose variance is
  inflated by the design effect ``1 + (M - 1) rho`` of each arm.
* Several rounds before and after (McKenzie 2012, J. Dev. Econ. 99, "Beyond baseline and
  follow-up"): the variance of the post-only, ANCOVA and difference-in-differences estimators with
  ``pre`` rounds before, ``post`` rounds after and a constant autocorrelation ``rho`` between
  rounds.

Every function is pure; bad values raise ``EstimatorConfigError`` saying what was seen and the fix.
Two-sided powers add both rejection tails, as Stata does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_cdf, norm_ppf, t_ppf
from scipy import optimize, special

Test = Literal["t", "z"]
TESTS: tuple[str, ...] = get_args(Test)
RoundsDesign = Literal["post", "ancova", "did"]
ROUNDS_DESIGNS: tuple[str, ...] = get_args(RoundsDesign)
MAX_SIZE = 10**8
"""Largest group size or number of clusters searched for; beyond it a target is impossible."""


def check_alpha(alpha: float) -> None:
    if not (isinstance(alpha, int | float) and 0.0 < alpha < 1.0):
        raise EstimatorConfigError(f"alpha={alpha!r} must be between 0 and 1, for example 0.05")


def check_power(power: float) -> None:
    if not (isinstance(power, int | float) and 0.0 < power < 1.0):
        raise EstimatorConfigError(
            f"power={power!r} must be between 0 and 1, for example 0.8 (detected 8 times in 10)")


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise EstimatorConfigError(f"{name}={value!r} must be a positive number")


def _correlation(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value < 1.0):
        raise EstimatorConfigError(f"{name}={value!r} must be at least 0 and below 1")


def _critical(alpha: float, onesided: bool, df: float | None) -> float:
    q = 1.0 - (alpha if onesided else alpha / 2.0)
    return float(norm_ppf(q) if df is None else t_ppf(q, df))


def normal_power(shift: float, *, alpha: float = 0.05, onesided: bool = False) -> float:
    """Power of a z test whose statistic is Normal(``shift``, 1) under the alternative."""
    crit = _critical(alpha, onesided, None)
    shift = abs(shift)
    power = norm_cdf(shift - crit)
    return float(power if onesided else power + norm_cdf(-shift - crit))


def t_power(shift: float, df: float, *, alpha: float = 0.05, onesided: bool = False) -> float:
    """Power of a t test with ``df`` degrees of freedom and noncentrality ``shift``."""
    crit = _critical(alpha, onesided, df)
    shift = abs(shift)
    power = 1.0 - special.nctdtr(df, shift, crit)
    return float(power if onesided else power + special.nctdtr(df, shift, -crit))


def two_means_power(delta: float, *, sd: float, n1: int, n2: int, alpha: float = 0.05,
                    onesided: bool = False, test: Test = "t") -> float:
    """Power to detect a difference ``delta`` between two means (Stata ``power twomeans``)."""
    _positive("sd", sd)
    check_alpha(alpha)
    if n1 < 2 or n2 < 2:
        raise EstimatorConfigError(f"n1={n1}, n2={n2}: each group needs at least 2 observations")
    shift = delta / (sd * math.sqrt(1.0 / n1 + 1.0 / n2))
    if test == "z":
        return normal_power(shift, alpha=alpha, onesided=onesided)
    if test != "t":
        raise EstimatorConfigError(f"test={test!r} is not allowed; choose one of: t, z")
    return t_power(shift, n1 + n2 - 2, alpha=alpha, onesided=onesided)


@dataclass(frozen=True)
class GroupSizes:
    """Smallest group sizes whose power reaches the target, and the power they give."""

    n1: int
    n2: int
    power: float

    @property
    def n(self) -> int:
        return self.n1 + self.n2


def _smallest(power_of: Callable[[int], float], target: float, start: int) -> int:
    """Smallest integer ``k >= start`` with ``power_of(k) >= target`` (power rises with k)."""
    low, high = start, max(start, 2)
    while power_of(high) < target:
        low, high = high + 1, high * 2
        if high > MAX_SIZE:
            raise EstimatorConfigError(
                f"the target power {target} is not reached with {MAX_SIZE:,} per group; "
                "choose a larger effect or a lower power")
    while low < high:
        middle = (low + high) // 2
        if power_of(middle) >= target:
            high = middle
        else:
            low = middle + 1
    return low


def two_means_sample_size(delta: float, *, sd: float, power: float = 0.8, alpha: float = 0.05,
                          nratio: float = 1.0, onesided: bool = False,
                          test: Test = "t") -> GroupSizes:
    """Group sizes to detect ``delta`` with ``power`` (``n2 = ceil(nratio * n1)``)."""
    check_power(power)
    _positive("nratio", nratio)
    if delta == 0:
        raise EstimatorConfigError("delta=0: a difference of zero cannot be detected; give the "
                                   "smallest difference that matters")

    def power_of(n1: int) -> float:
        return two_means_power(delta, sd=sd, n1=n1, n2=max(2, math.ceil(nratio * n1)),
                               alpha=alpha, onesided=onesided, test=test)

    n1 = _smallest(power_of, power, 2)
    n2 = max(2, math.ceil(nratio * n1))
    return GroupSizes(n1, n2, power_of(n1))


def solve_effect(power_of_effect: Callable[[float], float], power: float, scale: float) -> float:
    """The positive effect whose power equals ``power`` (power rises with the effect)."""
    check_power(power)
    high = scale
    while power_of_effect(high) < power:
        high *= 2.0
    return float(optimize.brentq(lambda d: power_of_effect(d) - power, 0.0, high,
                                 xtol=1e-14 * scale, rtol=1e-15, maxiter=500))


def two_means_mde(*, sd: float, n1: int, n2: int, power: float = 0.8, alpha: float = 0.05,
                  onesided: bool = False, test: Test = "t") -> float:
    """Smallest difference detected with ``power`` (Stata ``power twomeans m1, n() power()``)."""
    return solve_effect(lambda d: two_means_power(d, sd=sd, n1=n1, n2=n2, alpha=alpha,
                                                  onesided=onesided, test=test), power, sd)


def design_effect(m: float, icc: float) -> float:
    """Variance inflation of a cluster mean of ``m`` observations: ``1 + (m - 1) icc``."""
    _positive("m", m)
    _correlation("icc", icc)
    return 1.0 + (m - 1.0) * icc


def cluster_means_se(*, sd: float, k1: float, k2: float, m1: float, m2: float,
                     rho: float) -> float:
    """Standard error of the difference of two arm means in a cluster randomised design."""
    _positive("sd", sd)
    for name, value in (("k1", k1), ("k2", k2)):
        _positive(name, value)
    return sd * math.sqrt(design_effect(m1, rho) / (k1 * m1) + design_effect(m2, rho) / (k2 * m2))


def cluster_means_power(delta: float, *, sd: float, k1: int, k2: int, m1: float, m2: float,
                        rho: float, alpha: float = 0.05, onesided: bool = False) -> float:
    """Power of the z test of two means with clusters (Stata ``power twomeans, cluster``)."""
    check_alpha(alpha)
    se = cluster_means_se(sd=sd, k1=k1, k2=k2, m1=m1, m2=m2, rho=rho)
    return normal_power(delta / se, alpha=alpha, onesided=onesided)


@dataclass(frozen=True)
class ClusterSizes:
    """Numbers of clusters per arm that reach the target power, and the power they give."""

    k1: int
    k2: int
    m1: float
    m2: float
    power: float

    @property
    def n1(self) -> float:
        return self.k1 * self.m1

    @property
    def n2(self) -> float:
        return self.k2 * self.m2


def cluster_means_clusters(delta: float, *, sd: float, m1: float, m2: float | None = None,
                           rho: float, power: float = 0.8, alpha: float = 0.05,
                           kratio: float = 1.0, onesided: bool = False) -> ClusterSizes:
    """Clusters per arm to detect ``delta`` (``k2 = ceil(kratio * k1)``)."""
    check_power(power)
    _positive("kratio", kratio)
    if delta == 0:
        raise EstimatorConfigError("delta=0: a difference of zero cannot be detected")
    m2 = m1 if m2 is None else m2

    def power_of(k1: int) -> float:
        return cluster_means_power(delta, sd=sd, k1=k1, k2=math.ceil(kratio * k1), m1=m1,
                                   m2=m2, rho=rho, alpha=alpha, onesided=onesided)

    k1 = _smallest(power_of, power, 1)
    return ClusterSizes(k1, math.ceil(kratio * k1), m1, m2, power_of(k1))


def cluster_means_mde(*, sd: float, k1: int, k2: int, m1: float, m2: float, rho: float,
                      power: float = 0.8, alpha: float = 0.05, onesided: bool = False) -> float:
    """Smallest difference detected with ``power`` in a cluster randomised design."""
    return solve_effect(lambda d: cluster_means_power(d, sd=sd, k1=k1, k2=k2, m1=m1, m2=m2,
                                                      rho=rho, alpha=alpha, onesided=onesided),
                        power, sd)


def rounds_variance_factor(design: RoundsDesign, *, pre: int, post: int, rho: float) -> float:
    """McKenzie's (2012) variance of the estimator, in units of ``sd**2 (1/n1 + 1/n0)``.

    With ``pre`` rounds before and ``post`` after, all pairs of rounds of a unit correlated
    ``rho`` (equal variances):

    * post only:  ``(1 + (post - 1) rho) / post``
    * ANCOVA:     ``(1 + (post - 1) rho) / post - pre rho**2 / (1 + (pre - 1) rho)``
    * DiD:        ``(1 + (post - 1) rho) / post + (1 + (pre - 1) rho) / pre - 2 rho``
    """
    if design not in ROUNDS_DESIGNS:
        raise EstimatorConfigError(f"design={design!r} is not allowed; choose one of: "
                                   f"{', '.join(ROUNDS_DESIGNS)}")
    _correlation("rho", rho)
    if post < 1 or (design != "post" and pre < 1):
        raise EstimatorConfigError(f"pre={pre}, post={post}: the design needs at least one "
                                   "round after (and, for ANCOVA or DiD, one before)")
    after = (1.0 + (post - 1) * rho) / post
    if design == "post":
        return after
    if design == "ancova":
        return after - pre * rho**2 / (1.0 + (pre - 1) * rho)
    return after + (1.0 + (pre - 1) * rho) / pre - 2.0 * rho


def rounds_se(design: RoundsDesign, *, sd: float, n1: float, n0: float, pre: int, post: int,
              rho: float) -> float:
    """Standard error of the McKenzie estimator with ``n1`` treated and ``n0`` control units."""
    _positive("sd", sd)
    _positive("n1", n1)
    _positive("n0", n0)
    factor = rounds_variance_factor(design, pre=pre, post=post, rho=rho)
    return sd * math.sqrt(factor * (1.0 / n1 + 1.0 / n0))


def rounds_power(effect: float, *, design: RoundsDesign, sd: float, n1: float, n0: float,
                 pre: int, post: int, rho: float, alpha: float = 0.05, onesided: bool = False,
                 df: float | None = None) -> float:
    """Power for ``effect`` (z test, or t with ``df`` degrees of freedom)."""
    check_alpha(alpha)
    se = rounds_se(design, sd=sd, n1=n1, n0=n0, pre=pre, post=post, rho=rho)
    if df is None:
        return normal_power(effect / se, alpha=alpha, onesided=onesided)
    return shifted_t_power(effect / se, df, alpha=alpha, onesided=onesided)


def shifted_t_power(shift: float, df: float, *, alpha: float = 0.05,
                    onesided: bool = False) -> float:
    """``P(|T + shift| > t_crit)`` with T central t: McKenzie's ``t_alpha + t_(1-kappa)`` form."""
    crit = _critical(alpha, onesided, df)
    shift = abs(shift)
    power = special.stdtr(df, shift - crit)
    return float(power if onesided else power + special.stdtr(df, -shift - crit))


def rounds_mde(*, design: RoundsDesign, sd: float, n1: float, n0: float, pre: int, post: int,
               rho: float, power: float = 0.8, alpha: float = 0.05, onesided: bool = False,
               df: float | None = None) -> float:
    """Minimum detectable effect of the McKenzie design at ``power``."""
    return solve_effect(lambda d: rounds_power(d, design=design, sd=sd, n1=n1, n0=n0, pre=pre,
                                               post=post, rho=rho, alpha=alpha,
                                               onesided=onesided, df=df), power, sd)


def mde_factor(*, power: float = 0.8, alpha: float = 0.05, onesided: bool = False) -> float:
    """``z_(1-alpha/2) + z_power``: the MDE in standard errors (one tail only)."""
    check_power(power)
    check_alpha(alpha)
    return _critical(alpha, onesided, None) + float(norm_ppf(power))


__all__ = [
    "ClusterSizes", "GroupSizes", "ROUNDS_DESIGNS", "cluster_means_clusters",
    "cluster_means_mde", "cluster_means_power", "cluster_means_se", "design_effect",
    "mde_factor", "normal_power", "rounds_mde", "rounds_power", "rounds_se",
    "rounds_variance_factor", "shifted_t_power", "t_power", "two_means_mde",
    "two_means_power", "two_means_sample_size",
]

