"""The scipy.special wrappers (t, normal, F, chi-squared) equal the scipy.stats distribution methods they replace.

Reference: ``scipy.stats`` (``t``, ``norm``, ``chi2``) evaluated on the same grid.  Both call the
same Cephes routines, so they agree to rounding; the tolerance is relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from pilot_eval.estimators.inference import distributions as dist
from scipy import stats

REL_TOLERANCE = 1e-12
"""Relative agreement with scipy.stats (same numerical routines, rounding only)."""
ABS_TOLERANCE = 1e-300
"""Absolute floor for probabilities that underflow towards zero."""

X = np.concatenate([np.linspace(-40.0, 40.0, 161), [-1e-8, 0.0, 1e-8, 1.959963984540054]])
Q = np.array([1e-12, 1e-6, 0.001, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.995,
              0.999999])
DF = [1, 2, 3, 5, 9, 19, 29, 49, 199, 19_999, 1e6]


def close(ours: np.ndarray, reference: np.ndarray) -> None:
    np.testing.assert_allclose(ours, reference, rtol=REL_TOLERANCE, atol=ABS_TOLERANCE)


@pytest.mark.parametrize("df", DF)
def test_t_tail_and_quantile_match_scipy_stats(df: float) -> None:
    close(dist.t_sf(X, df), stats.t.sf(X, df))
    close(dist.t_ppf(Q, df), stats.t.ppf(Q, df))
    close(dist.t_two_sided_p(X, df), 2.0 * stats.t.sf(np.abs(X), df))


def test_t_scalar_inputs_give_floats_like_scipy_stats() -> None:
    assert float(dist.t_sf(2.1, 19)) == pytest.approx(float(stats.t.sf(2.1, 19)),
                                                      rel=REL_TOLERANCE)
    assert float(dist.t_ppf(0.975, 19_999)) == pytest.approx(float(stats.t.ppf(0.975, 19_999)),
                                                             rel=REL_TOLERANCE)


def test_t_quantile_of_two_sided_95_percent_with_19_df() -> None:
    # Printed t tables (e.g. Stata's invttail(19, 0.025)) give 2.0930240544.
    assert float(dist.t_ppf(0.975, 19)) == pytest.approx(2.0930240544083, abs=1e-10)


def test_normal_matches_scipy_stats() -> None:
    close(dist.norm_sf(X), stats.norm.sf(X))
    close(dist.norm_cdf(X), stats.norm.cdf(X))
    close(dist.norm_ppf(Q), stats.norm.ppf(Q))


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 12, 30, 100])
def test_chi_squared_tail_matches_scipy_stats(df: int) -> None:
    x = np.linspace(0.0, 200.0, 401)
    close(dist.chi2_sf(x, df), stats.chi2.sf(x, df))


@pytest.mark.parametrize(("dfn", "dfd"), [(1, 1), (1, 19), (3, 29), (4, 1_000), (12, 60)])
def test_f_tail_matches_scipy_stats(dfn: int, dfd: int) -> None:
    x = np.linspace(0.0, 50.0, 201)
    close(dist.f_sf(x, dfn, dfd), stats.f.sf(x, dfn, dfd))
