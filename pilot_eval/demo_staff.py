"""The demo pilot's staff records: posts filled by chains of spells, simulated day by day.

Leaving reasons compete (resignation, retirement, dismissal, end of contract; internal moves
when a post is filled from another team of the same council); resignations are less likely in
pilot teams after their pilot starts (hazard ratio ``PILOT_RESIGNATION_HR``).  ``demo.py``
re-exports the public names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from pilot_eval.demo_design import EXTRACT_DATE, FIRST_MONTH, PILOT_STARTS, months

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


def simulate_staff(seed: np.random.SeedSequence,
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


def staff_frame(spells: list[_Spell], teams: pd.DataFrame, post_team: np.ndarray) -> pd.DataFrame:
    """The staff records, one row per spell, sorted by person and start (dates as datetime64)."""
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
