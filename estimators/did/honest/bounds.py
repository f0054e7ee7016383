"""Sensitivity of event-study conclusions to parallel-trends violations (Rambachan & Roth 2023).

``smoothness_bounds(beta, sigma, n_pre=..., m_grid=...)`` gives HonestDiD's default robust
intervals under the smoothness restriction ``Delta^SD(M)`` (the optimal fixed-length
confidence interval, ``method = "FLCI"``) with the breakdown value; ``from_event_study`` takes
the coefficients and covariance of an ``EventStudyResult`` (or ``SunAbrahamResult``).

The relative-magnitudes restriction ``Delta^RM(Mbar)`` (HonestDiD's conditional /
least-favourable hybrid ARP test, ``C-LF``) is in ``relative_magnitude``;
``relative_magnitude_bounds`` is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
from pilot_eval.estimators.did.honest.flci import flci_candidates, optimal_flci
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_ppf
from pilot_eval.estimators.results import Result, Term


@dataclass(frozen=True)
class EventStudyInputs:
    """Coefficients ordered ``(-n_pre..-1 except the reference, post 0..)`` and their covariance.

    HonestDiD's convention: ``n_pre`` pre-period coefficients before the omitted reference and
    ``n_post`` after it.
    """

    beta: np.ndarray
    sigma: np.ndarray
    n_pre: int
    n_post: int


@dataclass(frozen=True)
class SensitivityRow:
    """The robust confidence interval at one value of ``M`` (or ``Mbar``)."""

    m: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0

    def to_dict(self) -> dict[str, object]:
        return {"m": float(self.m), "lb": float(self.low), "ub": float(self.high),
                "excludes_zero": bool(self.excludes_zero)}


@dataclass(frozen=True, repr=False)
class SensitivityResult(Result):
    """Robust intervals over a grid of ``M`` (smoothness) or ``Mbar`` (relative magnitudes).

    ``breakdown`` is the largest grid value whose interval excludes zero, when the intervals
    exclude zero from the smallest grid value onwards (``None`` when even the first does not).
    ``tidy()`` has the original interval, then one row per grid value (intervals only).
    """

    title: ClassVar[str] = "Sensitivity to violations of parallel trends (HonestDiD)"

    restriction: str
    method: str
    rows: tuple[SensitivityRow, ...]
    original_low: float
    original_high: float
    l_vec: tuple[float, ...]
    alpha: float
    breakdown: float | None

    @property
    def level(self) -> float:
        return 1.0 - float(self.alpha)

    @property
    def warnings(self) -> tuple[str, ...]:
        return ()

    @property
    def parameter(self) -> str:
        return "M" if self.restriction == "smoothness" else "Mbar"

    def headline(self) -> str:
        shown = "none" if self.breakdown is None else f"{self.breakdown:.4g}"
        return (f"{self.restriction} restriction ({self.method}), {self.level:.0%} intervals; "
                f"breakdown value of {self.parameter}: {shown}")

    def tidy_rows(self) -> tuple[Term, ...]:
        return (Term("original", None, ci_low=self.original_low, ci_high=self.original_high),
                *(Term(f"{self.parameter}={row.m:.4g}", None, ci_low=row.low, ci_high=row.high)
                  for row in self.rows))

    def tidy_extra(self) -> dict[str, list[object]]:
        return {self.parameter: [None, *(row.m for row in self.rows)],
                "excludes_zero": [self.original_low > 0 or self.original_high < 0,
                                  *(row.excludes_zero for row in self.rows)]}

    def to_dict(self) -> dict[str, object]:
        return {
            "restriction": self.restriction, "method": self.method,
            "rows": [row.to_dict() for row in self.rows],
            "original": {"lb": float(self.original_low), "ub": float(self.original_high)},
            "l_vec": [float(v) for v in self.l_vec], "level": 1.0 - float(self.alpha),
            "breakdown": None if self.breakdown is None else float(self.breakdown),
            "parameter": "l_vec' (post-period effects)",
        }

    def summary(self) -> str:
        name = "M" if self.restriction == "smoothness" else "Mbar"
        lines = [f"Sensitivity ({self.restriction}, {self.method}); original CI "
                 f"({self.original_low:.6g}, {self.original_high:.6g})"]
        lines += [f"  {name} = {row.m:.4g}: ({row.low:.6g}, {row.high:.6g})" for row in self.rows]
        shown = "none (not significant at the smallest value)" if self.breakdown is None else (
            f"{self.breakdown:.4g}")
        lines.append(f"  breakdown value: {shown}")
        return "\n".join(lines)


class EventTimeFit(Protocol):
    """What ``from_event_study`` reads: an ``EventStudyResult`` or a ``SunAbrahamResult``."""

    @property
    def events(self) -> tuple[int, ...]: ...

    @property
    def reference(self) -> int: ...

    def pre_post(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def from_event_study(result: EventTimeFit) -> EventStudyInputs:
    """Inputs from an ``EventStudyResult``: every event time must be present around ``-1``.

    HonestDiD needs consecutive event times ``-n_pre..-2, 0..n_post-1`` with the reference at
    ``-1``.
    """
    beta, sigma, post = result.pre_post()
    events = np.asarray(result.events)
    if result.reference != -1:
        raise EstimationError(f"sensitivity analysis needs the reference period -1 (the event "
                              f"study used {result.reference}); refit with reference=-1")
    expected = np.concatenate([np.arange(events.min(), -1), np.arange(0, events.max() + 1)])
    if events.size != expected.size or np.any(events != expected):
        raise EstimationError("sensitivity analysis needs every event time from the first lead "
                              "to the last lag; some are missing in this event study")
    return EventStudyInputs(beta, sigma, int((~post).sum()), int(post.sum()))


def _check(beta: np.ndarray, sigma: np.ndarray, n_pre: int,
           l_vec: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    beta = np.asarray(beta, dtype=float).ravel()
    sigma = np.asarray(sigma, dtype=float)
    if sigma.shape != (beta.size, beta.size):
        raise EstimatorConfigError(f"sigma must be {beta.size} x {beta.size} (one row per "
                                   f"coefficient) but is {sigma.shape}")
    n_post = beta.size - n_pre
    if n_pre < 1 or n_post < 1:
        raise EstimatorConfigError(f"n_pre={n_pre} leaves {n_post} post-period coefficients; "
                                   "sensitivity analysis needs at least one of each")
    l_vec = np.eye(n_post)[0] if l_vec is None else np.asarray(l_vec, dtype=float).ravel()
    if l_vec.size != n_post:
        raise EstimatorConfigError(f"l_vec has {l_vec.size} weights but there are {n_post} "
                                   "post-period coefficients")
    return beta, sigma, l_vec


def original_interval(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int,
                      l_vec: np.ndarray | None = None, alpha: float = 0.05
                      ) -> tuple[float, float]:
    """``l' beta_post +- z_{1-alpha/2} sd``: HonestDiD's ``constructOriginalCS``."""
    beta, sigma, l_vec = _check(beta, sigma, n_pre, l_vec)
    post = slice(n_pre, beta.size)
    centre = float(l_vec @ beta[post])
    sd = float(np.sqrt(l_vec @ sigma[post, post] @ l_vec))
    half = float(norm_ppf(1.0 - alpha / 2.0)) * sd
    return centre - half, centre + half


def smoothness_upper_bound(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int,
                           alpha: float = 0.05) -> float:
    """HonestDiD's ``DeltaSD_upperBound_Mpre``: the largest pre-period second difference plus
    its one-sided ``1 - alpha`` margin (the default top of the ``M`` grid)."""
    pre = np.append(np.asarray(beta, dtype=float)[:n_pre], 0.0)
    cov = np.zeros((n_pre + 1, n_pre + 1))
    cov[:n_pre, :n_pre] = np.asarray(sigma, dtype=float)[:n_pre, :n_pre]
    if n_pre < 2:
        raise EstimatorConfigError("a default M grid needs at least two pre-period coefficients")
    a = np.zeros((n_pre - 1, n_pre + 1))
    for row in range(n_pre - 1):
        a[row, row:row + 3] = (1.0, -2.0, 1.0)
    diffs = a @ pre
    sd = np.sqrt(np.diag(a @ cov @ a.T))
    z = float(norm_ppf(1.0 - alpha))
    return float(np.max(np.maximum(diffs, -diffs) + z * sd))


def breakdown_value(rows: tuple[SensitivityRow, ...]) -> float | None:
    """The largest grid value up to which every interval excludes zero."""
    value = None
    for row in sorted(rows, key=lambda r: r.m):
        if not row.excludes_zero:
            break
        value = row.m
    return value


def smoothness_bounds(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int,
                      m_grid: tuple[float, ...] | None = None,
                      l_vec: np.ndarray | None = None, alpha: float = 0.05
                      ) -> SensitivityResult:
    """Robust intervals for ``l' tau_post`` under ``Delta^SD(M)`` for each ``M`` (FLCI).

    Parameters
    ----------
    beta, sigma
        Event-study coefficients ``(pre..., post...)`` without the reference, and covariance.
    n_pre
        Number of pre-period coefficients.
    m_grid
        Values of ``M``; default ten values from 0 to ``smoothness_upper_bound`` (HonestDiD).
    l_vec
        Weights on the post-period effects (default: the first post period).
    alpha
        One minus the coverage.

    Notes
    -----
    ``Delta^SD(M) = {delta : |(delta_{t+1} - delta_t) - (delta_t - delta_{t-1})| <= M}`` with
    ``delta_0 = 0``; the interval is HonestDiD's optimal FLCI (``findOptimalFLCI``), with the
    folded-normal quantile computed exactly rather than by simulation.
    """
    beta, sigma, l_vec = _check(beta, sigma, n_pre, l_vec)
    if m_grid is None:
        top = smoothness_upper_bound(beta, sigma, n_pre=n_pre, alpha=alpha)
        m_grid = tuple(np.linspace(0.0, top, 10))
    if any(m < 0 for m in m_grid):
        raise EstimatorConfigError(f"M values must not be negative (seen {min(m_grid)})")
    rows = []
    candidates = flci_candidates(sigma, n_pre=n_pre, l_vec=l_vec)
    for m in m_grid:
        flci = optimal_flci(beta, sigma, n_pre=n_pre, l_vec=l_vec, m=float(m), alpha=alpha,
                            candidates=candidates)
        rows.append(SensitivityRow(float(m), flci.low, flci.high))
    low, high = original_interval(beta, sigma, n_pre=n_pre, l_vec=l_vec, alpha=alpha)
    rows_t = tuple(rows)
    return SensitivityResult("smoothness", "FLCI", rows_t, low, high,
                             tuple(float(v) for v in l_vec), float(alpha),
                             breakdown_value(rows_t))


def __getattr__(name: str) -> object:
    """``relative_magnitude_bounds`` lives in ``relative_magnitude`` (which imports this module)."""
    if name == "relative_magnitude_bounds":
        from pilot_eval.estimators.did.honest.relative_magnitude import relative_magnitude_bounds

        return relative_magnitude_bounds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
