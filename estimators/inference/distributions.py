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


__all__ = ["chi2_sf", "f_sf", "norm_cdf", "norm_ppf", "norm_sf", "t_ppf", "t_sf", "t_two_sided_p"]
