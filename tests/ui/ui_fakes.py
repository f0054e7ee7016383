"""A fake core for the window's tests, with the methods of ``pilot_eval.ui.core_api.CoreApi``.

Its "estimate" is computed by brute force (the difference of the four cell means), so controller
and window tests run without the real core and in milliseconds.  The end-to-end test uses the
real core.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pilot_eval.ui.core_api import AnalysisOutput

from pilot_eval.errors import DataError


@dataclass(frozen=True)
class FakeTable:
    frame: pd.DataFrame
    path: str
    sha256: str = "0" * 64
    missing_markers: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class FakeProblem:
    severity: str
    message: str
    rows: tuple[int, ...] = ()
    column: str | None = None

    def describe(self) -> str:
        where = f"row {self.rows[0]}, " if self.rows else ""
        return f"{where}column '{self.column}': {self.message}"


@dataclass(frozen=True)
class FakeReport:
    problems: tuple[FakeProblem, ...] = ()


def small_panel() -> pd.DataFrame:
    """4 teams x 4 months; teams A and B start the pilot in month 3; one missing outcome."""
    rows = []
    for team, start in (("A", 3), ("B", 3), ("C", 0), ("D", 0)):
        for month in range(1, 5):
            effect = 2.0 if start and month >= start else 0.0
            rows.append({"team": team, "month": month, "pilot_start": start,
                         "score": 10.0 + month + (1.0 if team in "AC" else 0.0) + effect})
    frame = pd.DataFrame(rows)
    frame.loc[5, "score"] = float("nan")
    return frame


def cell_means_did(frame: pd.DataFrame) -> float:
    """Brute-force 2x2: (pilot after - pilot before) - (comparison after - comparison before)."""
    data = frame.dropna(subset=["score"])
    pilot = data["pilot_start"] > 0
    after = data["month"] >= 3
    mean = data["score"].groupby([pilot, after]).mean()
    return float((mean[(True, True)] - mean[(True, False)])
                 - (mean[(False, True)] - mean[(False, False)]))


class FakeCore:
    """Stands in for ``CoreApi``.  ``gate``: when set, analyses wait on it while reporting."""

    def __init__(self) -> None:
        self.retention_problems: tuple[str, ...] = ()
        self.gate: threading.Event | None = None
        self.fail_with: BaseException | None = None
        self.calls: list[str] = []

    def load_table(self, path: str, progress: Any, **options: Any) -> FakeTable:
        self.calls.append("load")
        if not Path(path).exists() or Path(path).suffix != ".csv":
            raise DataError("the file does not exist or is not a CSV file", file=Path(path).name,
                            hint="Choose a .csv file.")
        return FakeTable(pd.read_csv(path), path)

    def guess_roles(self, frame: pd.DataFrame) -> dict[str, str | None]:
        return {"unit": "team", "time": "month", "outcome": "score", "cohort": "pilot_start",
                "treatment": None, "cluster": None}

    def validate(self, table: Any, roles: dict[str, str | None], progress: Any) -> FakeReport:
        self.calls.append("validate")
        missing = table.frame.index[table.frame[roles["outcome"]].isna()]
        return FakeReport(tuple(FakeProblem("warning", "missing outcome; the row is dropped",
                                            (int(i) + 2,), roles["outcome"]) for i in missing))

    def trends(self, table: Any, roles: dict[str, str | None], progress: Any) -> Any:
        """Pilot and comparison means per month by brute force (pandas groupby)."""
        from pilot_eval.ui.core_api import TrendsOutput

        self.calls.append("trends")
        frame = table.frame.dropna(subset=[roles["outcome"]])
        arm = (frame[roles["cohort"]] > 0).map({True: "pilot", False: "comparison"})
        means = [{"period": int(month), "label": f"M{int(month)}", "arm": name,
                  "mean": float(part[roles["outcome"]].mean()), "n": len(part)}
                 for (name, month), part in frame.groupby([arm, frame[roles["time"]]])]
        starts = [{"period": 3, "label": "M3", "n_units": 2}]
        return TrendsOutput(result={"outcome": roles["outcome"], "outcome_label": "Score",
                                    "outcome_unit": "points", "group_means": means,
                                    "pilot_starts": starts, "pretest_pending": True})

    def analyse(self, table: Any, roles: dict[str, str | None], progress: Any,
                **options: Any) -> AnalysisOutput:
        self.calls.append("analyse")
        self.options = options
        progress.report(0.1, "Estimating")
        if self.gate is not None:
            while not self.gate.wait(0.01):
                progress.report(0.5, "Still estimating")
        if self.fail_with is not None:
            raise self.fail_with
        estimate = cell_means_did(table.frame)
        result = {"estimator": "2x2", "outcome": roles["outcome"], "outcome_label": "Score",
                  "outcome_unit": "points", "estimate": estimate, "se": 0.5,
                  "ci_low": estimate - 1.0, "ci_high": estimate + 1.0, "p_value": 0.01,
                  "level": 0.95, "n_obs": 15, "n_units": 4, "n_clusters": 4,
                  "se_type": "cluster", "se_description": "clustered by team (CR1)",
                  "warnings": ["only 4 clusters"], "unavailable": {}}
        progress.report(1.0, "Done")
        return AnalysisOutput(analysis=None, result=result)

    def export_brief(self, results: list[dict[str, Any]], pdf_path: str, *, organisation: str = "",
                     author: str = "", progress: Any, options: Any = None,
                     retention: Any = None) -> tuple[str, str]:
        self.exported = [r["outcome"] for r in results]
        self.brief_options, self.brief_retention = options, retention
        pdf, html = Path(pdf_path), Path(pdf_path).with_suffix(".html")
        pdf.write_bytes(b"%PDF-1.4 fake")
        html.write_text(f"<p>{results[0]['estimate']}</p>", encoding="utf-8")
        return str(pdf), str(html)

    def brief_preview(self, results: list[dict[str, Any]], *, organisation: str = "",
                      author: str = "", progress: Any, options: Any = None,
                      retention: Any = None) -> str:
        recommendation = (options or {}).get("recommendation", "")
        return (f"<h1>Fake brief: {results[0]['outcome']}</h1>"
                f"<p>Recommendation: {recommendation}</p>")



    def retention(self, staff_path: str, pilot_starts_path: str | None, progress: Any,
                  **dates: Any) -> Any:
        """Median stay per arm by brute force (the middle duration when no one is censored)."""
        from pilot_eval.ui.retention_core import RetentionOutput

        self.calls.append("retention")
        self.retention_args = (staff_path, pilot_starts_path, dates)
        frame = pd.read_csv(staff_path)
        km = {arm: {"n": len(part), "events": len(part),
                    "median": float(part["months"].median())}
              for arm, part in frame.groupby("arm")}
        roles = tuple((f, c) for f, c in (dates.get("columns") or {"team": "team"}).items())
        return RetentionOutput(result={"km": km, "time_unit": "months", "warnings": [],
                                       "data": {"file": staff_path, "n_spells": len(frame)}},
                               columns=tuple(frame.columns), roles=roles,
                               problems=self.retention_problems)

    def sheet_names(self, path: str) -> list[str]:
        return []


def staff_frame() -> pd.DataFrame:
    """Six staff, everyone left: medians 5 (pilot) and 3 (comparison) months."""
    return pd.DataFrame({"arm": ["pilot"] * 3 + ["comparison"] * 3,
                         "months": [4.0, 5.0, 9.0, 1.0, 3.0, 7.0]})
