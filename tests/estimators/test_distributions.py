"""inference.distributions against scipy.stats, which the did path no longer imports.

Each wrapper calls the ufunc scipy.stats' method evaluates, so the values are equal exactly
(the pre-trend power and its slope for 80% power must not move when scipy.stats goes)."""

from __future__ import annotations

import numpy as np
import pytest
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference import distributions as d
from scipy import stats


@pytest.mark.parametrize("seed", range(4))
def test_quantiles_and_noncentral_tails_equal_scipy_stats(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        alpha = float(rng.choice([0.01, 0.05, 0.1, rng.random()]))
        q = int(rng.integers(1, 30))
        dfd = float(rng.choice([rng.integers(2, 500), rng.random() * 100 + 0.5]))
        nc = float(rng.choice([0.0, rng.random() * 50, rng.random() * 1e-3]))
        chi2 = d.chi2_isf(alpha, q)
        f = d.f_isf(alpha, q, dfd)
        assert chi2 == stats.chi2.isf(alpha, q)
        assert f == stats.f.isf(alpha, q, dfd)
        assert d.ncx2_sf(chi2, q, nc) == stats.ncx2.sf(chi2, q, nc)
        assert d.ncf_sf(f, q, dfd, nc) == stats.ncf.sf(f, q, dfd, nc)


def test_noncentral_chi2_tail_takes_arrays():
    x = np.array([1.0, 3.84, 10.0])
    nc = np.array([0.0, 2.0, 5.0])
    np.testing.assert_array_equal(d.ncx2_sf(x, 1, nc), stats.ncx2.sf(x, 1, nc))


def test_the_did_path_does_not_import_scipy_stats():
    import subprocess
    import sys

    code = ("import sys, pilot_eval.estimators.did.pretrend_power, "
            "pilot_eval.estimators.inference.distributions; print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd="/")
    assert out.stdout.strip() == "False"


def test_brentq_returns_scipys_root_to_the_last_bit():
    """inference.roots.brentq takes scipy.optimize.brentq's steps: the same root exactly on the
    pre-trend power equation (chi-squared and F) and on smooth, flat and steep functions."""
    import math

    from pilot_eval.estimators.inference.roots import brentq
    from scipy import optimize

    rng = np.random.default_rng(1)
    problems = []
    for q, dfd in ((1, None), (3, None), (8, 40.0), (12, None), (5, 7.0)):
        critical = d.chi2_isf(0.05, q) if dfd is None else d.f_isf(0.05, q, dfd)
        power = ((lambda lam, q=q, c=critical: float(d.ncx2_sf(c, q, lam)) - 0.8) if dfd is None
                 else (lambda lam, q=q, c=critical, m=dfd: float(d.ncf_sf(c, q, m, lam)) - 0.8))
        problems.append((power, 0.0, 64.0))
    for _ in range(200):
        c, shift = rng.normal(size=2)
        problems += [(lambda x, c=c, s=shift: math.tanh(x - s) + 0.1 * c, -10.0, 10.0),
                     (lambda x, s=shift: (x - s) ** 5, -10.0, 10.0),
                     (lambda x, c=c, s=shift: x**3 - c * x - s, -10.0, 10.0)]
    compared = 0
    for f, low, high in problems:
        if f(low) * f(high) > 0:
            continue
        for xtol in (1e-12, 1e-6):
            try:
                expected = optimize.brentq(f, low, high, xtol=xtol)
            except RuntimeError:  # not converged in 100 steps: ours says so too
                with pytest.raises(EstimationError, match="not found in 100 steps"):
                    brentq(f, low, high, xtol=xtol)
                continue
            assert brentq(f, low, high, xtol=xtol) == expected
            compared += 1
    assert compared > 500
