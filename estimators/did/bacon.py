"""Goodman-Bacon (2021) decomposition of the static two-way fixed-effects DiD estimate.

With staggered pilot starts, the TWFE coefficient on the 0/1 pilot indicator is a weighted
average of every simple 2x2 difference-in-differences that can be formed from two timing
groups (units that share a pilot start) or a timing group and the never-treated units.  The
decomposition shows how much of the estimate comes from the "forbidden" comparisons that use
already-treated units as controls.

Everything is computed from the group-by-period mean outcomes of a balanced panel; the TWFE
estimate is computed separately (two-way within transform) so the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.design import numeric_column, require_columns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.results import Result, Term, label_of
from pilot_eval.estimators.unavailable import Unavailable, json_number

TREATED_VS_NEVER = "treated vs never treated"
EARLIER_VS_LATER = "earlier vs later treated"
LATER_VS_EARLIER = "later vs earlier treated"
LATER_VS_ALWAYS = "later vs always treated"
COMPARISON_TYPES: tuple[str, ...] = (TREATED_VS_NEVER, EARLIER_VS_LATER, LATER_VS_EARLIER,
                                     LATER_VS_ALWAYS)
NEVER = "never"
ALWAYS = "always"


@dataclass(frozen=True)
class TimingGroup:
    """Units sharing a pilot start: ``cohort`` (period), unit share ``share`` and the share
    of periods they are treated, ``treated_share`` (0 = never, 1 = always treated)."""

    cohort: int | str
    share: float
    treated_share: float
    means: np.ndarray  # mean outcome in each period


@dataclass(frozen=True)
class BaconComparison:
    """One 2x2 difference-in-differences of the decomposition."""

    treated: int | str  # a pilot-start period (an int in practice)
    comparison: int | str  # a pilot-start period, "never" or "always"
    type: str
    estimate: float
    weight: float

    def to_dict(self) -> dict[str, object]:
        comparison = self.comparison if isinstance(self.comparison, str) else int(self.comparison)
        treated = self.treated if isinstance(self.treated, str) else int(self.treated)
        return {"treated": treated, "comparison": comparison, "type": self.type,
                "estimate": float(self.estimate), "weight": float(self.weight)}


@dataclass(frozen=True)
class BaconTypeTotal:
    """Total weight of one comparison type and the weighted average of its estimates."""

    type: str
    weight: float
    estimate: float | Unavailable


@dataclass(frozen=True, repr=False)
class BaconResult(Result):
    """The decomposition: every 2x2 comparison, totals by type, and the TWFE estimate.

    ``tidy()`` has one row per comparison (its 2x2 estimate; no inference) with its
    ``weight`` and ``type``.
    """

    title: ClassVar[str] = "Goodman-Bacon decomposition"
    outcome: str
    twfe_estimate: float
    comparisons: tuple[BaconComparison, ...]
    by_type: tuple[BaconTypeTotal, ...]
    weighted_sum: float
    n_units: int
    n_periods: int
    timing_groups: tuple[tuple[int | str, int], ...]  # (cohort, number of units)
    notes: tuple[str, ...] = ()
    period_labels: dict[int, str] = field(default_factory=dict)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notes (units or periods left out, always-treated units)."""
        return self.notes

    @property
    def n_obs(self) -> int:
        """Unit-periods of the balanced panel."""
        return int(self.n_units * self.n_periods)

    def label(self, cohort: int | str) -> str:
        return cohort if isinstance(cohort, str) else label_of(cohort, self.period_labels)

    def headline(self) -> str:
        return (f"TWFE estimate {self.twfe_estimate:.6g} = weighted sum of "
                f"{len(self.comparisons)} 2x2 comparisons; {self.n_units} units x "
                f"{self.n_periods} periods")

    def tidy_rows(self) -> tuple[Term, ...]:
        return tuple(Term(f"{self.label(c.treated)} vs {self.label(c.comparison)}", c.estimate)
                     for c in self.comparisons)

    def tidy_extra(self) -> dict[str, list[object]]:
        return {"weight": [c.weight for c in self.comparisons],
                "type": [c.type for c in self.comparisons]}

    def summary(self) -> str:
        lines = [
            f"Goodman-Bacon decomposition of the TWFE estimate for {self.outcome}",
            f"TWFE estimate: {self.twfe_estimate:.6f}  (weighted sum of 2x2 estimates: "
            f"{self.weighted_sum:.6f})",
            f"{self.n_units} units x {self.n_periods} periods; timing groups: "
            + ", ".join(f"{self.label(c)} ({n})" for c, n in self.timing_groups),
            "",
            f"{'type':<26}{'weight':>10}{'estimate':>12}",
        ]
        for total in self.by_type:
            shown = (f"{total.estimate:>12.6f}" if not isinstance(total.estimate, Unavailable)
                     else f"{'n/a':>12}")
            lines.append(f"{total.type:<26}{total.weight:>10.4f}{shown}")
        lines += ["", f"{'treated':>8} {'comparison':>10}  {'type':<26}{'estimate':>12}"
                      f"{'weight':>10}"]
        for c in self.comparisons:
            lines.append(f"{self.label(c.treated):>8} {self.label(c.comparison):>10}  "
                         f"{c.type:<26}{c.estimate:>12.6f}{c.weight:>10.4f}")
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per 2x2 comparison (a fresh frame)."""
        return pd.DataFrame(
            [c.to_dict() for c in self.comparisons],
            columns=["treated", "comparison", "type", "estimate", "weight"],
        )

    def to_dict(self) -> dict[str, object]:
        by_type = {t.type: {"weight": float(t.weight), "estimate": json_number(t.estimate)}
                   for t in self.by_type}
        unavailable = {f"by_type.{t.type}.estimate": t.estimate.reason
                       for t in self.by_type if isinstance(t.estimate, Unavailable)}
        return {
            "estimator": "bacon",
            "outcome": self.outcome,
            "twfe_estimate": float(self.twfe_estimate),
            "weighted_sum": float(self.weighted_sum),
            "comparisons": [c.to_dict() for c in self.comparisons],
            "by_type": by_type,
            "n_units": int(self.n_units),
            "n_periods": int(self.n_periods),
            "timing_groups": [{"cohort": c if isinstance(c, str) else int(c), "n_units": int(n)}
                              for c, n in self.timing_groups],
            "notes": list(self.notes),
            "unavailable": unavailable,
        }


@dataclass(frozen=True)
class Panel:
    """A balanced panel as a units x periods outcome matrix with each unit's pilot start."""

    outcome: np.ndarray  # n_units x n_periods
    periods: np.ndarray  # sorted period values
    cohort: np.ndarray  # per unit; 0 = never treated


def balanced_panel(frame: pd.DataFrame, columns: PanelColumns) -> Panel:
    """Check the data is a balanced panel with one pilot start per unit; return its matrix."""
    unit_name, time_name, cohort_name = columns.unit, columns.time, columns.cohort
    if unit_name is None or time_name is None or cohort_name is None:
        raise EstimatorConfigError("the Goodman-Bacon decomposition needs the unit, time and "
                                   "cohort column roles")
    require_columns(frame, (columns.outcome, unit_name, time_name, cohort_name))
    outcome = numeric_column(frame, columns.outcome, "outcome")
    time = numeric_column(frame, time_name, "time")
    cohort = np.nan_to_num(numeric_column(frame, cohort_name, "pilot start"), nan=0.0)
    for values, name in ((outcome, columns.outcome), (time, columns.time)):
        missing = np.flatnonzero(np.isnan(values))
        if missing.size:
            raise EstimationError(
                f"the decomposition needs a balanced panel, but column '{name}' has "
                f"{missing.size} missing value(s) (first at data row {missing[0] + 2}); drop "
                "the units with missing values first", column=name)
    if frame[columns.unit].isna().any():
        raise EstimationError(f"the unit column '{columns.unit}' has missing values",
                              column=columns.unit)
    if np.any(cohort < 0):
        raise EstimationError(f"pilot starts in '{columns.cohort}' must be periods (>= 0) or 0 "
                              f"for never treated; saw {cohort[cohort < 0][0]!r}",
                              column=columns.cohort)
    unit_codes, _ = pd.factorize(frame[columns.unit], sort=True)
    periods, time_codes = np.unique(time, return_inverse=True)
    n_units, n_periods = int(unit_codes.max()) + 1, periods.size
    counts = np.bincount(unit_codes * n_periods + time_codes, minlength=n_units * n_periods)
    if frame.shape[0] != n_units * n_periods or np.any(counts != 1):
        raise EstimationError(
            f"the decomposition needs a balanced panel (every unit once in every period); "
            f"the data has {frame.shape[0]} rows for {n_units} units x {n_periods} periods"
            + (" with repeated unit-periods" if np.any(counts > 1) else "")
            + "; keep only units observed in every period", column=columns.unit)
    unit_cohort = np.zeros(n_units)
    unit_cohort[unit_codes] = cohort
    if np.any(unit_cohort[unit_codes] != cohort):
        raise EstimationError(
            f"the pilot start in '{columns.cohort}' must be the same in every row of a unit; "
            "a pilot that starts, stops and restarts cannot be decomposed", column=columns.cohort)
    matrix = np.empty((n_units, n_periods))
    matrix[unit_codes, time_codes] = outcome
    return Panel(matrix, periods, unit_cohort)


def treatment_matrix(panel: Panel) -> np.ndarray:
    """0/1 pilot indicator, units x periods (treated from the start period on)."""
    starts = panel.cohort[:, None]
    return ((starts > 0) & (panel.periods[None, :] >= starts)).astype(np.float64)


def twfe_estimate(outcome: np.ndarray, treated: np.ndarray) -> float:
    """Static TWFE coefficient by the two-way within transform of a balanced panel."""
    within = (treated - treated.mean(axis=1, keepdims=True)
              - treated.mean(axis=0, keepdims=True) + treated.mean())
    variation = float(np.sum(within * within))
    if variation <= 1e-12 * treated.size:
        raise EstimationError(
            "the pilot indicator does not vary once unit and period effects are removed (all "
            "pilot units start together and there is no comparison group?); the TWFE estimate "
            "and its decomposition are not defined")
    return float(np.sum(within * outcome) / variation)


def timing_groups(panel: Panel) -> tuple[list[TimingGroup], list[str]]:
    """Group units by the share of periods they are treated (their effective pilot start)."""
    treated = treatment_matrix(panel)
    shares = treated.mean(axis=1)
    first, last = panel.periods[0], panel.periods[-1]
    notes = []
    late = (panel.cohort > last).sum()
    if late:
        notes.append(f"{late} unit(s) start the pilot after the last period ({last:g}); they "
                     "are never treated within the data and serve as never-treated units")
    groups = []
    n_units = panel.outcome.shape[0]
    for share in np.unique(shares):
        members = shares == share
        if share == 0.0:
            label: int | str = NEVER
        elif share == 1.0:
            label = ALWAYS
            notes.append(f"{members.sum()} unit(s) are treated in every period (pilot start "
                         f"<= {first:g}); as in R bacondecomp they serve only as controls "
                         f"('{LATER_VS_ALWAYS}')")
        else:
            label = int(panel.periods[np.argmax(treated[members][0] > 0)])
        groups.append(TimingGroup(label, members.sum() / n_units, float(share),
                                  panel.outcome[members].mean(axis=0)))
    return groups, notes


def two_by_two(treated: TimingGroup, control: TimingGroup, before: np.ndarray,
               after: np.ndarray) -> float:
    """Change in the treated-minus-control mean gap from ``before`` to ``after`` periods."""
    gap = treated.means - control.means
    return float(gap[after].mean() - gap[before].mean())


def compare(early: TimingGroup, late: TimingGroup, periods: np.ndarray
            ) -> list[tuple[int | str, int | str, str, float, float]]:
    """The 2x2 comparisons of a pair of groups with unnormalised weights (Goodman-Bacon eq. 10).

    ``early`` has the larger treated share; ``late`` may be the never-treated group.
    """
    n_pair = early.share + late.share
    n_rel = early.share / n_pair
    spread = n_rel * (1.0 - n_rel)
    d_k, d_l = early.treated_share, late.treated_share
    rows: list[tuple[int | str, int | str, str, float, float]] = []
    if late.cohort == NEVER:
        post = periods >= early.cohort
        weight = n_pair**2 * spread * d_k * (1.0 - d_k)
        rows.append((early.cohort, NEVER, TREATED_VS_NEVER,
                     two_by_two(early, late, ~post, post), weight))
        return rows
    start_k = periods[0] if early.cohort == ALWAYS else early.cohort
    if early.cohort != ALWAYS:  # early treated, late not yet treated as control
        window = periods < late.cohort
        mid = window & (periods >= start_k)
        weight = ((n_pair * (1.0 - d_l)) ** 2 * spread * (d_k - d_l) / (1.0 - d_l)
                  * (1.0 - d_k) / (1.0 - d_l))
        rows.append((early.cohort, late.cohort, EARLIER_VS_LATER,
                     two_by_two(early, late, window & ~mid, mid), weight))
    window = periods >= start_k  # late treated, early already-treated as control
    post = periods >= late.cohort
    weight = (n_pair * d_k) ** 2 * spread * (d_l / d_k) * (d_k - d_l) / d_k
    kind = LATER_VS_ALWAYS if early.cohort == ALWAYS else LATER_VS_EARLIER
    rows.append((late.cohort, early.cohort, kind, two_by_two(late, early, window & ~post, post),
                 weight))
    return rows


def type_totals(comparisons: tuple[BaconComparison, ...]) -> tuple[BaconTypeTotal, ...]:
    """Weight and weighted average estimate of each comparison type present."""
    totals = []
    for kind in COMPARISON_TYPES:
        members = [c for c in comparisons if c.type == kind]
        if not members:
            continue
        weight = sum(c.weight for c in members)
        estimate: float | Unavailable = (
            sum(c.weight * c.estimate for c in members) / weight if weight > 0
            else Unavailable("the comparisons of this type have zero weight"))
        totals.append(BaconTypeTotal(kind, float(weight), estimate))
    return tuple(totals)


def _order(cohort: int | str) -> tuple[int, float, str]:
    """Sort key: pilot-start periods in order, then "always", then "never"."""
    if isinstance(cohort, str):
        return (1, 0.0, "0" if cohort == ALWAYS else "1")
    return (0, float(cohort), "")


@dataclass(frozen=True)
class BaconDecomposition:
    """Goodman-Bacon (2021) decomposition of the static TWFE DiD estimate.

    No options.  Columns (``fit``): ``outcome``, ``unit``, ``time`` and ``cohort`` (the
    period each unit's pilot started; 0 or missing = never treated).  The panel must be
    balanced and treatment absorbing.

    Notes
    -----
    The decomposed estimate is :math:`\\hat\\beta` in
    :math:`y_{it} = \\alpha_i + \\lambda_t + \\beta D_{it} + e_{it}`, with
    :math:`D_{it} = 1[t \\ge g_i]`.  With timing groups :math:`k` (unit share :math:`n_k`,
    share of periods treated :math:`\\bar D_k`) and never-treated units :math:`U`,
    :math:`\\hat\\beta = \\sum_k s_{kU}\\hat\\beta_{kU} + \\sum_{k<l}(s^k_{kl}\\hat\\beta^k_{kl}
    + s^l_{kl}\\hat\\beta^l_{kl})` (Goodman-Bacon 2021, Theorem 1): each
    :math:`\\hat\\beta` is a 2x2 DiD of group means and each weight is proportional to the
    squared subsample size times the variance of the treatment in that subsample (eq. 10e-g);
    the weights sum to one.  Units treated in every period ("always treated") act only as
    controls for later groups, labelled "later vs always treated" as in R ``bacondecomp``.
    """

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> BaconResult:
        """Decompose the TWFE estimate of ``frame`` (not modified).

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", unit="team", time="month", cohort="start")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, periods = encode_periods(frame, columns)
        missing = [role for role in ("unit", "time", "cohort")
                   if getattr(columns, role) is None]
        if missing:
            raise EstimatorConfigError(
                "the Goodman-Bacon decomposition needs the column roles "
                + ", ".join(missing) + " (unit, period and the period each pilot started)")
        panel = balanced_panel(frame, columns)
        estimate = twfe_estimate(panel.outcome, treatment_matrix(panel))
        groups, notes = timing_groups(panel)
        groups.sort(key=lambda g: -g.treated_share)  # earliest start first, never last
        raw = []
        for i, early in enumerate(groups):
            for late in groups[i + 1:]:
                if late.treated_share == 0.0 and early.treated_share == 1.0:
                    continue  # always vs never: no within-unit variation in treatment
                raw += compare(early, late, panel.periods)
        total = sum(row[4] for row in raw)
        comparisons = tuple(
            BaconComparison(treated, comparison, kind, estimate_2x2, weight / total)
            for treated, comparison, kind, estimate_2x2, weight in sorted(
                raw, key=lambda r: (COMPARISON_TYPES.index(r[2]), r[0], _order(r[1])))
        )
        weighted = float(sum(c.weight * c.estimate for c in comparisons))
        sizes = tuple((g.cohort, int(round(g.share * panel.outcome.shape[0])))
                      for g in sorted(groups, key=lambda g: _order(g.cohort)))
        return BaconResult(
            outcome=columns.outcome, twfe_estimate=estimate, comparisons=comparisons,
            by_type=type_totals(comparisons), weighted_sum=weighted,
            n_units=panel.outcome.shape[0], n_periods=panel.periods.size,
            timing_groups=sizes, notes=tuple(notes), period_labels=periods.labels,
        )
