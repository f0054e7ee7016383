"""Simulation power for the estimator actually used, from the pilot's own teams.

Each replication draws a calendar window of ``pre + post`` months and resamples whole teams
(with replacement) among those with no pilot and no missing value in that window, so a team's
series keeps its own level, trend, serial correlation and the shocks common to all teams that
month.  The first ``n_pilot`` drawn teams get the pilot, starting after ``pre`` months
(simultaneous) or in two waves, the second half-way through the follow-up (staggered).  A known
constant ``effect`` is added to pilot team-months, the estimator is fitted, and the test at
``alpha`` is recorded.

With a constant effect both estimators' estimates move by exactly the effect and their standard
errors do not change, so one set of replications without an effect (``simulate_null``) gives
the whole power curve and the minimum detectable effect with common random numbers;
``simulate_power`` injects the effect literally (the tests check both agree).  Synthetic DiD's
weights come from the comparison teams and the months before the start only, so its estimate
also moves by exactly the effect; its standard error in every replication is the standard
deviation of the estimates across the replications (``did.synthetic.power_batch``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_ppf, t_ppf
from pilot_eval.estimators.power.estimators import (
    BatchFit,
    callaway_santanna_batch,
    twfe_batch,
)

SimEstimator = Literal["twfe", "callaway-santanna"]
SIM_ESTIMATORS: tuple[str, ...] = get_args(SimEstimator)
MIN_SOURCE_TEAMS = 4
"""Fewest distinct teams to resample from: fewer would copy the same few series over and over."""
CHUNK = 100
"""Replications fitted at once (and between two cancellation checks)."""


@dataclass(frozen=True)
class PlannedDesign:
    """Pilot and comparison teams, months before and after the start, and the start pattern."""

    n_pilot: int
    n_comparison: int
    pre: int
    post: int
    staggered: bool = False

    def __post_init__(self) -> None:
        if self.n_pilot < 1 or self.n_comparison < 2:
            raise EstimatorConfigError(f"{self.n_pilot} pilot and {self.n_comparison} comparison "
                                       "teams: plan at least 1 pilot and 2 comparison teams")
        if self.pre < 1 or self.post < 1:
            raise EstimatorConfigError(f"pre={self.pre}, post={self.post}: plan at least one "
                                       "month before and one after the start")
        if self.staggered and (self.post < 2 or self.n_pilot < 2):
            raise EstimatorConfigError("a staggered start needs at least 2 pilot teams and 2 "
                                       "months of follow-up")

    @property
    def n_teams(self) -> int:
        return self.n_pilot + self.n_comparison

    @property
    def months(self) -> int:
        return self.pre + self.post

    def starts(self) -> np.ndarray:
        """First pilot month (0-based) of each team; -1 for comparison teams."""
        starts = np.full(self.n_teams, -1)
        starts[: self.n_pilot] = self.pre
        if self.staggered:
            starts[(self.n_pilot + 1) // 2: self.n_pilot] = self.pre + self.post // 2
        return starts

    def treatment(self) -> np.ndarray:
        starts = self.starts()
        return ((np.arange(self.months)[None, :] >= starts[:, None])
                & (starts[:, None] >= 0)).astype(float)


@dataclass(frozen=True)
class SeriesPool:
    """Teams' untreated monthly series (``units x months``; NaN = pilot month or missing)."""

    values: np.ndarray

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=float)
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    @property
    def longest_window(self) -> int:
        """Most consecutive usable months that at least ``MIN_SOURCE_TEAMS`` teams share."""
        ok = np.isfinite(self.values)
        best = 0
        for length in range(1, ok.shape[1] + 1):
            if self.windows(length):
                best = length
            else:
                break
        return best

    def windows(self, length: int) -> list[tuple[int, np.ndarray]]:
        """``(first month, teams usable over the window)`` for every start with enough teams."""
        ok = np.isfinite(self.values)
        if length > ok.shape[1]:
            return []
        run = np.cumsum(np.pad(ok, ((0, 0), (1, 0))), axis=1)
        out = []
        for offset in range(ok.shape[1] - length + 1):
            usable = np.flatnonzero(run[:, offset + length] - run[:, offset] == length)
            if len(usable) >= MIN_SOURCE_TEAMS:
                out.append((offset, usable))
        return out


def draw_panels(pool: SeriesPool, design: PlannedDesign, reps: int,
                rng: np.random.Generator) -> np.ndarray:
    """``(reps, teams, months)`` outcomes of resampled whole teams (no effect added)."""
    windows = pool.windows(design.months)
    if not windows:
        raise EstimationError(
            f"no {design.months}-month window ({design.pre} before + {design.post} after) has "
            f"{MIN_SOURCE_TEAMS} or more teams without the pilot and without gaps; the longest "
            f"possible is {pool.longest_window} months: plan fewer months")
    out = np.empty((reps, design.n_teams, design.months))
    picks = rng.integers(len(windows), size=reps)
    for r, pick in enumerate(picks):
        offset, usable = windows[pick]
        teams = usable[rng.integers(len(usable), size=design.n_teams)]
        out[r] = pool.values[teams, offset: offset + design.months]
    return out


BatchFitter = Callable[[np.ndarray, PlannedDesign], BatchFit]
"""An estimator fitted to ``(reps, teams, months)`` panels of a design (e.g. synthetic DiD's
``did.synthetic.power_batch.synthetic_did_fit``, which the shared modules may not import)."""


def fit_batch(y: np.ndarray, design: PlannedDesign,
              estimator: SimEstimator | BatchFitter) -> BatchFit:
    if callable(estimator):
        return estimator(y, design)
    if estimator == "twfe":
        return twfe_batch(y, design.treatment())
    if estimator == "callaway-santanna":
        return callaway_santanna_batch(y, design.starts())
    raise EstimatorConfigError(f"estimator={estimator!r} is not allowed; choose one of: "
                               f"{', '.join(SIM_ESTIMATORS)}")


def critical_value(df: int | None, alpha: float) -> float:
    return float(norm_ppf(1 - alpha / 2) if df is None else t_ppf(1 - alpha / 2, df))


@dataclass(frozen=True)
class NullDraws:
    """Replications without an effect: estimates, standard errors and the critical value."""

    estimates: np.ndarray
    ses: np.ndarray
    critical: float

    @property
    def reps(self) -> int:
        return len(self.estimates)

    def rejects(self, effect: float) -> np.ndarray:
        return np.abs(self.estimates + effect) > self.critical * self.ses

    def power(self, effect: float) -> float:
        return float(np.mean(self.rejects(effect)))

    def mc_se(self, effect: float) -> float:
        """Monte-Carlo standard error of ``power(effect)``: ``sqrt(p (1 - p) / reps)``."""
        p = self.power(effect)
        return float(np.sqrt(p * (1 - p) / self.reps))

    def mde(self, power: float, direction: int = 1) -> float | None:
        """Smallest effect (in ``direction``) whose simulated power reaches ``power``; None
        when even an effect of 100 standard errors does not."""
        e = self.estimates * direction
        upper = self.critical * self.ses - e           # rejects above when effect > upper
        lower = -self.critical * self.ses - e          # rejects below when effect < lower
        candidates = np.sort(upper[upper > 0])
        for cut in candidates:
            effect = cut * (1 + 1e-12)
            if np.mean((effect > upper) | (effect < lower)) >= power:
                return float(effect * direction)
        return None


def simulate_null(pool: SeriesPool, design: PlannedDesign, *, reps: int, seed: int,
                  estimator: SimEstimator | BatchFitter = "twfe", alpha: float = 0.05,
                  check: Callable[[], None] | None = None) -> NullDraws:
    """``reps`` replications without an effect (seeded; ``check`` runs between chunks and may
    raise to cancel)."""
    if reps < 10:
        raise EstimatorConfigError(f"reps={reps}: use at least 10 replications (200 or more "
                                   "for a usable Monte-Carlo error)")
    rng = np.random.default_rng(seed)
    estimates, ses, df = [], [], None
    for start in range(0, reps, CHUNK):
        if check is not None:
            check()
        y = draw_panels(pool, design, min(CHUNK, reps - start), rng)
        fit = fit_batch(y, design, estimator)
        estimates.append(fit.estimate)
        ses.append(fit.se)
        df = fit.df
    values, errors = np.concatenate(estimates), np.concatenate(ses)
    return NullDraws(values, _spread_if_missing(values, errors), critical_value(df, alpha))


def _spread_if_missing(estimates: np.ndarray, ses: np.ndarray) -> np.ndarray:
    """The estimator's own standard errors, or the estimates' spread when it has none."""
    if np.all(np.isnan(ses)):
        return np.full(len(estimates), float(np.std(estimates, ddof=1)))
    return ses


@dataclass(frozen=True)
class SimulatedPower:
    """Share of replications in which the injected effect was detected."""

    effect: float
    power: float
    mc_se: float
    reps: int
    mean_estimate: float
    sd_estimate: float


def simulate_power(pool: SeriesPool, design: PlannedDesign, *, effect: float, reps: int,
                   seed: int, estimator: SimEstimator | BatchFitter = "twfe",
                   alpha: float = 0.05) -> SimulatedPower:
    """Power by injecting ``effect`` into the pilot team-months of every replication."""
    rng = np.random.default_rng(seed)
    treated = design.treatment()
    estimates, ses, df = [], [], None
    for start in range(0, reps, CHUNK):
        y = draw_panels(pool, design, min(CHUNK, reps - start), rng) + effect * treated
        fit = fit_batch(y, design, estimator)
        estimates.append(fit.estimate)
        ses.append(fit.se)
        df = fit.df
    values = np.concatenate(estimates)
    errors = _spread_if_missing(values, np.concatenate(ses))
    hits = np.abs(values) > critical_value(df, alpha) * errors
    p = float(hits.mean())
    return SimulatedPower(effect, p, float(np.sqrt(p * (1 - p) / reps)), reps,
                          float(values.mean()), float(values.std(ddof=1)))


__all__ = ["BatchFitter", "CHUNK", "MIN_SOURCE_TEAMS", "NullDraws", "PlannedDesign", "SIM_ESTIMATORS",
           "SeriesPool", "SimulatedPower", "draw_panels", "simulate_null", "simulate_power"]
