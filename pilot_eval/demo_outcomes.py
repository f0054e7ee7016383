"""The demo pilot's outcome panel: the TRUE effect paths, the outcome models, missing months.

``outcome_panel`` draws the monthly team outcomes and caseloads; ``true_att`` gives each
outcome's TRUE average effect over the observed pilot team-months.  ``demo.py`` re-exports
the public names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from pilot_eval.demo_design import FIRST_MONTH, N_MONTHS, NEVER, PILOT_STARTS, months


@dataclass(frozen=True)
class EffectPath:
    """TRUE pilot effect by months since the team's pilot started (0 = first pilot month).

    ``first_month`` in month 0, growing in a straight line to ``full`` after
    ``build_up_months`` months and constant after that; ``build_up_months=0`` is a constant
    effect.  Before the pilot the effect is zero.
    """

    first_month: float
    full: float
    build_up_months: int = 0

    @property
    def shape(self) -> str:
        return "constant" if self.build_up_months == 0 else "growing"

    def at(self, months_since_start: np.ndarray) -> np.ndarray:
        e = np.asarray(months_since_start, dtype=float)
        if self.build_up_months == 0:
            path = np.full(e.shape, self.full)
        else:
            share = np.minimum(np.maximum(e, 0.0), self.build_up_months) / self.build_up_months
            path = self.first_month + (self.full - self.first_month) * share
        return np.where(e >= 0, path, 0.0)


@dataclass(frozen=True)
class OutcomeModel:
    """y = baseline + team + month + caseload_coef * (caseload - mean) + effect + AR(1) noise.

    ``team`` ~ N(0, team_sd) plus ``selection`` for pilot teams (a level difference only);
    ``month`` = trend * month index + season_amplitude * cos(2 pi (calendar month -
    season_peak) / 12) + N(0, month_sd), common to every team (parallel trends by construction);
    noise is AR(1) within a team with stationary sd ``noise_sd`` and autocorrelation
    ``noise_rho``, independent between teams; the result is rounded to ``decimals``.
    """

    baseline: float
    team_sd: float
    selection: float
    trend: float
    season_amplitude: float
    season_peak: int
    month_sd: float
    caseload_coef: float
    noise_sd: float
    noise_rho: float
    decimals: int
    effect: EffectPath


MODELS: Mapping[str, OutcomeModel] = MappingProxyType({
    "goals_met_pct": OutcomeModel(
        baseline=61.0, team_sd=5.0, selection=2.0, trend=0.05, season_amplitude=1.5,
        season_peak=7, month_sd=0.6, caseload_coef=-0.6, noise_sd=4.5, noise_rho=0.3,
        decimals=1, effect=EffectPath(first_month=4.0, full=4.0)),
    "cost_per_case_gbp": OutcomeModel(
        baseline=2850.0, team_sd=320.0, selection=-60.0, trend=7.0, season_amplitude=70.0,
        season_peak=1, month_sd=25.0, caseload_coef=-35.0, noise_sd=210.0, noise_rho=0.3,
        decimals=0, effect=EffectPath(first_month=-150.0, full=-150.0)),
    "repeat_referral_pct": OutcomeModel(
        baseline=21.0, team_sd=3.5, selection=-1.0, trend=-0.02, season_amplitude=1.0,
        season_peak=1, month_sd=0.4, caseload_coef=0.3, noise_sd=2.8, noise_rho=0.25,
        decimals=1, effect=EffectPath(first_month=-0.5, full=-2.0, build_up_months=12)),
    "engagement_index": OutcomeModel(
        baseline=63.0, team_sd=5.0, selection=2.5, trend=-0.06, season_amplitude=0.8,
        season_peak=7, month_sd=0.5, caseload_coef=-0.7, noise_sd=2.6, noise_rho=0.4,
        decimals=1, effect=EffectPath(first_month=3.0, full=5.0, build_up_months=12)),
})
CASELOAD_MEAN, CASELOAD_TEAM_SD, CASELOAD_SEASON, CASELOAD_SD, CASELOAD_RHO = 17.5, 2.2, 0.8, 1.0, 0.6
BOUNDS = MappingProxyType({"goals_met_pct": (0.0, 100.0), "repeat_referral_pct": (0.0, 100.0),
                           "engagement_index": (0.0, 100.0), "cost_per_case_gbp": (0.0, np.inf)})

# Missing data: a fixed pattern, unrelated to the outcomes' values, in a few teams only (so
# estimators that need a balanced panel keep most teams).  Team -> year-months.
ABSENT_MONTHS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "Leaving Care Hub": ("2023-04", "2023-05", "2023-06"),  # team formed in July 2023
    "Caerdydd Gogledd": ("2024-01", "2024-02"),  # case-management system migration
    "Marsh Villages": ("2023-11",),  # monthly return not submitted
    "Canal Side": ("2024-08",),  # monthly return not submitted (a pilot team)
})
BLANK_MONTHS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "goals_met_pct": {"Fenland Duty": ("2024-05",)},  # no case closed that month
    "cost_per_case_gbp": {"Elmfield": ("2025-08", "2025-09")},  # finance not yet reconciled
    "repeat_referral_pct": {"Fenland Duty": ("2024-05",)},  # referral system outage
    "engagement_index": {  # pulse survey suppressed (under 5 replies) or not run
        "Dyffryn Conwy": ("2023-08", "2023-09", "2023-10"),
        "Court & Pre-proceedings": ("2024-12", "2025-01"),
        "Jubilee Park": ("2024-12",),
    },
})


def _ar1(rng: np.random.Generator, shape: tuple[int, int], sd: float, rho: float) -> np.ndarray:
    """Stationary AR(1) series along axis 1, one per row."""
    shocks = rng.standard_normal(shape) * sd
    out = np.empty(shape)
    out[:, 0] = shocks[:, 0]
    for t in range(1, shape[1]):
        out[:, t] = rho * out[:, t - 1] + np.sqrt(1.0 - rho**2) * shocks[:, t]
    return out


def _seasonal(amplitude: float, peak: int) -> np.ndarray:
    calendar = (FIRST_MONTH[1] - 1 + np.arange(N_MONTHS)) % 12 + 1
    return amplitude * np.cos(2.0 * np.pi * (calendar - peak) / 12.0)


def _outcome_values(rng: np.random.Generator, model: OutcomeModel, caseload: np.ndarray,
                    event_time: np.ndarray, is_pilot: np.ndarray) -> np.ndarray:
    n_teams, n_months = caseload.shape
    team = rng.normal(0.0, model.team_sd, n_teams) + model.selection * is_pilot
    month = (model.trend * np.arange(n_months) + _seasonal(model.season_amplitude,
             model.season_peak) + rng.normal(0.0, model.month_sd, n_months))
    noise = _ar1(rng, (n_teams, n_months), model.noise_sd, model.noise_rho)
    effect = model.effect.at(event_time)
    return (model.baseline + team[:, None] + month[None, :]
            + model.caseload_coef * (caseload - CASELOAD_MEAN) + effect + noise)


def outcome_panel(seed: np.random.SeedSequence, teams: pd.DataFrame) -> pd.DataFrame:
    rng_case, rng_out = (np.random.default_rng(s) for s in seed.spawn(2))
    n_teams = len(teams)
    start = np.array([PILOT_STARTS.get(t, NEVER) for t in teams["team"]])
    is_pilot = (start < N_MONTHS).astype(float)
    event_time = np.arange(N_MONTHS)[None, :] - start[:, None]
    caseload = (CASELOAD_MEAN + rng_case.normal(0.0, CASELOAD_TEAM_SD, n_teams)[:, None]
                + _seasonal(CASELOAD_SEASON, 1)[None, :]
                + _ar1(rng_case, (n_teams, N_MONTHS), CASELOAD_SD, CASELOAD_RHO))
    caseload = np.round(np.clip(caseload, 1.0, None), 1)
    frame = pd.DataFrame({
        "council": np.repeat(teams["council"].to_numpy(), N_MONTHS),
        "team": np.repeat(teams["team"].to_numpy(), N_MONTHS),
        "month": np.tile(months(), n_teams),
        "pilot_start": np.repeat(teams["pilot_start"].to_numpy(), N_MONTHS),
        "pilot": (event_time >= 0).astype("int64").ravel(),
    })
    for column, model in MODELS.items():
        values = _outcome_values(rng_out, model, caseload, event_time, is_pilot)
        values = np.round(np.clip(values, *BOUNDS[column]), model.decimals)
        frame[column] = values.ravel()
        frame.loc[_in_months(frame, BLANK_MONTHS[column]), column] = np.nan
    frame["caseload"] = caseload.ravel()
    return frame.loc[~_in_months(frame, ABSENT_MONTHS)].reset_index(drop=True)


def _in_months(frame: pd.DataFrame, team_months: Mapping[str, tuple[str, ...]]) -> np.ndarray:
    """True for the rows of ``frame`` whose team and month are listed in ``team_months``."""
    hit = np.zeros(len(frame), dtype=bool)
    for team, labels in team_months.items():
        hit |= ((frame["team"] == team) & frame["month"].isin(labels)).to_numpy()
    return hit


def true_att(outcomes: pd.DataFrame) -> dict[str, float]:
    """The TRUE average effect over the observed pilot team-months of each outcome."""
    labels = {label: k for k, label in enumerate(months())}
    treated = outcomes[outcomes["pilot"] == 1]
    event_time = treated["month"].map(labels) - treated["pilot_start"].map(labels)
    return {column: float(np.mean(model.effect.at(event_time[treated[column].notna()])))
            for column, model in MODELS.items()}
