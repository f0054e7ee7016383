"""Evidence strength (a methodological judgement, made in the core and read by the window and
the brief): a transparent 1-5 rating with every reason it was lowered.

The ceiling is set by the design, on the Maryland Scientific Methods Scale (What Works Centre
for Local Growth scoring guide): a difference-in-differences with a comparison group is level 3
(randomised designs reach 5).  Each threat found in the design's checks lowers the rating by
one level, never below 1, and is listed in plain words.  The rules were calibrated by
simulation (``benchmarks/calibrate_evidence.py``, results in ``docs/evidence-rating.md``):
well-powered designs with parallel trends reach the ceiling, designs whose pilot units drift
from the comparison units by as much as the effect are rated lower.

1. **Parallel trends** (at most one level):

   * the pre-trend test read (``OutcomeReport.pretest.used``: the event study's binned leads)
     rejects (p < 0.05): pilot and comparison units were already moving apart;
   * fewer than two periods before the pilot: parallel trends cannot be checked;
   * otherwise trends count as checked when *either* the test had at least an 80% chance of
     detecting a linear trend large enough to explain the whole effect (its power; Roth 2022,
     "Pretest with caution") *or* the conclusion survives the sensitivity bound the design
     calls for (Rambachan & Roth 2023: smoothness at M = 0 -- any straight-line pre-pilot
     trend continues -- for monthly data or many periods; relative magnitudes at Mbar = 1 for
     few, aggregated periods).  When neither holds, the rating is lowered.  A test with more
     restrictions than the clusters support is not read at all (its p-value is meaningless);
     then only the bound can check trends.

2. **Few clusters**: under 30 clusters or under 10 pilot clusters, ranges are approximate.
3. **One unit**: leaving out one pilot unit moves the estimate by more than its standard
   error, or flips its sign.
4. **Missing data**: more than 10% of the unit-periods lack an outcome (attrition), or the
   estimator leaves out more than 20% of the rows (units not seen in every period).

A headline from synthetic difference-in-differences or synthetic control (a handful of pilot
units) is rated on the method's own terms (``pilot_eval.small_pilots.evidence_terms``): a weak
pre-period fit lowers it, and so does a placebo rank that does not single the pilot out when
the headline claims a clear change; few pre-periods and missing data count as above.

Shown as a word and a 1-5 bar of filled and hollow squares with the level in numbers, so that
nothing rests on colour.  Modelled on the Education Endowment Foundation's padlocks (a ceiling
lowered by named threats) without claiming to be an EEF rating.
"""

from __future__ import annotations

from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.thresholds import (
    ESTIMATOR_DROP_SHARE,
    FEW_CLUSTERS,
    FEW_TREATED_CLUSTERS,
    HIGH_MISSING_SHARE,
    INFLUENCE_MAX_SE,
    MIN_PRE_PERIODS,
    PRETEST_ALPHA,
    PRETEST_MIN_POWER,
)
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.values import number

DID_CEILING = 3
DESIGN = ("Difference-in-differences with a comparison group: level 3 of 5 on the Maryland "
          "Scientific Methods Scale, the most this design can reach.")
SYNTHETIC_DESIGN = ("Synthetic difference-in-differences (a weighted comparison built to track "
                    "the pilot before it started): level 3 of 5 on the Maryland Scientific "
                    "Methods Scale, the most a comparison-group design can reach.")
SYNTHETIC_CONTROL_DESIGN = ("Synthetic control (a weighted mix of comparison units built to "
                            "track the pilot before it started): level 3 of 5 on the Maryland "
                            "Scientific Methods Scale, the most a comparison-group design can "
                            "reach.")
BOUND_WORDS = {
    "smoothness": "allowing any straight-line trend seen before the pilot to continue",
    "relative magnitudes": "allowing changes in trend after the start as large as the largest "
                           "before it",
}
SYNTHETIC = ("synthetic-did", "synthetic-control")


def power_text(power: float) -> str:
    return f"{power:.0%}" if power < 0.995 else "over 99%"


def pretrend_reason(report: OutcomeReport, unit_noun: str = "teams") -> str | None:
    """Why the parallel-trends checks lower the rating, or ``None`` when they do not."""
    test = report.pretest.used
    p_value = number(test.p_value) if test else None
    if p_value is not None and p_value < PRETEST_ALPHA:
        return (f"Pilot and comparison {unit_noun} were already moving differently before the "
                f"pilot (pre-trend test p = {p_value:.2g}).")
    pre = report.pre_periods
    if pre is not None and pre < MIN_PRE_PERIODS:
        return (f"Only {pre} period of data before the pilot, so parallel trends cannot be "
                "checked.")
    power = test.power if test is not None else None
    sensitivity = _sensitivity(report)
    robust = sensitivity.robust if sensitivity is not None else None
    if (power is not None and power >= PRETEST_MIN_POWER) or robust:
        return None
    if power is None and robust is not False:
        return None  # nothing computed either way: listed as not checked
    bound = (f" and the effect does not survive {BOUND_WORDS.get(sensitivity.bound, 'the bound')}"
             if sensitivity is not None and robust is False else "")
    if power is not None:  # computed, and below PRETEST_MIN_POWER
        return (f"The pre-trend test could miss a trend large enough to explain the effect (it "
                f"had a {power_text(power)} chance of detecting one){bound}.")
    return ("Parallel trends could not be confirmed: the pre-trend test could not be read "
            f"reliably{bound}.")


def _sensitivity(report: OutcomeReport):
    sensitivity = report.sensitivity
    if sensitivity is None or isinstance(sensitivity, Unavailable):
        return None
    return sensitivity


def cluster_reason(report: OutcomeReport) -> str | None:
    clusters = report.headline.clusters
    if clusters.n is not None and clusters.n < FEW_CLUSTERS:
        return (f"Few clusters ({clusters.n}): the range is approximate even with corrections "
                "for small numbers.")
    if clusters.n_pilot is not None and clusters.n_pilot < FEW_TREATED_CLUSTERS:
        return f"Few pilot clusters ({clusters.n_pilot}): the range is approximate."
    return None


def influential_unit(report: OutcomeReport) -> str | None:
    """The pilot unit whose removal moves the estimate by more than its standard error (or
    flips its sign), the most influential first; ``None`` when there is none."""
    loo = report.leave_one_out
    full = number(report.headline.estimate)
    se = number(report.headline.analytic.se if report.headline.analytic is not None
                else report.headline.se)
    if loo is None or isinstance(loo, Unavailable) or full is None:
        return None
    worst, shift = None, 0.0
    for row in loo.rows:
        estimate = number(row.result.estimate)
        if estimate is None:
            continue
        moved = abs(estimate - full)
        flips = estimate * full < 0
        if (flips or (se is not None and moved > INFLUENCE_MAX_SE * se)) and moved > shift:
            worst, shift = row.unit, moved
    return worst


def _flips(report: OutcomeReport, unit: str) -> bool:
    loo = report.leave_one_out
    if loo is None or isinstance(loo, Unavailable):
        return False
    full = number(report.headline.estimate) or 0.0
    row = next(r for r in loo.rows if r.unit == unit)
    return (number(row.result.estimate) or 0.0) * full < 0


def missing_reason(report: OutcomeReport, unit_noun: str = "teams") -> str | None:
    data = report.data
    share = data.missing_share
    if share is not None and share > HIGH_MISSING_SHARE:
        return (f"Much data missing: {share:.0%} of the {unit_noun.removesuffix('s')}-periods "
                "have no value for this outcome.")
    left = data.share_left_out
    if left is not None and left > ESTIMATOR_DROP_SHARE:
        return (f"Much data left out: the estimate uses {1 - left:.0%} of the rows "
                f"({unit_noun} not observed in every period, or with missing values, are "
                "dropped).")
    return None


def rate_evidence(report: OutcomeReport, *, unit_noun: str = "teams",
                  synthetic_terms=None) -> EvidenceRating:
    """The evidence-strength rating of one outcome's report (its ``evidence`` field).

    A synthetic headline is rated on its section's checks (``report.synthetic.checks``:
    ``small_pilots.evidence_terms``), or on ``synthetic_terms`` when given.
    """
    if report.headline.estimator in SYNTHETIC:
        if synthetic_terms is None and report.synthetic is not None:
            synthetic_terms = report.synthetic.checks
        return _rate_synthetic(report, unit_noun, synthetic_terms or ())
    reasons: list[str] = []
    not_checked: list[str] = []
    trend = pretrend_reason(report, unit_noun)
    if trend:
        reasons.append(trend)
    if report.pretest.used is None and report.pretest.tests:
        not_checked.append("the pre-trend test could not be read reliably (too many "
                           "restrictions for the number of clusters)")
    elif not report.pretest.tests:
        not_checked.append("no formal pre-trend test in these results")
    elif report.pretest.used is not None and report.pretest.used.power is None:
        not_checked.append("the pre-trend test's power against a trend that would explain "
                           "the effect")
    if _sensitivity(report) is None:
        not_checked.append("sensitivity to parallel-trend violations not run")
    clusters = cluster_reason(report)
    if clusters:
        reasons.append(clusters)
    loo = report.leave_one_out
    unit = influential_unit(report)
    if unit is not None:
        what = ("changes sign" if _flips(report, unit)
                else "moves by more than its standard error")
        reasons.append(f"The result leans on one {unit_noun.removesuffix('s')}: without "
                       f"{unit} the estimate {what}.")
    elif loo is None:
        not_checked.append("leave-one-out not run")
    elif isinstance(loo, Unavailable):
        not_checked.append(f"leave-one-out not possible ({loo.reason})")
    missing = missing_reason(report, unit_noun)
    if missing:
        reasons.append(missing)
    return EvidenceRating(level=max(1, DID_CEILING - len(reasons)), ceiling=DID_CEILING,
                          reasons=tuple(reasons), design=DESIGN, not_checked=tuple(not_checked))


def _rate_synthetic(report: OutcomeReport, unit_noun: str, terms) -> EvidenceRating:
    reasons: list[str] = []
    not_checked: list[str] = []
    by_name = {t.name: t for t in terms}
    fit = by_name.get("pre-period fit")
    if fit is None or fit.rating == "unavailable":
        not_checked.append("the synthetic comparison's pre-period fit")
    elif fit.rating == "weak":
        reasons.append(f"The synthetic comparison did not track the pilot well before it "
                       f"started: {fit.text}.")
    rank = by_name.get("placebo rank")
    low, high = number(report.headline.ci_low), number(report.headline.ci_high)
    clear = low is not None and high is not None and (low > 0 or high < 0)
    if rank is None or rank.rating == "unavailable":
        not_checked.append("placebo comparisons")
    elif rank.rating == "weak" and clear:
        reasons.append(f"The placebo comparisons do not single the pilot out: {rank.text}.")
    pre = report.pre_periods
    if pre is not None and pre < MIN_PRE_PERIODS:
        reasons.append(f"Only {pre} period of data before the pilot to match on.")
    missing = missing_reason(report, unit_noun)
    if missing:
        reasons.append(missing)
    return EvidenceRating(level=max(1, DID_CEILING - len(reasons)), ceiling=DID_CEILING,
                          reasons=tuple(reasons),
                          design=(SYNTHETIC_CONTROL_DESIGN
                                  if report.headline.estimator == "synthetic-control"
                                  else SYNTHETIC_DESIGN),
                          not_checked=tuple(not_checked))


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
