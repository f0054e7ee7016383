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

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pilot_eval.validation import ValidationReport

SMALL_PILOT_MAX_UNITS = 5
MIN_PRE_PERIODS = 4
"""Below this the synthetic comparison is matched on too little history to trust."""
GOOD_FIT_NOISE_SHARE = 1.0
"""A good pre-period fit misses the pilot by no more than the comparison units' typical change
from one period to the next (the noise level ``sigma`` of Arkhangelsky et al. 2021, which also
sets the method's regularisation).  Calibrated on simulated pilots (1, 2, 3 and 5 pilot teams
of 30, 20 months, AR(1) noise sd 2, parallel trends): the fit error was 0.26-0.90 sigma in every
run, while the rule it replaces (half the pilot's own pre-period spread) failed 6 of 10
three-team pilots (docs/evidence-rating.md); a pilot drifting away from the others shows fit
errors above sigma."""


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


def method_sentence(method: str = "sdid", *, units: str = "teams",
                    periods: str = "months") -> str:
    """One plain sentence on what the method did (``units``, ``periods``: plural nouns)."""
    if method in ("sc", "synthetic-control"):
        return (f"We built a 'synthetic' comparison from a weighted mix of the comparison "
                f"{units} that tracked the pilot's results closely before it started, and "
                "compared the pilot with it afterwards.")
    return (f"We compared the pilot's change with the change in a weighted mix of comparison "
            f"{units} chosen because they moved like the pilot before it started, giving most "
            f"weight to the {periods} most like the pilot period.")


@dataclass(frozen=True)
class EvidenceTerm:
    """One criterion of the method's own evidence rating."""

    name: str
    rating: str  # "good", "weak" or "unavailable"
    text: str


def evidence_terms(result: Any) -> tuple[EvidenceTerm, ...]:
    """Pre-period fit and placebo rank of a ``SyntheticDidResult`` or
    ``SyntheticControlResult`` (or its ``to_dict()``)."""
    d = result if isinstance(result, dict) else result.to_dict()
    if "gaps" in d and "cohorts" not in d:  # synthetic control
        return (_control_fit_term(d), _control_rank_term(d))
    return (_fit_term(d), _rank_term(d))


def _control_fit_term(d: dict[str, Any]) -> EvidenceTerm:
    term = fit_term(float(d["pre_rmspe"]), float(d["noise_level"]))
    if d.get("poor_fit") and term.rating == "good":  # outside the donors' range
        return EvidenceTerm("pre-period fit", "weak", str(d["fit_reason"]))
    return term


def _control_rank_term(d: dict[str, Any]) -> EvidenceTerm:
    rank, placebos = d.get("placebo_rank"), int(d.get("n_placebos") or 0)
    if rank is None or not placebos:
        return EvidenceTerm("placebo rank", "unavailable", "no placebo comparisons were run")
    total = placebos + 1
    text = (f"the pilot's change ranked {rank} of {total} when each comparison team in turn "
            "was given the pilot's start (on how much more its path moved after the start "
            "than before)")
    return EvidenceTerm("placebo rank", "good" if rank / total <= 0.05 else "weak", text)


def _fit_term(d: dict[str, Any]) -> EvidenceTerm:
    cohorts = d.get("cohorts") or []
    if not cohorts:
        return EvidenceTerm("pre-period fit", "unavailable", "no synthetic comparison")
    worst = max(cohorts, key=_fit_ratio)
    return fit_term(float(worst["pre_fit_rmse"]),
                    float(worst["regularisation"]["noise_level"]))


def _fit_ratio(cohort: dict[str, Any]) -> float:
    noise = float(cohort["regularisation"]["noise_level"])
    return float(cohort["pre_fit_rmse"]) / noise if noise > 0 else float("inf")


def fit_term(rmse: float, noise: float) -> EvidenceTerm:
    """Good when the pre-period fit error is within the comparison units' period-to-period
    noise (``GOOD_FIT_NOISE_SHARE``)."""
    if rmse <= GOOD_FIT_NOISE_SHARE * noise:
        return EvidenceTerm("pre-period fit", "good", (
            f"before the pilot the synthetic comparison followed the pilot closely (typical "
            f"gap {rmse:.2g}, within the comparison units' usual change from one period to "
            f"the next, {noise:.2g})"))
    return EvidenceTerm("pre-period fit", "weak", (
        f"before the pilot the synthetic comparison did not follow the pilot closely (typical "
        f"gap {rmse:.2g}, more than the comparison units' usual change from one period to the "
        f"next, {noise:.2g}), so the comparison may be off"))


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


SYNTHETIC_HEADLINES = {"synthetic-did": "synthetic difference-in-differences",
                       "synthetic-control": "synthetic control"}


def answer_hint(report: ValidationReport, estimator: str, *,
                planned: bool = False) -> ValidationReport:
    """``report`` with the few-pilot-clusters advice (use a method built for a few pilot
    units) answered when ``estimator`` is one: the hint then says it is used (``planned``:
    that the analysis will use it, for the checks shown before it runs)."""
    from pilot_eval.validation import SMALL_PILOT_HINT

    method = SYNTHETIC_HEADLINES.get(estimator)
    if method is None:
        return report
    answered = {SMALL_PILOT_HINT, *(_used(m, planned=True) for m in SYNTHETIC_HEADLINES.values())}
    used = _used(method, planned=planned)
    return replace(report, problems=tuple(
        replace(p, hint=used) if p.hint in answered else p for p in report.problems))


def _used(method: str, *, planned: bool) -> str:
    if planned:
        return (f"The analysis will head its results with {method}, a method built for a few "
                "pilot units, and show the two-way estimate beside it for comparison.")
    return (f"These results are headed by {method}, a method built for a few pilot units; "
            "the two-way estimate is shown beside it for comparison.")
