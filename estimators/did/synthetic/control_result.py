"""The immutable result of ``SyntheticControl.fit``: weights, gaps, placebos, permutation test."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from pilot_eval.estimators.did.synthetic.result import _label
from pilot_eval.estimators.results import Result, Term
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons


@dataclass(frozen=True)
class PlaceboRun:
    """One unit's synthetic comparison: gaps in every period and the RMSPE before and after."""

    unit: object
    gaps: tuple[float, ...]
    synthetic: tuple[float, ...]
    pre_rmspe: float
    post_rmspe: float

    @property
    def ratio(self) -> float:
        """Post/pre RMSPE (infinite for an exact pre-period fit)."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else math.inf


@dataclass(frozen=True)
class PredictorBalance:
    """Synthetic control on predictors: weights ``v`` and the balance table (R ``synth.tab``).

    ``pilot``, ``synthetic`` (donors' predictors times the weights) and ``donor_mean`` (plain
    mean over the donors) are in the predictors' own units.  ``loss_v`` is the fitting-period
    MSPE the weights were chosen for, ``loss_w`` the V-weighted distance between the pilot's
    and the synthetic predictors (each predictor scaled by its standard deviation);
    ``searched`` says whether ``v`` came from the data (R's nested search) or was given.
    """

    names: tuple[str, ...]
    v: tuple[float, ...]
    pilot: tuple[float, ...]
    synthetic: tuple[float, ...]
    donor_mean: tuple[float, ...]
    loss_v: float
    loss_w: float
    searched: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per predictor: its weight and the pilot, synthetic and donor-mean values."""
        return pd.DataFrame({"predictor": self.names, "weight": self.v, "pilot": self.pilot,
                             "synthetic": self.synthetic, "donor_mean": self.donor_mean})

    def to_dict(self) -> dict[str, object]:
        return {"predictor_weights": "searched (R Synth)" if self.searched else "given",
                "mspe_fit": self.loss_v, "loss_predictors": self.loss_w,
                "rows": [{"predictor": n, "weight": v, "pilot": a, "synthetic": b,
                          "donor_mean": m} for n, v, a, b, m in zip(
                              self.names, self.v, self.pilot, self.synthetic, self.donor_mean,
                              strict=True)]}


@dataclass(frozen=True, repr=False)
class SyntheticControlResult(Result):
    """Result of ``SyntheticControl.fit`` (immutable).

    ``estimate`` is the mean post-period gap; ``p_value`` the permutation p-value from the
    post/pre RMSPE ratios (``rank / (placebos + 1)``; ``Unavailable`` without placebos);
    ``p_value_good_fit`` the same without placebos fitted more than ``mspe_cutoff`` times
    worse than the pilot.  ``poor_fit`` is the method's own warning sign, with ``fit_reason``.
    """

    title: ClassVar[str] = "Synthetic control"

    outcome: str
    periods: tuple[object, ...]
    start: object
    pilot_units: tuple[object, ...]
    donors: tuple[object, ...]
    weights: tuple[float, ...]
    pilot: PlaceboRun
    placebos: tuple[PlaceboRun, ...]
    estimate: float
    p_value: float | Unavailable
    rank: int | None
    p_value_good_fit: float | Unavailable
    poor_fit: bool
    fit_reason: str
    outside_range: float
    pilot_pre_sd: float
    mspe_cutoff: float
    warnings: tuple[str, ...]
    balance: PredictorBalance | None = None
    noise_level: float = float("nan")

    @classmethod
    def build(cls, *, outcome: str, periods: tuple[object, ...], start: object,
              pilot_units: tuple[object, ...], donors: tuple[object, ...],
              weights: tuple[float, ...], pilot: PlaceboRun,
              placebos: tuple[PlaceboRun, ...],
              outside_range: float,
              pilot_pre_sd: float, noise_level: float, poor_fit_share: float,
              outside_limit: float,
              mspe_cutoff: float,
              balance: PredictorBalance | None = None) -> SyntheticControlResult:
        t0 = periods.index(start)
        estimate = float(np.mean(pilot.gaps[t0:]))
        if placebos:
            ratios = np.array([p.ratio for p in placebos])
            rank = int(1 + np.sum(ratios >= pilot.ratio))
            p_value: float | Unavailable = rank / (len(placebos) + 1)
            good = np.array([p.pre_rmspe ** 2 <= mspe_cutoff * pilot.pre_rmspe ** 2
                             for p in placebos])
            p_good: float | Unavailable = float(
                (1 + np.sum(ratios[good] >= pilot.ratio)) / (good.sum() + 1))
        else:
            rank = None
            p_value = p_good = Unavailable("no placebos: at least two comparison units are "
                                           "needed to run each as a placebo")
        reasons_poor = []
        if pilot.pre_rmspe > poor_fit_share * noise_level:
            reasons_poor.append(
                f"the synthetic comparison misses the pilot before the start by "
                f"{pilot.pre_rmspe:.3g} on average (RMSPE), more than the comparison units' "
                f"usual change from one period to the next ({noise_level:.3g})")
        if outside_range > outside_limit:
            reasons_poor.append(
                f"the pilot lies above or below every comparison unit in "
                f"{outside_range:.0%} of the pre-periods, so no weighted average can follow it")
        poor = bool(reasons_poor)
        fit_reason = ("; ".join(reasons_poor) if poor else
                      f"good pre-period fit: RMSPE {pilot.pre_rmspe:.3g}, within the comparison "
                      f"units' usual change from one period to the next ({noise_level:.3g})")
        warnings = (f"poor pre-period fit: {fit_reason}; the synthetic control estimate "
                    "should not be relied on",) if poor else ()
        return cls(outcome=outcome, periods=periods, start=start, pilot_units=pilot_units,
                   donors=donors, weights=weights, pilot=pilot, placebos=placebos,
                   estimate=estimate, p_value=p_value,
                   rank=rank, p_value_good_fit=p_good, poor_fit=poor, fit_reason=fit_reason,
                   outside_range=outside_range, pilot_pre_sd=pilot_pre_sd,
                   mspe_cutoff=mspe_cutoff, warnings=warnings, balance=balance,
                   noise_level=noise_level)

    @property
    def pre_rmspe(self) -> float:
        return self.pilot.pre_rmspe

    @property
    def unit_weights(self) -> pd.DataFrame:
        """Donors and weights, largest first (a fresh frame)."""
        frame = pd.DataFrame({"unit": [_label(u) for u in self.donors], "weight": self.weights})
        return frame.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)

    @property
    def gaps(self) -> pd.DataFrame:
        """Gap (unit minus its synthetic) by period for the pilot and every placebo."""
        data = {"pilot": self.pilot.gaps}
        data.update({str(_label(p.unit)): p.gaps for p in self.placebos})
        return pd.DataFrame(data, index=[_label(p) for p in self.periods])

    def to_frame(self) -> pd.DataFrame:
        """Pilot and placebo RMSPEs and ratios, pilot first (a fresh frame)."""
        rows = [self.pilot, *self.placebos]
        return pd.DataFrame([{"unit": _label(r.unit), "pilot": i == 0,
                              "pre_rmspe": r.pre_rmspe, "post_rmspe": r.post_rmspe,
                              "ratio": r.ratio} for i, r in enumerate(rows)])

    def tidy_rows(self) -> tuple[Term, ...]:
        """The effect with its placebo p-value (``statistic``: the post/pre RMSPE ratio)."""
        return (Term("effect", self.estimate, None, self.pilot.ratio, self.p_value),)

    def to_dict(self) -> dict[str, object]:
        return {
            "estimator": "synthetic-control", "outcome": self.outcome,
            "estimate": self.estimate, "se": None, "ci_low": None, "ci_high": None,
            "p_value": json_number(self.p_value), "se_type": "permutation",
            "se_description": "in-space placebo permutation test on post/pre RMSPE ratios "
                              "(Abadie, Diamond & Hainmueller 2010)",
            "placebo_rank": self.rank, "n_placebos": len(self.placebos),
            "p_value_good_fit": json_number(self.p_value_good_fit),
            "start": _label(self.start),
            "pre_rmspe": self.pilot.pre_rmspe, "post_rmspe": self.pilot.post_rmspe,
            "rmspe_ratio": json_number(self.pilot.ratio),
            "poor_fit": self.poor_fit, "fit_reason": self.fit_reason,
            "noise_level": json_number(self.noise_level),
            "pilot_units": [_label(u) for u in self.pilot_units],
            "unit_weights": [{"unit": _label(u), "weight": w}
                             for u, w in zip(self.donors, self.weights, strict=True) if w > 0],
            "periods": [_label(p) for p in self.periods],
            "gaps": {"pilot": list(self.pilot.gaps),
                     **{str(_label(p.unit)): list(p.gaps) for p in self.placebos}},
            "synthetic": list(self.pilot.synthetic),
            "n_units": len(self.donors) + len(self.pilot_units),
            "n_treated": len(self.pilot_units), "n_controls": len(self.donors),
            "n_periods": len(self.periods), "n_obs": len(self.periods) * (
                len(self.donors) + len(self.pilot_units)),
            "warnings": list(self.warnings),
            "unavailable": reasons(p_value=self.p_value, p_value_good_fit=self.p_value_good_fit),
            "predictors": None if self.balance is None else self.balance.to_dict(),
        }

    def summary(self) -> str:
        top = self.unit_weights.head(5)
        shown = ", ".join(f"{u} {w:.3f}" for u, w in zip(top.unit, top.weight, strict=True)
                          if w > 0)
        p = self.p_value
        lines = [f"Synthetic control: {self.outcome}",
                 f"  estimate (mean post-period gap) {self.estimate:.6g}",
                 f"  permutation p-value {p if isinstance(p, Unavailable) else f'{p:.4g}'}"
                 + ("" if self.rank is None else
                    f" (pilot ranks {self.rank} of {len(self.placebos) + 1} on post/pre RMSPE)"),
                 f"  pre-period RMSPE {self.pilot.pre_rmspe:.4g}; {self.fit_reason}",
                 f"  largest weights: {shown}"]
        if self.balance is not None:
            shown_v = ", ".join(f"{n} {v:.3f}" for n, v in zip(self.balance.names,
                                                               self.balance.v, strict=True))
            lines.append(f"  predictor weights ({'searched' if self.balance.searched else 'given'}"
                         f"): {shown_v}; fitting-period MSPE {self.balance.loss_v:.6g}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
