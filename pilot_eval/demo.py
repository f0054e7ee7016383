"""The demo pilot: a seeded, synthetic management-for-empowerment pilot with known TRUE effects.

48 social-work teams in 4 councils are observed monthly from April 2023 to September 2025
(30 months).  16 teams get budget autonomy: 4 teams in each of three councils from April 2024
(month 13) and 4 teams in the Welsh council from October 2024 (month 19), so the design is
staggered.  The other 32 teams are comparison teams.  ``generate()`` builds the outcome panel,
the staff records and the team list; ``write()`` saves them as the files committed under
``resources/demo``; ``python -m pilot_eval.demo OUT_DIR`` does the same from a shell.

Every number is made up: the councils and teams are fictional.  The design, the model and the
TRUE effects are documented in ``docs/demo-data.md``.  Same seed, same numpy -> byte-identical
files (numpy's ``Generator`` streams can change between numpy releases; the committed files
were made with numpy 2.4).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError

DEFAULT_SEED = 20240601
FIRST_MONTH = (2023, 4)
N_MONTHS = 30
EXTRACT_DATE = dt.date(2025, 10, 1)  # the day after the last month
FILES = ("outcomes.csv", "staff.csv", "teams.csv", "metadata.json", "README.txt")

Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]


@dataclass(frozen=True)
class OutcomeInfo:
    """What an outcome column means, for labels, units and the direction of 'better'."""

    column: str
    label: str
    unit: str  # "%", "GBP" or "points"
    polarity: Polarity
    description: str


class OutcomeCatalogue(Sequence[OutcomeInfo]):
    """Read-only, ordered outcomes: iterate for ``OutcomeInfo``, look one up by column name.

    ``for info in OUTCOMES`` gives the outcomes in file order; ``OUTCOMES["goals_met_pct"]``
    and ``OUTCOMES.get(column)`` look one up (``get`` returns ``None`` for an unknown column);
    ``OUTCOMES.columns`` lists the column names; ``column in OUTCOMES`` tests a name.
    """

    __slots__ = ("_items", "_by_column")

    def __init__(self, items: Iterable[OutcomeInfo]) -> None:
        self._items = tuple(items)
        self._by_column = MappingProxyType({info.column: info for info in self._items})

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key):  # int, slice or column name
        if isinstance(key, str):
            if key not in self._by_column:
                raise KeyError(f"{key!r} is not a demo outcome; choose one of: "
                               f"{', '.join(self.columns)}")
            return self._by_column[key]
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_column or key in self._items

    def __repr__(self) -> str:
        return f"OutcomeCatalogue({', '.join(self.columns)})"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._by_column)

    def get(self, column: str, default: OutcomeInfo | None = None) -> OutcomeInfo | None:
        return self._by_column.get(column, default)


OUTCOMES = OutcomeCatalogue((
    OutcomeInfo("goals_met_pct", "Cases closed with goals met", "%", "higher_is_better",
                "Share of the cases closed in the month where the family's agreed goals "
                "were met."),
    OutcomeInfo("cost_per_case_gbp", "Cost per case", "GBP", "lower_is_better",
                "Average cost to the council of a case closed in the month, in pounds "
                "(staff time, commissioned services and direct payments)."),
    OutcomeInfo("repeat_referral_pct", "Repeat referrals within 12 months", "%",
                "lower_is_better",
                "Share of the team's referrals in the month that concern a child referred "
                "to the council in the previous 12 months."),
    OutcomeInfo("engagement_index", "Staff engagement index", "points", "higher_is_better",
                "Average score (0-100) of the team's monthly staff pulse survey."),
))


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
NEVER = 10_000  # pilot start month index of comparison teams (never within the window)

# Councils, teams (in file order) and the pilot teams with their start month index (0-based).
COUNCILS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "Northmoor City Council": (
        "Brontë House", "Siân's team", "Northmoor Central", "Riverside Assessment",
        "Children in Care – East", "Leaving Care Hub", "Fostering & Adoption", "Early Help North",
        "Early Help South", "Disabled Children's Team", "Court & Pre-proceedings",
        "Hawthorn Lodge"),
    "Eastbridge County Council": (
        "Eastbridge Town", "Marsh Villages", "Coastal Families", "Kingsmead Court",
        "Zoë Clarke Centre", "Orchard Street", "Harbourside", "Fenland Duty", "St Aidan's",
        "Willowbank", "Market Cross", "Café Quarter"),
    "Westhaven Borough Council": (
        "Westhaven Duty & Assessment", "Ashgrove", "Beacon Hill", "Canal Side", "Daneswood",
        "Elmfield", "Foxley Green", "Greyfriars", "Holloway Bridge", "Ivy Lane", "Jubilee Park",
        "Kestrel Way"),
    "Cyngor Sir Eryri": (
        "Tîm Gwasanaethau Plant Ynys Môn", "Caerdydd Gogledd", "Tŷ Ddewi", "Aberdâr",
        "Tîm Teuluoedd Pen Llŷn", "Bro Gŵyr", "Dyffryn Conwy", "Tîm Diogelu Blaenau Ffestiniog",
        "Llanrwst a'r Cylch", "Tîm Maethu Eryri", "Porthmadog", "Tîm Cymorth Cynnar Bangor"),
})
PILOT_STARTS: Mapping[str, int] = MappingProxyType({
    **dict.fromkeys(("Brontë House", "Siân's team", "Riverside Assessment", "Early Help North",
                     "Zoë Clarke Centre", "Kingsmead Court", "Harbourside", "Café Quarter",
                     "Ashgrove", "Canal Side", "Greyfriars", "Jubilee Park"), 12),
    **dict.fromkeys(("Tŷ Ddewi", "Aberdâr", "Bro Gŵyr", "Tîm Teuluoedd Pen Llŷn"), 18),
})

# Staff records: annual leaving rates by reason (competing risks), per person in post.
RESIGNATION_RATE, PILOT_RESIGNATION_HR, TEAM_FRAILTY_SD = 0.13, 0.6, 0.15
OTHER_RATES = MappingProxyType({"dismissed": 0.006, "end of contract": 0.012})
LEAVING_REASONS = ("resigned", "retired", "moved internally", "dismissed", "end of contract")
AGE_BANDS = ("Under 25", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 and over")
AGE_SHARE_IN_POST = (0.05, 0.27, 0.27, 0.24, 0.15, 0.02)
AGE_SHARE_NEW_HIRES = (0.15, 0.40, 0.22, 0.15, 0.08, 0.0)
RESIGNATION_AGE_FACTOR = (1.4, 1.2, 1.0, 0.8, 0.7, 0.7)
RETIREMENT_RATE = (0.0, 0.0, 0.0, 0.0, 0.10, 0.30)
MAX_TENURE_YEARS = (3, 12, 22, 32, 40, 45)
FTE_VALUES, FTE_SHARE = (1.0, 0.8, 0.6, 0.5), (0.74, 0.12, 0.08, 0.06)
MEAN_TENURE_YEARS, VACANT_AT_START, INTERNAL_FILL_SHARE = 5.5, 0.07, 0.2
VACANCY_DAYS_MIN, VACANCY_DAYS_MEAN_EXTRA = 20, 60


@dataclass(frozen=True)
class DemoData:
    """The generated demo pilot.  The frames are fresh objects owned by the caller.

    ``outcomes`` and ``teams`` hold exactly what ``pandas.read_csv`` reads from the files;
    ``staff`` holds dates as ``datetime64`` (blank end date = ``NaT``, still in post).
    ``true_effects`` maps each outcome to its TRUE average effect over the pilot team-months
    in which it is observed (the ATT), plus ``"resignation_hazard_ratio"``.
    """

    outcomes: pd.DataFrame
    staff: pd.DataFrame
    teams: pd.DataFrame
    extract_date: dt.date
    true_effects: dict[str, float]
    seed: int


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed={seed!r} is not allowed; give a whole number of 0 or more, "
                         f"for example the default {DEFAULT_SEED}")


def months(n: int = N_MONTHS) -> list[str]:
    """The year-month labels of the demo window: ``["2023-04", ..., "2025-09"]``."""
    year, month = FIRST_MONTH
    return [f"{year + (month - 1 + k) // 12}-{(month - 1 + k) % 12 + 1:02d}" for k in range(n)]


def _teams_frame() -> pd.DataFrame:
    labels = months()
    rows = [(team, council, labels[PILOT_STARTS[team]] if team in PILOT_STARTS else np.nan)
            for council, names in COUNCILS.items() for team in names]
    return pd.DataFrame(rows, columns=["team", "council", "pilot_start"])


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


def _outcome_panel(seed: np.random.SeedSequence, teams: pd.DataFrame) -> pd.DataFrame:
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


def _true_att(outcomes: pd.DataFrame) -> dict[str, float]:
    """The TRUE average effect over the observed pilot team-months of each outcome."""
    labels = {label: k for k, label in enumerate(months())}
    treated = outcomes[outcomes["pilot"] == 1]
    event_time = treated["month"].map(labels) - treated["pilot_start"].map(labels)
    return {column: float(np.mean(model.effect.at(event_time[treated[column].notna()])))
            for column, model in MODELS.items()}


@dataclass
class _Spell:
    person: int
    post: int
    start: int  # day index from the first day of the window
    grade: str
    fte: float
    age: int  # index into AGE_BANDS
    end: int | None = None
    reason: str | None = None


def _posts(rng: np.random.Generator, n_teams: int) -> tuple[np.ndarray, list[str]]:
    teams: list[int] = []
    grades: list[str] = []
    for t in range(n_teams):
        mix = (["Team manager", "Senior social worker", "Senior social worker"]
               + ["Social worker"] * int(rng.integers(6, 10))
               + ["Family support worker"] * int(rng.integers(2, 4)))
        teams += [t] * len(mix)
        grades += mix
    return np.array(teams), grades


def _simulate_staff(seed: np.random.SeedSequence,
                    teams: pd.DataFrame) -> tuple[list[_Spell], np.ndarray]:
    """Posts filled by a chain of spells; one day at a time, competing leaving reasons.

    Returns the spells and the team (row of ``teams``) of every post.
    """
    rng = np.random.default_rng(seed)
    n_teams = len(teams)
    post_team, grades = _posts(rng, n_teams)
    council_codes = pd.factorize(teams["council"])[0]
    n_posts, n_days = len(post_team), (EXTRACT_DATE - _first_day()).days
    pilot_day = np.array([(_month_start(PILOT_STARTS[t]) - _first_day()).days
                          if t in PILOT_STARTS else n_days + 1 for t in teams["team"]])
    frailty = np.exp(rng.normal(0.0, TEAM_FRAILTY_SD, n_teams))
    spells: list[_Spell] = []
    occupant = np.full(n_posts, -1)  # index into spells
    fill_day = np.full(n_posts, -1)
    post_age = np.zeros(n_posts, dtype=int)
    for post in range(n_posts):
        if rng.random() < VACANT_AT_START:
            fill_day[post] = int(rng.integers(0, 90))
            continue
        age = int(rng.choice(len(AGE_BANDS), p=AGE_SHARE_IN_POST))
        tenure = min(rng.exponential(MEAN_TENURE_YEARS), MAX_TENURE_YEARS[age]) * 365.25
        spells.append(_Spell(len(spells), post, -int(tenure) - 1, grades[post], _fte(rng), age))
        occupant[post], post_age[post] = len(spells) - 1, age
    n_people = len(spells)
    for day in range(n_days):
        filled = np.flatnonzero(occupant >= 0)
        ages = post_age[filled]
        team = post_team[filled]
        resign = (RESIGNATION_RATE * np.take(RESIGNATION_AGE_FACTOR, ages) * frailty[team]
                  * np.where(day >= pilot_day[team], PILOT_RESIGNATION_HR, 1.0))
        rates = np.column_stack([resign, np.take(RETIREMENT_RATE, ages),
                                 *(np.full(len(filled), r) for r in OTHER_RATES.values())])
        total = rates.sum(axis=1)
        leaving = rng.random(len(filled)) < -np.expm1(-total / 365.25)
        for k in np.flatnonzero(leaving):
            reasons = ("resigned", "retired", *OTHER_RATES)
            reason = reasons[int(rng.choice(len(reasons), p=rates[k] / total[k]))]
            _end(spells, occupant, fill_day, filled[k], day, reason, rng)
        for post in np.flatnonzero((occupant < 0) & (fill_day == day)):
            mover = _internal_candidate(rng, spells, occupant, post_team, council_codes, post,
                                        day)
            if mover is not None:
                old = spells[occupant[mover]]
                _end(spells, occupant, fill_day, mover, day - 1, "moved internally", rng)
                spells.append(_Spell(old.person, post, day, grades[post], old.fte, old.age))
            else:
                age = int(rng.choice(len(AGE_BANDS), p=AGE_SHARE_NEW_HIRES))
                spells.append(_Spell(n_people, post, day, grades[post], _fte(rng), age))
                n_people += 1
            occupant[post], post_age[post] = len(spells) - 1, spells[-1].age
    return spells, post_team


def _end(spells: list[_Spell], occupant: np.ndarray, fill_day: np.ndarray, post: int, day: int,
         reason: str, rng: np.random.Generator) -> None:
    spell = spells[occupant[post]]
    spell.end, spell.reason = day, reason
    occupant[post] = -1
    fill_day[post] = day + VACANCY_DAYS_MIN + int(rng.exponential(VACANCY_DAYS_MEAN_EXTRA))


def _internal_candidate(rng: np.random.Generator, spells: list[_Spell], occupant: np.ndarray,
                        post_team: np.ndarray, council_codes: np.ndarray, post: int,
                        day: int) -> int | None:
    """A post in another team of the same council whose holder moves here (or None)."""
    if rng.random() >= INTERNAL_FILL_SHARE:
        return None
    moved = {s.person for s in spells if s.reason == "moved internally"}
    team = post_team[post]
    candidates = [p for p in np.flatnonzero(occupant >= 0)
                  if council_codes[post_team[p]] == council_codes[team] and post_team[p] != team
                  and spells[occupant[p]].start < day - 1
                  and spells[occupant[p]].person not in moved]
    return int(rng.choice(candidates)) if candidates else None


def _fte(rng: np.random.Generator) -> float:
    return float(FTE_VALUES[int(rng.choice(len(FTE_VALUES), p=FTE_SHARE))])


def _first_day() -> dt.date:
    return dt.date(FIRST_MONTH[0], FIRST_MONTH[1], 1)


def _month_start(index: int) -> dt.date:
    year, month = (int(x) for x in months(index + 1)[-1].split("-"))
    return dt.date(year, month, 1)


def _staff_frame(spells: list[_Spell], teams: pd.DataFrame, post_team: np.ndarray) -> pd.DataFrame:
    first = pd.Timestamp(_first_day())
    spells = sorted(spells, key=lambda s: (s.person, s.start))
    days = pd.to_timedelta
    return pd.DataFrame({
        "staff_id": [f"S{s.person + 1:05d}" for s in spells],
        "team": [teams["team"].iat[post_team[s.post]] for s in spells],
        "council": [teams["council"].iat[post_team[s.post]] for s in spells],
        "start_date": first + days([s.start for s in spells], unit="D"),
        "end_date": first + days([np.nan if s.end is None else s.end for s in spells], unit="D"),
        "leaving_reason": [np.nan if s.reason is None else s.reason for s in spells],
        "grade": [s.grade for s in spells],
        "fte": [s.fte for s in spells],
        "age_band": [AGE_BANDS[s.age] for s in spells],
    })


def generate(seed: int = DEFAULT_SEED) -> DemoData:
    """Generate the demo pilot.  Pure: no file I/O; the same seed gives the same data.

    Parameters
    ----------
    seed:
        A non-negative whole number.  The committed files use ``DEFAULT_SEED``.

    Returns
    -------
    DemoData
        The outcome panel, staff spells and team list, the extract date and the TRUE effects.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative whole number.
    """
    _check_seed(seed)
    outcome_seed, staff_seed = np.random.SeedSequence(seed).spawn(2)
    teams = _teams_frame()
    outcomes = _outcome_panel(outcome_seed, teams)
    spells, post_team = _simulate_staff(staff_seed, teams)
    staff = _staff_frame(spells, teams, post_team)
    effects = {**_true_att(outcomes), "resignation_hazard_ratio": PILOT_RESIGNATION_HR}
    return DemoData(outcomes, staff, teams, EXTRACT_DATE, effects, seed)


def _fixed(values: pd.Series, decimals: int) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}")


def _csv_text(frame: pd.DataFrame) -> str:
    """Comma-separated text, ``\\n`` line ends, minimal quoting; every value already a string."""
    return frame.to_csv(index=False, lineterminator="\n")


def outcomes_csv(data: DemoData) -> str:
    """The text of ``outcomes.csv``."""
    frame = data.outcomes.fillna({"pilot_start": ""}).astype({"pilot": str})
    for column, model in MODELS.items():
        frame[column] = _fixed(frame[column], model.decimals)
    frame["caseload"] = _fixed(frame["caseload"], 1)
    return _csv_text(frame)


def staff_csv(data: DemoData) -> str:
    """The text of ``staff.csv`` (UK dates dd/mm/yyyy; blank end date = still in post)."""
    frame = data.staff.copy()
    for column in ("start_date", "end_date"):
        frame[column] = frame[column].dt.strftime("%d/%m/%Y").fillna("")
    frame["leaving_reason"] = frame["leaving_reason"].fillna("")
    frame["fte"] = _fixed(frame["fte"], 1)
    return _csv_text(frame)


def teams_csv(data: DemoData) -> str:
    """The text of ``teams.csv``."""
    return _csv_text(data.teams.fillna({"pilot_start": ""}))


def metadata(data: DemoData) -> dict:
    """JSON-safe description of the demo: window, extract date, outcomes and TRUE effects."""
    labels = months()
    return {
        "generator": "pilot_eval.demo",
        "seed": data.seed,
        "first_month": labels[0],
        "last_month": labels[-1],
        "extract_date": data.extract_date.isoformat(),
        "pilot_starts": {team: labels[k] for team, k in PILOT_STARTS.items()},
        "outcomes": {o.column: {"label": o.label, "unit": o.unit, "polarity": o.polarity,
                                "description": o.description} for o in OUTCOMES},
        "true_effects": {k: round(v, 4) for k, v in data.true_effects.items()},
        "effect_paths": {c: {"shape": m.effect.shape, "first_month": m.effect.first_month,
                             "full": m.effect.full, "build_up_months": m.effect.build_up_months}
                         for c, m in MODELS.items()},
        "covariates": {"caseload": "Open cases per full-time social worker (monthly mean); "
                                   "not affected by the pilot."},
    }


def _readme(data: DemoData) -> str:
    return (
        "Demo pilot for pilot-eval: SYNTHETIC data, fictional councils and teams.\n"
        f"Generated by pilot_eval.demo with seed {data.seed}; regenerate with\n"
        "    python -m pilot_eval.demo OUT_DIR\n"
        "The design and the TRUE effects are described in docs/demo-data.md and metadata.json.\n"
    )


def file_texts(data: DemoData) -> dict[str, str]:
    """Every demo file's name and exact text, in ``FILES`` order."""
    return {
        "outcomes.csv": outcomes_csv(data),
        "staff.csv": staff_csv(data),
        "teams.csv": teams_csv(data),
        "metadata.json": json.dumps(metadata(data), ensure_ascii=False, indent=2) + "\n",
        "README.txt": _readme(data),
    }


def _write_atomic(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)  # mkstemp creates owner-only files; data files are for everyone
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write(directory: str | os.PathLike[str], *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Generate the demo and write its files (``FILES``; UTF-8, no BOM) into ``directory``.

    Parameters
    ----------
    directory:
        The folder to write into; created if needed.  Existing demo files are replaced.
    seed:
        Passed to ``generate``.

    Returns
    -------
    list of Path
        The files written, in ``FILES`` order.

    Notes
    -----
    Each file is written to a temporary file in the same folder and then renamed, so an
    interrupted run never leaves a half-written file.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in file_texts(generate(seed)).items():
        _write_atomic(folder / name, text)
        written.append(folder / name)
    return written


def demo_path(name: str) -> Path:
    """The packaged demo file called ``name``, for example ``demo_path("outcomes.csv")``.

    Parameters
    ----------
    name:
        One of ``FILES``: outcomes.csv, staff.csv, teams.csv, metadata.json, README.txt.

    Returns
    -------
    Path
        ``importlib.resources.files("pilot_eval.resources") / "demo" / name`` as a path.

    Raises
    ------
    DataError
        If ``name`` is not one of ``FILES``.
    """
    if name not in FILES:
        raise DataError(f"there is no demo file called {name!r}",
                        hint=f"Choose one of: {', '.join(FILES)}.")
    return Path(str(resources.files("pilot_eval.resources") / "demo" / name))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pilot_eval.demo OUT_DIR [--seed N]``: write the demo files."""
    parser = argparse.ArgumentParser(prog="python -m pilot_eval.demo",
                                     description="Write the synthetic demo pilot's files.")
    parser.add_argument("out_dir", help="folder to write into (created if missing)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED}, the committed files)")
    args = parser.parse_args(argv)
    try:
        written = write(args.out_dir, seed=args.seed)
    except (ValueError, OSError) as error:
        print(f"pilot_eval.demo: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
