"""Evidence strength (a methodological judgement, made in the core and read by the window and
the brief): a transparent 1-5 rating with every reason it was lowered.

The ceiling is set by the design, on the Maryland Scientific Methods Scale (What Works Centre
for Local Growth scoring guide): a difference-in-differences with a comparison group is level 3
(randomised designs reach 5).  Each problem found in the diagnostics lowers the rating by one
level, never below 1, and is listed in plain words:

* a failed pre-trend test (p < 0.05), or one too weak to reassure (fewer than two pre-pilot
  periods, or pre-pilot estimates so imprecise that a trend as large as the effect would pass).
  The test read is the one the report's builder chose (``OutcomeReport.pretest.used``: the
  event study's binned leads when reliable, else the estimator's own unless unreliable).
  An unreliable test is "not checked", not "failed": its p-value carries no information either
  way (with more restrictions than the clusters can support the Wald statistic is near-singular
  and p can be 1e-197 when trends are parallel by construction), so it is listed among the
  checks not run, which already warns that the rating may be too generous;
* few clusters (under 30, or under 10 pilot clusters): ranges are then approximate;
* a result that hinges on one team (leave-one-out changes the conclusion);
* a small breakdown value in the sensitivity analysis (Rambachan & Roth): the conclusion would
  not survive a post-pilot violation of parallel trends as large as the biggest pre-pilot one;
* high attrition or missing data (over 10% of rows left out, whether for missing values or
  because the estimator drops units not seen in every period).

Shown as a word and a 1-5 bar of filled and hollow squares with the level in numbers, so that
nothing rests on colour.  Modelled on the Education Endowment Foundation's padlocks (a ceiling
lowered by named threats) without claiming to be an EEF rating.
"""

from __future__ import annotations

from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.thresholds import (
    FEW_CLUSTERS,
    FEW_TREATED_CLUSTERS,
    HIGH_MISSING_SHARE,
    MIN_PRE_PERIODS,
    PRETEST_ALPHA,
    SMALL_BREAKDOWN,
)
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.values import number
from pilot_eval.report.words import number_in_words

DID_CEILING = 3
DESIGN = ("Difference-in-differences with a comparison group: level 3 of 5 on the Maryland "
          "Scientific Methods Scale, the most this design can reach.")
SMOOTHNESS_ONLY = ("sensitivity to parallel-trend violations checked only with smoothness "
                   "bounds (the relative-magnitude check that sets the rating is not available)")
UNRELIABLE_PRETEST = ("the pre-trend test could not be run reliably (too many restrictions for "
                      "the number of clusters)")


def pretest_reason(report: OutcomeReport) -> str | None:
    """Why the pre-trend test lowers the rating, or ``None`` when it reassures.

    An unreliable test is neither a pass nor a failure: it does not lower the rating here;
    ``rate_evidence`` lists it as not checked.
    """
    test = report.pretest.used
    p_value = number(test.p_value) if test else None
    if p_value is not None and p_value < PRETEST_ALPHA:
        return (f"Pilot and comparison {{units}} were already moving differently before the "
                f"pilot (pre-trend test p = {p_value:.2g}).")
    estimate = number(report.headline.estimate)
    leads = [r for r in (test.lead_rows if test else ()) if number(r.estimate) is not None]
    if p_value is not None and leads and estimate:
        widths = [(number(r.ci_high) or 0) - (number(r.ci_low) or 0) for r in leads]
        if max(widths) / 2 >= abs(estimate):
            return ("The pre-trend test could miss a trend as large as the effect itself: the "
                    "pre-pilot estimates are too imprecise to reassure.")
    if p_value is not None or unreliable(report):
        return None
    pre = report.pre_periods
    if pre is not None and pre < MIN_PRE_PERIODS:
        return (f"Only {pre} period of data before the pilot, so parallel trends cannot be "
                "checked.")
    return None


def unreliable(report: OutcomeReport) -> bool:
    """A pre-trend test was computed but none can be read (too many restrictions)."""
    return report.pretest.used is None and any(
        number(t.p_value) is not None for t in report.pretest.tests)


def cluster_reason(report: OutcomeReport) -> str | None:
    clusters = report.headline.clusters
    if clusters.n is not None and clusters.n < FEW_CLUSTERS:
        return (f"Few clusters ({clusters.n}): the range is approximate even with corrections "
                "for small numbers.")
    if clusters.n_pilot is not None and clusters.n_pilot < FEW_TREATED_CLUSTERS:
        return f"Few pilot clusters ({clusters.n_pilot}): the range is approximate."
    return None


def breakdown_value(report: OutcomeReport) -> float | None:
    """The relative-magnitude breakdown value (Mbar), if the bounds were computed."""
    sensitivity = report.sensitivity
    if sensitivity is None or isinstance(sensitivity, Unavailable):
        return None
    return number(sensitivity.breakdown_mbar)


def rate_evidence(report: OutcomeReport, *, unit_noun: str = "teams") -> EvidenceRating:
    """The evidence-strength rating of one outcome's report (its ``evidence`` field)."""
    reasons: list[str] = []
    not_checked: list[str] = []
    pretest = pretest_reason(report)
    if pretest:
        reasons.append(pretest.replace("{units}", unit_noun))
    elif unreliable(report):
        not_checked.append(UNRELIABLE_PRETEST)
    elif not report.pretest.tests:
        not_checked.append("no formal pre-trend test in these results")
    elif report.pretest.used is None:
        not_checked.append("the pre-trend test could not be computed")
    clusters = cluster_reason(report)
    if clusters:
        reasons.append(clusters)
    loo = report.leave_one_out
    if loo is not None and not isinstance(loo, Unavailable) and loo.hinge_units:
        reasons.append(f"The result hinges on one {unit_noun.removesuffix('s')}: without "
                       f"{loo.hinge_units[0]} the conclusion changes.")
    elif loo is None:
        not_checked.append("leave-one-out not run")
    elif isinstance(loo, Unavailable):
        not_checked.append(f"leave-one-out not possible ({loo.reason})")
    breakdown = breakdown_value(report)
    if breakdown is not None and breakdown < SMALL_BREAKDOWN:
        reasons.append("Sensitive to parallel-trend violations: the conclusion would not "
                       "survive a change in trend smaller than the largest seen before the "
                       f"pilot (breakdown value {number_in_words(breakdown)}).")
    elif breakdown is None:
        sensitivity = report.sensitivity
        smoothness = sensitivity is not None and not isinstance(sensitivity, Unavailable)
        not_checked.append(SMOOTHNESS_ONLY if smoothness
                           else "sensitivity to parallel-trend violations not run")
    share = report.data.share_left_out
    if share is not None and share > HIGH_MISSING_SHARE:
        drops = report.staggered is not None and report.staggered.unbalanced == "drop"
        why = (f" (missing values, and {unit_noun} not observed in every period, which this "
               "estimator drops)" if drops else "")
        reasons.append(f"Much data left out: {share:.0%} of rows were not used in the "
                       f"estimate{why}.")
    return EvidenceRating(level=max(1, DID_CEILING - len(reasons)), ceiling=DID_CEILING,
                          reasons=tuple(reasons), design=DESIGN, not_checked=tuple(not_checked))


def overall(ratings) -> EvidenceRating | None:
    """The weakest rating (a brief is as strong as its weakest headline)."""
    return min(ratings, key=lambda r: r.level, default=None)


def evidence_reasons(ratings) -> tuple[str, ...]:
    """Page-1 bullets: the design's ceiling, then each distinct reason for lowering it with
    the outcomes it applies to (``ratings`` are ``(outcome label, rating)`` pairs)."""
    rated = [(label, rating) for label, rating in ratings if rating is not None]
    if not rated:
        return ()
    by_reason: dict[str, list[str]] = {}
    for label, rating in rated:
        for reason in rating.reasons:
            by_reason.setdefault(reason, []).append(label)
    design = rated[0][1].design
    if not by_reason:
        lines = [f"{design} No problem was found that lowers it (checks in the annex)."]
    else:
        lines = [f"{design} Each problem below lowers it by one level."]
    for reason, labels in by_reason.items():
        lines.append(f"{reason} ({'; '.join(labels)})" if len(rated) > 1 else reason)
    unchecked = sorted({item for _, rating in rated for item in rating.not_checked})
    if unchecked:
        lines.append("Not yet checked for every outcome, so the rating may be too generous: "
                     f"{'; '.join(unchecked)}.")
    return tuple(lines)
