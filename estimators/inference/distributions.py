"""Tail probabilities and quantiles of the t, normal, F and chi-squared distributions.

Thin wrappers over ``scipy.special`` (the same Cephes routines ``scipy.stats`` calls), so that
modules on the ``did`` path do not import ``scipy.stats``, which costs about two seconds at start-up.
Every function takes and returns floats or numpy arrays, like the ``scipy.stats`` methods it
replaces (named in each docstring).
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from scipy import special
from scipy.special._ufuncs import _ncf_sf, _ncx2_sf  # what scipy.stats' ncx2/ncf evaluate

ArrayLike: TypeAlias = "float | np.ndarray"


def t_sf(x: ArrayLike, df: ArrayLike) -> ArrayLike:
    """Upper tail ``P(T > x)`` of Student's t with ``df`` degrees of freedom.

    Same as ``scipy.stats.t.sf(x, df)``: ``1 - stdtr(df, x) = stdtr(df, -x)``.
    """
    return special.stdtr(df, np.negative(x))


def t_ppf(q: ArrayLike, df: ArrayLike) -> ArrayLike:
    """Quantile of Student's t: ``x`` with ``P(T <= x) = q`` (``scipy.stats.t.ppf(q, df)``)."""
    return special.stdtrit(df, q)


def t_two_sided_p(t: ArrayLike, df: ArrayLike) -> ArrayLike:
    """Two-sided p-value ``2 P(T > |t|)`` of Student's t."""
    return 2.0 * t_sf(np.abs(t), df)


def norm_sf(x: ArrayLike) -> ArrayLike:
    """Upper tail of the standard normal (``scipy.stats.norm.sf(x)`` = ``ndtr(-x)``)."""
    return special.ndtr(np.negative(x))


def norm_cdf(x: ArrayLike) -> ArrayLike:
    """Distribution function of the standard normal (``scipy.stats.norm.cdf(x)``)."""
    return special.ndtr(x)


def norm_ppf(q: ArrayLike) -> ArrayLike:
    """Quantile of the standard normal (``scipy.stats.norm.ppf(q)`` = ``ndtri(q)``)."""
    return special.ndtri(q)


def f_sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> ArrayLike:
    """Upper tail of the F distribution (``scipy.stats.f.sf(x, dfn, dfd)`` = ``fdtrc``)."""
    return special.fdtrc(dfn, dfd, x)


def chi2_sf(x: ArrayLike, df: ArrayLike) -> ArrayLike:
    """Upper tail of the chi-squared distribution (``scipy.stats.chi2.sf(x, df)``)."""
    return special.chdtrc(df, x)


def chi2_isf(q: ArrayLike, df: ArrayLike) -> ArrayLike:
    """Upper quantile of the chi-squared distribution (``scipy.stats.chi2.isf(q, df)``)."""
    return special.chdtri(df, q)


def f_isf(q: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> ArrayLike:
    """Upper quantile of the F distribution (``scipy.stats.f.isf``: ``fdtri`` at ``1 - q``)."""
    return special.fdtri(dfn, dfd, 1.0 - np.asarray(q, dtype=float))


def ncx2_sf(x: ArrayLike, df: ArrayLike, nc: ArrayLike) -> ArrayLike:
    """Upper tail of the noncentral chi-squared (``scipy.stats.ncx2.sf``: Boost's, or the
    central ``chdtrc`` when the noncentrality is 0)."""
    x, df, nc = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, df, nc)))
    with np.errstate(over="ignore"):
        out = np.where(nc != 0, _ncx2_sf(x, df, nc), special.chdtrc(df, x))
    return out[()] if out.ndim == 0 else out


def ncf_sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike, nc: ArrayLike) -> ArrayLike:
    """Upper tail of the noncentral F (``scipy.stats.ncf.sf``: Boost's)."""
    return _ncf_sf(x, dfn, dfd, nc)


def truncnorm_ppf(q: ArrayLike, low: ArrayLike, high: ArrayLike) -> np.ndarray:
    """Quantile ``q`` of a standard normal truncated to ``[low, high]``
    (``scipy.stats.truncnorm.ppf(q, low, high)``).

    Worked in logs so that intervals far in a tail keep their digits: with ``low < 0`` the
    quantile solves ``Phi(x) = Phi(low) + q * mass``; otherwise the mirror image
    ``Phi(-x) = Phi(-high) + (1 - q) * mass``, where ``mass = Phi(high) - Phi(low)``.
    """
    q, low, high = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(low, dtype=float),
                                       np.asarray(high, dtype=float))
    log_mass = _log_normal_mass(low, high)
    out = np.empty(q.shape)
    left = low < 0.0
    right = ~left
    with np.errstate(divide="ignore"):  # q = 0 or 1: log(0) = -inf, as the formula wants
        out[left] = special.ndtri_exp(np.logaddexp(special.log_ndtr(low[left]),
                                                   np.log(q[left]) + log_mass[left]))
        out[right] = -special.ndtri_exp(np.logaddexp(special.log_ndtr(-high[right]),
                                                     np.log1p(-q[right]) + log_mass[right]))
    out[q == 0.0] = low[q == 0.0]  # the ends exactly, as scipy.stats gives them
    out[q == 1.0] = high[q == 1.0]
    return out


def _log_normal_mass(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``log(Phi(high) - Phi(low))``, in the lower tail when both ends are below zero and in
    the mirror image when both are above, so that neither end's digits cancel."""
    below = high <= 0.0
    above = low > 0.0
    lower = np.where(above, -high, low)  # both ends moved into the lower tail
    upper = np.where(above, -low, high)
    log_upper, log_lower = special.log_ndtr(upper), special.log_ndtr(lower)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = log_lower - log_upper  # <= 0
        tail = log_upper + np.where(gap > -np.log(2.0), np.log(-np.expm1(gap)),
                                    np.log1p(-np.exp(gap)))
        middle = np.log1p(-special.ndtr(low) - special.ndtr(-high))
    return np.where(below | above, tail, middle)


__all__ = ["chi2_sf", "f_sf", "norm_cdf", "norm_ppf", "norm_sf", "t_ppf", "t_sf", "t_two_sided_p",
           "truncnorm_ppf"]
