"""What ``auto`` chooses, and why: the estimator and the inference for the headline."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from pilot_eval.errors import PilotEvalError
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.thresholds import FEW_CLUSTERS, FEW_TREATED_CLUSTERS
from pilot_eval.small_pilots import small_pilot
from pilot_eval.summaries import start_periods

FEW_PILOT_CLUSTERS = 2
"""With this many pilot clusters or fewer, no cluster-based inference is reliable."""
SMALL_PILOT = (
    "only {treated} pilot cluster(s) ({label}): with one or two, neither cluster-robust "
    "standard errors (the pilot's own variation is estimated from one or two clusters, so "
    "they are far too small) nor the wild cluster bootstrap (its restricted version can hardly "
    "reject, its p-values say little; MacKinnon & Webb 2017) give reliable ranges or "
    "p-values. Read the estimate with the pre-pilot trends and the leave-one-out check, and "
    "prefer a method built for a few pilot units (synthetic control or synthetic "
    "difference-in-differences)")


NO_CLUSTERS = (
    "heteroskedasticity-robust (HC1) standard errors: the data has no unit or cluster column "
    "(a repeated cross-section), so there is nothing to cluster by. If the people or cases "
    "belong to groups that share ups and downs (teams, offices, areas), give that column as "
    "the cluster, so that the range allows for them")


@dataclass(frozen=True)
class Choice:
    """Which estimator and inference ran, and why (``auto`` explains itself)."""

    estimator: str
    reason: str
    inference: str = "analytic"
    inference_reason: str = ""
    few_clusters: bool = False
    n_treated_clusters: int | None = None
    control: str | None = None
    few_pilot_units: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"estimator": self.estimator, "reason": self.reason, "control": self.control,
                "inference": self.inference, "inference_reason": self.inference_reason,
                "few_clusters": self.few_clusters, "few_pilot_units": self.few_pilot_units,
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
    small = _small_pilot_choice(frame, columns, starts)
    if small is not None:
        return small
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


def _small_pilot_choice(frame: pd.DataFrame, columns: PanelColumns,
                        starts: pd.Series) -> Choice | None:
    """Synthetic DiD heads the results for a handful of pilot units (``small_pilots``)."""
    if columns.unit is None or len(starts) == 0:
        return None
    periods = frame[columns.time].dropna()
    n_pre = int(periods[periods < starts.min()].nunique())
    n_units = int(frame[columns.unit].nunique())
    pick = small_pilot(len(starts), n_units - len(starts), n_pre)
    if not pick.use_synthetic:
        return None
    from pilot_eval.estimators.did.synthetic.panel import synthetic_panel
    from pilot_eval.estimators.errors import EstimationError

    try:  # synthetic methods need every unit in every period and a pilot that stays on
        synthetic_panel(frame, columns)
    except EstimationError:
        return None
    return Choice("synthetic-did", pick.reason)


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
    if choice.estimator in ("synthetic-did", "synthetic-control"):
        reason = ("placebo inference: the range and p-value come from giving the pilot's start "
                  "to comparison units at random (Arkhangelsky et al. 2021, Algorithm 4)"
                  if choice.estimator == "synthetic-did" else
                  "permutation test: each comparison unit in turn plays the pilot (in-space "
                  "placebos, Abadie, Diamond & Hainmueller 2010)")
        return "cluster", replace(choice, inference="placebo", inference_reason=reason,
                                  few_clusters=few, n_treated_clusters=treated)
    if columns.cluster is None and columns.unit is None and asked in ("auto", "cluster"):
        return "hc1", replace(choice, inference="analytic", inference_reason=NO_CLUSTERS)
    tiny = 0 < treated <= FEW_PILOT_CLUSTERS
    if tiny:
        se, inference, reason = _small_pilot(columns, choice.estimator, asked, treated)
    else:
        se, inference, reason = _inference(columns, choice.estimator, asked, few, clusters,
                                           treated)
    return se, replace(choice, inference=inference, inference_reason=reason, few_clusters=few,
                       n_treated_clusters=treated, few_pilot_units=tiny)


def _small_pilot(columns: PanelColumns, estimator: str, asked: str,
                 treated: int) -> tuple[str, str, str]:
    """One or two pilot clusters: no switch to the wild bootstrap (it is no better then), and
    a plain word on why no range or p-value is reliable."""
    caution = SMALL_PILOT.format(treated=treated, label=columns.cluster or columns.unit)
    if asked == "wild":
        return "cluster", "wild", f"the wild cluster bootstrap was asked for; {caution}"
    if estimator == "callaway-santanna" or asked in ("auto", "cluster"):
        shown = ("influence-function standard errors" if estimator == "callaway-santanna"
                 else "cluster-robust (CR1) standard errors")
        return "cluster", "analytic", f"{shown} are shown; {caution}"
    return asked, "analytic", f"{asked} standard errors were asked for; {caution}"


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


CONTROLLED = ("callaway-santanna", "sun-abraham")
"""Estimators whose comparison group the ``control`` option sets."""


def choose_control(frame: pd.DataFrame, columns: PanelColumns, choice: Choice, asked: str,
                   control: str, *, starts: pd.Series, file: str | None = None) -> Choice:
    """The comparison group of a staggered estimator, with the choice's reason extended.

    With no never-piloted unit, ``auto`` compares each wave with the units not yet piloted (R
    ``did``'s ``control_group = "notyettreated"``: the last wave is the comparison until it
    starts; Sun & Abraham's last-treated cohort); an explicit ``never`` is refused with the
    option that works.
    """
    if choice.estimator not in CONTROLLED or columns.unit is None:
        return choice
    never = frame[columns.unit].nunique() - len(starts)
    if never > 0 or control != "never":
        return replace(choice, control=control)
    unit = columns.unit
    if asked == "auto":
        return replace(choice, control="not-yet", reason=(
            f"{choice.reason} Every {unit} starts the pilot at some point, so each wave is "
            "compared with the units not yet piloted (the last wave serves as the comparison "
            "until it starts, as R did's not-yet-treated rule)."))
    raise PilotEvalError(
        f"every {unit} starts the pilot at some point, so there are no never-piloted units to "
        f"compare with", file=file, column=columns.cohort or columns.treatment,
        hint="Compare with units not yet piloted: --control not-yet on the command line, "
             "'Comparison teams: Not-yet-piloted teams' in the window (Sun & Abraham then "
             "compares with the last wave to start).")
