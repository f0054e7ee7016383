"""When a pilot is too small for regression inference, and how to say what synthetic DiD did.

``small_pilot(n_pilot_units, n_comparison_units, n_pre_periods)`` says whether synthetic
difference-in-differences should head the results (with the DiD estimate beside it) and why;
``method_sentence`` explains the method in one plain sentence; ``evidence_terms`` rates the
evidence on the method's own terms (pre-period fit, placebo rank).  The choice module and the
report call these; they compute nothing from data themselves.

The threshold: with five or fewer pilot units, cluster-robust standard errors over-reject
badly and the wild cluster bootstrap is unreliable (MacKinnon & Webb 2017, "Wild bootstrap
inference for wildly different cluster sizes", J. Applied Econometrics 32(2): with one to a
few treated clusters the restricted wild bootstrap's rejection rates are far from nominal;
Conley & Taber 2011, ReStat 93(1): inference on a handful of treated groups needs
permutation-type methods), while synthetic DiD and synthetic control were designed for one
or a few treated units with placebo inference (Arkhangelsky et al. 2021; Abadie, Diamond &
Hainmueller 2010).  They also need history and comparisons: at least
``MIN_PRE_PERIODS`` periods before the start and more comparison than pilot units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SMALL_PILOT_MAX_UNITS = 5
MIN_PRE_PERIODS = 4
"""Below this the synthetic comparison is matched on too little history to trust."""
GOOD_FIT_SHARE_OF_SD = 0.5
"""Pre-period RMSE at most half the pilot's own pre-period standard deviation is a good fit
(the synthetic comparison explains at least three quarters of the pilot's variation)."""


@dataclass(frozen=True)
class SmallPilotChoice:
    """Whether synthetic DiD heads the results, and the reason in words."""

    use_synthetic: bool
    reason: str


def small_pilot(n_pilot_units: int, n_comparison_units: int,
                n_pre_periods: int) -> SmallPilotChoice:
    """Synthetic DiD as the headline for few pilot units, when the data allow it."""
    if n_pilot_units > SMALL_PILOT_MAX_UNITS:
        return SmallPilotChoice(False, f"{n_pilot_units} pilot units are enough for "
                                       "regression-based inference")
    if n_comparison_units <= n_pilot_units:
        return SmallPilotChoice(False, f"only {n_comparison_units} comparison unit(s) for "
                                       f"{n_pilot_units} pilot unit(s): too few to build a "
                                       "synthetic comparison and its placebos")
    if n_pre_periods < MIN_PRE_PERIODS:
        return SmallPilotChoice(False, f"only {n_pre_periods} period(s) before the pilot: too "
                                       "little history to build a synthetic comparison")
    return SmallPilotChoice(True, (
        f"only {n_pilot_units} pilot unit{'s' if n_pilot_units != 1 else ''}: standard errors "
        "from regression are unreliable with so few (MacKinnon & Webb 2017), so synthetic "
        "difference-in-differences with placebo inference is the headline (Arkhangelsky et al. "
        "2021), with the ordinary difference-in-differences estimate beside it"))


def method_sentence(method: str = "sdid") -> str:
    """One plain sentence on what the method did."""
    if method == "sc":
        return ("We built a 'synthetic' comparison from a weighted mix of the comparison teams "
                "that tracked the pilot's results closely before it started, and compared the "
                "pilot with it afterwards.")
    return ("We compared the pilot's change with the change in a weighted mix of comparison "
            "teams chosen because they moved like the pilot before it started, giving most "
            "weight to the months most like the pilot period.")


@dataclass(frozen=True)
class EvidenceTerm:
    """One criterion of the method's own evidence rating."""

    name: str
    rating: str  # "good", "weak" or "unavailable"
    text: str


def evidence_terms(result: Any) -> tuple[EvidenceTerm, ...]:
    """Pre-period fit and placebo rank of a ``SyntheticDidResult`` (or its ``to_dict()``)."""
    d = result if isinstance(result, dict) else result.to_dict()
    return (_fit_term(d), _rank_term(d))


def _fit_term(d: dict[str, Any]) -> EvidenceTerm:
    cohorts = d.get("cohorts") or []
    if not cohorts:
        return EvidenceTerm("pre-period fit", "unavailable", "no synthetic comparison")
    worst = None
    for c in cohorts:
        path = c["trajectory"]
        n_pre = int(c["n_pre"])
        pilot = path["pilot"][:n_pre]
        mean = sum(pilot) / n_pre
        sd = (sum((v - mean) ** 2 for v in pilot) / max(n_pre - 1, 1)) ** 0.5
        ratio = float(c["pre_fit_rmse"]) / sd if sd > 0 else float("inf")
        if worst is None or ratio > worst[0]:
            worst = (ratio, c)
    ratio, cohort = worst
    if ratio <= GOOD_FIT_SHARE_OF_SD:
        return EvidenceTerm("pre-period fit", "good", (
            f"before the pilot the synthetic comparison followed the pilot closely (typical "
            f"gap {float(cohort['pre_fit_rmse']):.2g}, well within the pilot's own "
            "month-to-month variation)"))
    return EvidenceTerm("pre-period fit", "weak", (
        f"before the pilot the synthetic comparison did not follow the pilot closely (typical "
        f"gap {float(cohort['pre_fit_rmse']):.2g}), so the comparison may be off"))


def _rank_term(d: dict[str, Any]) -> EvidenceTerm:
    rank, reps = d.get("placebo_rank"), d.get("replications") or 0
    if rank is None or not reps:
        return EvidenceTerm("placebo rank", "unavailable",
                            "no placebo comparisons were run")
    share = rank / reps
    larger = reps - rank
    text = (f"the pilot's estimated effect was larger than {larger} of {reps} placebo "
            "effects (comparison teams given the pilot's start at random)")
    return EvidenceTerm("placebo rank", "good" if share <= 0.05 else "weak", text)
