"""What ``auto`` chooses, and why: the estimator and the inference for the headline."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from pilot_eval.estimators import PanelColumns
from pilot_eval.summaries import start_periods

FEW_CLUSTERS = 30
FEW_TREATED_CLUSTERS = 10


@dataclass(frozen=True)
class Choice:
    """Which estimator and inference ran, and why (``auto`` explains itself)."""

    estimator: str
    reason: str
    inference: str = "analytic"
    inference_reason: str = ""
    few_clusters: bool = False
    n_treated_clusters: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"estimator": self.estimator, "reason": self.reason,
                "inference": self.inference, "inference_reason": self.inference_reason,
                "few_clusters": self.few_clusters,
                "n_treated_clusters": self.n_treated_clusters}


def choose_estimator(frame: pd.DataFrame, columns: PanelColumns, asked: str, *,
                     starts: pd.Series | None = None) -> Choice:
    """Resolve ``auto``: 2x2 for one start date and two periods, two-way fixed effects for one
    start date, Callaway & Sant'Anna when pilots started at different times."""
    if asked != "auto":
        return Choice(asked, f"{asked} was asked for")
    if columns.design == "2x2":
        return Choice("2x2", "the data gives a pilot flag and a before/after flag (a 2x2 design)")
    starts = start_periods(frame, columns) if starts is None else starts
    n_periods = frame[columns.time].nunique()
    if starts.nunique() <= 1 and n_periods == 2:
        return Choice("2x2", "one pilot start date and two periods: the classic 2x2 comparison")
    if starts.nunique() <= 1:
        return Choice("twfe", f"one pilot start date and {n_periods} periods: two-way fixed "
                              "effects (unit and period effects)")
    return Choice(
        "callaway-santanna",
        f"pilots started at {starts.nunique()} different times. Two-way fixed effects can be "
        "biased then, because it compares later pilots with earlier ones whose effect may still "
        "be growing; the Callaway & Sant'Anna estimate compares each wave only with teams not "
        "(yet) in the pilot. Both are shown, with the decomposition of the two-way estimate.")


def cluster_counts(frame: pd.DataFrame, columns: PanelColumns, *,
                   starts: pd.Series | None = None) -> tuple[int, int]:
    """Number of clusters and of clusters containing a pilot unit."""
    cluster = columns.cluster or columns.unit
    if cluster is None:
        return 0, 0
    if columns.design == "2x2":
        treated = frame.loc[frame[columns.group] == 1, cluster]
    else:
        pilots = (start_periods(frame, columns) if starts is None else starts).index
        treated = frame.loc[frame[columns.unit].isin(pilots), cluster]
    return int(frame[cluster].nunique()), int(treated.nunique())


def choose_inference(frame: pd.DataFrame, columns: PanelColumns, choice: Choice,
                     asked: str, *, starts: pd.Series | None = None) -> tuple[str, Choice]:
    """Resolve ``se="auto"``: the se type for the estimator, and the choice with its inference.

    Cluster-robust by default; the wild cluster bootstrap for the two-way and 2x2 estimates
    when there are fewer than 30 clusters or fewer than 10 pilot clusters.
    """
    clusters, treated = cluster_counts(frame, columns, starts=starts)
    few = clusters < FEW_CLUSTERS or treated < FEW_TREATED_CLUSTERS
    se, inference, reason = _inference(columns, choice.estimator, asked, few, clusters, treated)
    return se, replace(choice, inference=inference, inference_reason=reason, few_clusters=few,
                       n_treated_clusters=treated)


def _inference(columns: PanelColumns, estimator: str, asked: str, few: bool, clusters: int,
               treated: int) -> tuple[str, str, str]:
    if asked == "wild":
        return "cluster", "wild", "the wild cluster bootstrap was asked for"
    if estimator == "callaway-santanna":
        label = columns.cluster or columns.unit
        note = ("" if asked in ("auto", "cluster") else
                f" (the {asked} option does not apply to this estimator)")
        caution = (f"; only {clusters} clusters, {treated} in the pilot: treat the range with "
                   "caution, the wild cluster bootstrap of the two-way estimate is shown beside "
                   "it" if few else "")
        return "cluster", "analytic", (
            f"influence-function standard errors clustered by {label} ({clusters} clusters)"
            f"{note}{caution}")
    if asked != "auto":
        return asked, "analytic", f"{asked} standard errors were asked for"
    label = columns.cluster or columns.unit
    if few and estimator in ("twfe", "2x2"):
        return "cluster", "wild", (
            f"only {clusters} clusters ({label}) of which {treated} in the pilot: cluster-robust "
            "standard errors are too small with so few clusters, so the headline range and "
            "p-value come from the wild cluster bootstrap (restricted, test inversion)")
    if few:
        return "cluster", "analytic", (
            f"only {clusters} clusters ({label}) of which {treated} in the pilot: treat the "
            "range with caution; the wild cluster bootstrap of the two-way estimate is shown "
            "beside it")
    return "cluster", "analytic", (f"cluster-robust by {label} ({clusters} clusters, "
                                   f"{treated} in the pilot)")
