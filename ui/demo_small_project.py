"""The small-pilot demo as a project the window opens (``pilot_eval.demo_small``'s files).

Ashford Vale's two pilot teams among sixteen: too few for regression inference, so the
automatic method is synthetic DiD.  The packaged ``outcomes.csv`` is copied into
``folder/data`` (the user's Documents, never a temporary folder) and the project maps its
columns as the demo's metadata describes them.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pilot_eval.estimators import PanelColumns

from pilot_eval.analysis import DidOptions
from pilot_eval.io import load_table
from pilot_eval.jsonio import write_bytes_atomic
from pilot_eval.project import OutcomeChoice, Project
from pilot_eval.spec import DatasetSpec

SMALL_DEMO_ORGANISATION = "Ashford Vale District Council (made-up small-pilot demo)"


def _packaged(name: str) -> Path:
    return Path(str(resources.files("pilot_eval.resources") / "demo" / "small_pilot" / name))


def small_demo_project(folder: str | Path) -> Project:
    """The small-pilot demo as a project whose data file is copied into ``folder/data``."""
    data_dir = Path(folder) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    copy = write_bytes_atomic(data_dir / "outcomes.csv", _packaged("outcomes.csv").read_bytes())
    meta = json.loads(_packaged("metadata.json").read_text(encoding="utf-8"))
    outcome = meta["outcome"]
    columns = PanelColumns(outcome=outcome["column"], unit="team", time="month",
                           treatment="pilot", cluster="team")
    table = load_table(copy)
    return Project(outcome_data=DatasetSpec.from_table(table, columns),
                   outcomes=(OutcomeChoice(outcome["column"], outcome["label"], outcome["unit"],
                                           outcome["polarity"]),),
                   did=DidOptions(), brief={"organisation": SMALL_DEMO_ORGANISATION,
                                            "demo": True})
