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

The fixed design (window, councils, teams, pilot starts) is in ``demo_design.py``, the outcome
models and panel in ``demo_outcomes.py`` and the staff simulation in ``demo_staff.py``; this
module holds the outcome catalogue, ``generate``, the file writers and ``main``, and
re-exports the public names of the other three (``__all__``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from pilot_eval.atomic import write_text
from pilot_eval.demo_design import (
    COUNCILS,
    EXTRACT_DATE,
    FIRST_MONTH,
    N_MONTHS,
    NEVER,
    PILOT_STARTS,
    months,
    teams_frame,
)
from pilot_eval.demo_outcomes import (
    ABSENT_MONTHS,
    BLANK_MONTHS,
    BOUNDS,
    CASELOAD_MEAN,
    CASELOAD_RHO,
    CASELOAD_SD,
    CASELOAD_SEASON,
    CASELOAD_TEAM_SD,
    MODELS,
    EffectPath,
    OutcomeModel,
    outcome_panel,
    true_att,
)
from pilot_eval.demo_staff import (
    AGE_BANDS,
    AGE_SHARE_IN_POST,
    AGE_SHARE_NEW_HIRES,
    FTE_SHARE,
    FTE_VALUES,
    INTERNAL_FILL_SHARE,
    LEAVING_REASONS,
    MAX_TENURE_YEARS,
    MEAN_TENURE_YEARS,
    OTHER_RATES,
    PILOT_RESIGNATION_HR,
    RESIGNATION_AGE_FACTOR,
    RESIGNATION_RATE,
    RETIREMENT_RATE,
    TEAM_FRAILTY_SD,
    VACANCY_DAYS_MEAN_EXTRA,
    VACANCY_DAYS_MIN,
    VACANT_AT_START,
    simulate_staff,
    staff_frame,
)
from pilot_eval.errors import DataError
from pilot_eval.polarity import Polarity

__all__ = [
    "ABSENT_MONTHS", "AGE_BANDS", "AGE_SHARE_IN_POST", "AGE_SHARE_NEW_HIRES", "BLANK_MONTHS",
    "BOUNDS", "CASELOAD_MEAN", "CASELOAD_RHO", "CASELOAD_SD", "CASELOAD_SEASON",
    "CASELOAD_TEAM_SD", "COUNCILS", "DEFAULT_SEED", "EXTRACT_DATE", "FILES", "FIRST_MONTH",
    "FTE_SHARE", "FTE_VALUES", "INTERNAL_FILL_SHARE", "LEAVING_REASONS", "MAX_TENURE_YEARS",
    "MEAN_TENURE_YEARS", "MODELS", "NEVER", "N_MONTHS", "OTHER_RATES", "OUTCOMES",
    "PILOT_RESIGNATION_HR", "PILOT_STARTS", "RESIGNATION_AGE_FACTOR", "RESIGNATION_RATE",
    "RETIREMENT_RATE", "TEAM_FRAILTY_SD", "VACANCY_DAYS_MEAN_EXTRA", "VACANCY_DAYS_MIN",
    "VACANT_AT_START", "DemoData", "EffectPath", "OutcomeCatalogue", "OutcomeInfo",
    "OutcomeModel", "Polarity", "demo_path", "file_texts", "generate", "main", "metadata",
    "months", "outcome_panel", "outcomes_csv", "simulate_staff", "staff_csv", "staff_frame",
    "teams_csv", "teams_frame", "true_att", "write",
]


DEFAULT_SEED = 20240601
FILES = ("outcomes.csv", "staff.csv", "teams.csv", "metadata.json", "README.txt")



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
    teams = teams_frame()
    outcomes = outcome_panel(outcome_seed, teams)
    spells, post_team = simulate_staff(staff_seed, teams)
    staff = staff_frame(spells, teams, post_team)
    effects = {**true_att(outcomes), "resignation_hazard_ratio": PILOT_RESIGNATION_HR}
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
        write_text(folder / name, text)
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
