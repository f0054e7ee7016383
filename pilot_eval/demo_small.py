"""A second demo: one council piloting in two teams (a small pilot for synthetic DiD).

Ashford Vale District Council (fictional) gives budget autonomy to 2 of its 16 children's
social-work teams from April 2024; the other 14 teams keep the old rules.  Teams follow
different paths over time (a low-rank factor model: each team has its own mix of two shared
trends), and the two pilot teams were on a steeper upward path before the pilot than the
average team, so a plain comparison with all teams' average overstates the effect (two-way
fixed effects: 8.2) and a synthetic comparison weighted towards teams on similar paths
overstates it less (synthetic DiD: 7.3, its 95% range 2.6 to 11.9 holding the truth).  The
TRUE effect is +5 percentage points of goals met from the first pilot month.

``generate()`` builds the panel; ``write(directory)`` saves ``outcomes.csv``,
``metadata.json`` and ``README.txt`` (the files committed under
``resources/demo/small_pilot``); ``python -m pilot_eval.demo_small OUT_DIR`` does the same.
Same seed, same numpy -> byte-identical files.  Every number is made up.

``small_pilot_project(folder)`` is the demo as a project (its data copied into
``folder/data``; estimator ``auto``, which picks synthetic DiD for two pilot teams) and
``run_small_demo(out_dir)`` runs it through the same path as ``pilot-eval brief``
(``pilot-eval demo --small-pilot``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pilot_eval.atomic import write_text
from pilot_eval.demo_design import months
from pilot_eval.polarity import Polarity

if TYPE_CHECKING:
    from pilot_eval.pipeline import BriefOutputs
    from pilot_eval.project import Project

SEED = 20240401
COUNCIL = "Ashford Vale District Council"
TEAMS = ("Abbey Fields", "Bramble Court", "Castle Mead", "Dovecote", "Elm Row", "Fairholme",
         "Glebe Lane", "Hollybush", "Ivel Bank", "Juniper House", "Kiln Yard", "Lark Rise",
         "Millbrook", "Nettlebed", "Oak Tree Lane", "Priory Gate")
PILOT_TEAMS = ("Castle Mead", "Lark Rise")
START = 12  # month index: April 2024
N_MONTHS = 30
TRUE_EFFECT = 5.0
FILES = ("outcomes.csv", "metadata.json", "README.txt")
OUTCOME: tuple[str, str, str, Polarity] = ("goals_met_pct", "Children's plan goals met", "%", "higher_is_better")
ORGANISATION = f"{COUNCIL}: budget autonomy pilot (small-pilot demo)"
PROJECT_FILE = "small-pilot.pilot.json"


def generate(seed: int = SEED) -> pd.DataFrame:
    """The outcome panel: council, team, month, pilot_start, pilot, goals_met_pct."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_MONTHS) / 12.0
    trends = np.vstack([t, np.sin(2 * np.pi * t / 2.5)])  # a slow rise and a 30-month cycle
    n = len(TEAMS)
    loadings = rng.normal([3.0, 2.0], [2.5, 2.0], size=(n, 2))
    pilot = np.array([team in PILOT_TEAMS for team in TEAMS])
    loadings[pilot] = [[7.5, 3.0], [6.5, 1.5]]  # steeper before the pilot, like a few others
    similar = [TEAMS.index(name) for name in ("Elm Row", "Priory Gate", "Dovecote", "Millbrook")]
    loadings[similar] = [[7.0, 2.5], [7.2, 2.0], [6.8, 2.2], [7.4, 2.4]]
    level = rng.normal(62.0, 5.0, size=(n, 1))
    y = level + loadings @ trends + rng.normal(0.0, 1.2, size=(n, N_MONTHS))
    treated = pilot[:, None] & (np.arange(N_MONTHS) >= START)[None, :]
    y = np.clip(y + TRUE_EFFECT * treated, 0.0, 100.0)
    labels = months(N_MONTHS)
    rows = [{"council": COUNCIL, "team": team, "month": labels[k],
             "pilot_start": labels[START] if pilot[i] else "", "pilot": int(treated[i, k]),
             "goals_met_pct": f"{y[i, k]:.1f}"}
            for i, team in enumerate(TEAMS) for k in range(N_MONTHS)]
    return pd.DataFrame(rows)


def file_texts(seed: int = SEED) -> dict[str, str]:
    """Each file's name and exact text."""
    labels = months(N_MONTHS)
    meta = {"generator": "pilot_eval.demo_small", "seed": seed, "council": COUNCIL,
            "pilot_teams": list(PILOT_TEAMS), "pilot_start": labels[START],
            "first_month": labels[0], "last_month": labels[-1],
            "outcome": {"column": "goals_met_pct", "label": "Children's plan goals met",
                        "unit": "%", "polarity": "higher_is_better"},
            "true_effect": TRUE_EFFECT}
    readme = ("Small-pilot demo for pilot-eval: SYNTHETIC data, a fictional council.\n"
              f"{COUNCIL} pilots budget autonomy in 2 of its 16 teams from {labels[START]}.\n"
              "With so few pilot teams, pilot-eval heads the results with synthetic\n"
              "difference-in-differences. Regenerate with\n"
              "    python -m pilot_eval.demo_small OUT_DIR\n"
              f"TRUE effect: +{TRUE_EFFECT:g} percentage points of goals met.\n")
    return {"outcomes.csv": generate(seed).to_csv(index=False, lineterminator="\n"),
            "metadata.json": json.dumps(meta, indent=2) + "\n", "README.txt": readme}


def write(directory: str | Path, *, seed: int = SEED) -> list[Path]:
    """Write the three files into ``directory`` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in file_texts(seed).items():
        path = out / name
        write_text(path, text)  # UTF-8, "\n" kept: atomic, ordinary permissions
        paths.append(path)
    return paths


def packaged(name: str) -> Path:
    """The committed copy of one of ``FILES`` (``resources/demo/small_pilot/``)."""
    return Path(str(resources.files("pilot_eval.resources") / "demo" / "small_pilot" / name))


def small_pilot_project(folder: str | Path) -> Project:
    """The small-pilot demo as a project whose data file is copied into ``folder/data``."""
    from pilot_eval.analysis import DidOptions
    from pilot_eval.atomic import write_bytes
    from pilot_eval.estimators import PanelColumns
    from pilot_eval.io import load_table
    from pilot_eval.project import OutcomeChoice, Project
    from pilot_eval.spec import DatasetSpec

    data_dir = Path(folder) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    copy = write_bytes(data_dir / "outcomes.csv", packaged("outcomes.csv").read_bytes())
    columns = PanelColumns(outcome=OUTCOME[0], unit="team", time="month", treatment="pilot",
                           cluster="team")
    return Project(outcome_data=DatasetSpec.from_table(load_table(copy), columns),
                   outcomes=(OutcomeChoice(*OUTCOME),), did=DidOptions(checks=True),
                   brief={"organisation": ORGANISATION, "demo": True})


def run_small_demo(out_dir: str | Path) -> BriefOutputs:
    """Run the small-pilot demo: writes the project (``small-pilot.pilot.json``, data in
    ``data/``) and the brief's files into ``out_dir``, as ``pilot-eval brief`` would."""
    from pilot_eval.pipeline import run_and_write
    from pilot_eval.project import save_project

    out = Path(out_dir)
    project = small_pilot_project(out)
    path = save_project(project, out / PROJECT_FILE)
    return run_and_write(project, path, out)[1]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m pilot_eval.demo_small OUT_DIR", file=sys.stderr)
        return 2
    for path in write(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
