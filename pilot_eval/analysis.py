"""The one orchestration path for a difference-in-differences analysis.

``run_analysis(request, data, progress)`` is used by the CLI, the window and the tests alike:
normalise periods, validate, choose the estimator, fit it, and gather what the brief and the
window show beside the estimate (pilot vs comparison means over time, the pilot start dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.literals import SE_TYPES, check_choice, check_level
from pilot_eval.io import LoadedTable
from pilot_eval.io.periods import normalise_periods
from pilot_eval.progress import SILENT, Progress
from pilot_eval.validation import ValidationReport, validate_panel

EstimatorName = Literal["auto", "2x2", "twfe"]
ESTIMATORS: tuple[str, ...] = get_args(EstimatorName)
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
POLARITIES: tuple[str, ...] = get_args(Polarity)


@dataclass(frozen=True)
class DidRequest:
    """What to estimate: column roles and options, checked when made.

    ``outcome_label``, ``outcome_unit`` and ``polarity`` describe the outcome for the brief
    (``polarity`` says whether a rise is good news).
    """

    columns: PanelColumns
    estimator: str = "auto"
    se: str = "cluster"
    level: float = 0.95
    outcome_label: str | None = None
    outcome_unit: str = ""
    polarity: str = "neutral"

    def __post_init__(self) -> None:
        check_choice("estimator", self.estimator, ESTIMATORS)
        check_choice("se", self.se, SE_TYPES)
        check_choice("polarity", self.polarity, POLARITIES)
        check_level(self.level)


@dataclass(frozen=True)
class Choice:
    """Which estimator ran and why (``auto`` explains itself)."""

    estimator: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"estimator": self.estimator, "reason": self.reason}


@dataclass(frozen=True)
class DataInfo:
    """Where the data came from and how much of it was used."""

    file: str | None
    sha256: str | None
    n_rows: int
    n_rows_used: int

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "n_rows": self.n_rows,
                "n_rows_used": self.n_rows_used}


@dataclass(frozen=True)
class DidAnalysis:
    """The result of ``run_analysis``: the estimator's result plus what surrounds it."""

    request: DidRequest
    result: Any
    validation: ValidationReport
    choice: Choice
    data: DataInfo
    group_means: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    pilot_starts: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def summary(self) -> str:
        lines = [self.result.summary(), "", f"Estimator chosen: {self.choice.estimator} "
                 f"({self.choice.reason})"]
        for problem in self.validation.warnings:
            lines.append(f"Warning: {problem.describe()}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.result.to_dict())
        request = self.request
        out["outcome_label"] = request.outcome_label or request.columns.outcome
        out["outcome_unit"] = request.outcome_unit
        out["polarity"] = request.polarity
        out["choice"] = self.choice.to_dict()
        out["data"] = self.data.to_dict()
        out["group_means"] = [dict(row) for row in self.group_means]
        out["pilot_starts"] = [dict(row) for row in self.pilot_starts]
        out["validation"] = [p.to_dict() for p in self.validation.problems]
        out["warnings"] = list(out.get("warnings", [])) + [
            p.describe() for p in self.validation.warnings
        ]
        return out


def run_analysis(
    request: DidRequest,
    data: LoadedTable | pd.DataFrame,
    progress: Progress | None = None,
) -> DidAnalysis:
    """Validate ``data`` and estimate the pilot's effect as ``request`` asks.

    Raises ``pilot_eval.errors.ValidationFailed`` (every problem at once) when the data cannot
    be used, and ``AnalysisCancelled`` when ``progress`` is cancelled.
    """
    progress = progress or SILENT
    progress.report(0.0, "Checking the data")
    frame, file, sha256 = _unpack(data)
    columns = request.columns
    labels: dict[int, str] = {}
    if columns.time is not None:
        periods = normalise_periods(frame, time=columns.time, cohort=columns.cohort, file=file)
        frame, labels = periods.frame, dict(periods.labels)
    report = validate_panel(frame, columns, file=file)
    report.raise_if_errors()
    progress.report(0.2, "Choosing the estimator")
    choice = choose_estimator(frame, columns, request.estimator)
    progress.report(0.3, f"Estimating ({choice.estimator})")
    result = _fit(choice.estimator, frame, request)
    progress.report(0.9, "Summarising pilot and comparison groups")
    arms = pilot_arm(frame, columns)
    means = group_means(frame, columns, arms, labels)
    starts = pilot_starts(frame, columns, labels)
    used = int(getattr(result, "n_obs", len(frame)))
    info = DataInfo(file=file, sha256=sha256, n_rows=len(frame), n_rows_used=used)
    progress.report(1.0, "Done")
    return DidAnalysis(request=request, result=result, validation=report, choice=choice,
                       data=info, group_means=means, pilot_starts=starts)


def _unpack(data: LoadedTable | pd.DataFrame) -> tuple[pd.DataFrame, str | None, str | None]:
    if isinstance(data, LoadedTable):
        return data.frame, Path(data.path).name, data.sha256
    return data, None, None


def _fit(estimator: str, frame: pd.DataFrame, request: DidRequest) -> Any:
    from pilot_eval.estimators.did2x2 import DidTwoByTwo
    from pilot_eval.estimators.twfe import TwoWayFixedEffects

    columns = request.columns
    if estimator == "2x2":
        return DidTwoByTwo(columns, se=request.se, level=request.level).fit(frame)
    return TwoWayFixedEffects(columns, se=request.se, level=request.level).fit(frame)


def start_periods(frame: pd.DataFrame, columns: PanelColumns) -> pd.Series:
    """Each treated unit's first pilot period (index: unit), from the cohort or treatment."""
    if columns.cohort is not None:
        cohorts = frame.groupby(columns.unit, sort=True)[columns.cohort].first()
        return cohorts[cohorts > 0].astype("int64")
    if columns.treatment is not None and columns.unit is not None:
        treated = frame[frame[columns.treatment] == 1]
        return treated.groupby(columns.unit, sort=True)[columns.time].min().astype("int64")
    return pd.Series(dtype="int64")


def choose_estimator(frame: pd.DataFrame, columns: PanelColumns, asked: str) -> Choice:
    """Resolve ``auto``: 2x2 for one start date and two periods, else two-way fixed effects."""
    if asked != "auto":
        return Choice(asked, f"{asked} was asked for")
    if columns.design == "2x2":
        return Choice("2x2", "the data gives a pilot flag and a before/after flag (a 2x2 design)")
    starts = start_periods(frame, columns)
    n_periods = frame[columns.time].nunique()
    if starts.nunique() <= 1 and n_periods == 2:
        return Choice("2x2", "one pilot start date and two periods: the classic 2x2 comparison")
    if starts.nunique() <= 1:
        return Choice("twfe", f"one pilot start date and {n_periods} periods: two-way fixed "
                              "effects (unit and period effects)")
    return Choice("twfe", f"pilots started at {starts.nunique()} different times; two-way fixed "
                          "effects can be biased when effects vary over time, so read it beside "
                          "the heterogeneity-robust estimate")


def pilot_arm(frame: pd.DataFrame, columns: PanelColumns) -> pd.Series:
    """``True`` for rows of units that are ever in the pilot (the pilot arm)."""
    if columns.design == "2x2":
        return frame[columns.group] == 1
    starts = start_periods(frame, columns)
    return frame[columns.unit].isin(starts.index)


def group_means(
    frame: pd.DataFrame, columns: PanelColumns, arms: pd.Series, labels: dict[int, str]
) -> tuple[dict[str, Any], ...]:
    """Mean outcome per period for the pilot and comparison arms (rows with an outcome)."""
    period = columns.time if columns.time is not None else columns.post
    table = pd.DataFrame({
        "period": frame[period].to_numpy(),
        "arm": np.where(arms.to_numpy(), "pilot", "comparison"),
        "y": pd.to_numeric(frame[columns.outcome], errors="coerce").to_numpy(dtype=float),
    }).dropna(subset=["y"])
    stats = table.groupby(["arm", "period"], sort=True)["y"].agg(["mean", "size"])
    rows = []
    for (arm, value), row in stats.iterrows():
        key = int(value)
        label = labels.get(key) or (("Before", "After")[key] if columns.time is None else str(key))
        rows.append({"period": key, "label": label, "arm": arm, "mean": float(row["mean"]),
                     "n": int(row["size"])})
    rows.sort(key=lambda r: (r["arm"] != "pilot", r["period"]))
    return tuple(rows)


def pilot_starts(
    frame: pd.DataFrame, columns: PanelColumns, labels: dict[int, str]
) -> tuple[dict[str, Any], ...]:
    """Each distinct pilot start period with the number of units starting then."""
    if columns.design == "2x2":
        return ()
    counts = start_periods(frame, columns).value_counts().sort_index()
    return tuple({"period": int(p), "label": labels.get(int(p), str(int(p))), "n_units": int(n)}
                 for p, n in counts.items())


def with_outcome(request: DidRequest, outcome: str, **describe: Any) -> DidRequest:
    """The same request for another outcome column (used for multi-outcome runs)."""
    return replace(request, columns=replace(request.columns, outcome=outcome), **describe)
