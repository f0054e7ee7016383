"""Evidence strength: a transparent 1-5 rating with every reason it was lowered.

The ceiling is set by the design, on the Maryland Scientific Methods Scale (What Works Centre
for Local Growth scoring guide): a difference-in-differences with a comparison group is level 3
(randomised designs reach 5).  Each problem found in the diagnostics lowers the rating by one
level, never below 1, and is listed in plain words:

* a failed pre-trend test (p < 0.05), or one too weak to reassure (fewer than two pre-pilot
  periods, or pre-pilot estimates so imprecise that a trend as large as the effect would pass).
  The test read is ``pretest_event_study`` (binned leads, few restrictions) when present and
  reliable, else ``pretest`` unless it is marked (or, by the estimator's rule, is) unreliable.
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

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pilot_eval.report.words import number_in_words

DID_CEILING = 3
SCALE_TOP = 5
WORDS = {1: "Very low", 2: "Low", 3: "Moderate", 4: "High", 5: "Very high"}
PRETEST_ALPHA = 0.05
MIN_PRE_PERIODS = 2
FEW_CLUSTERS = 30
FEW_TREATED_CLUSTERS = 10
SMALL_BREAKDOWN = 1.0  # relative magnitude: Mbar under 1 breaks on a violation < the largest pre one
HIGH_MISSING_SHARE = 0.10
FILLED, HOLLOW = "■", "□"
DEGENERATE_CLUSTERS_PER_RESTRICTION = 2
SMOOTHNESS_ONLY = ("sensitivity to parallel-trend violations checked only with smoothness "
                   "bounds (the relative-magnitude check that sets the rating is not available)")
UNRELIABLE_PRETEST = ("the pre-trend test could not be run reliably (too many restrictions for "
                      "the number of clusters)")


@dataclass(frozen=True)
class EvidenceRating:
    """A rating from ``ceiling`` lowered by one level per reason (never below 1)."""

    level: int
    ceiling: int
    reasons: tuple[str, ...]
    design: str
    not_checked: tuple[str, ...] = ()

    @property
    def word(self) -> str:
        return WORDS[self.level]

    @property
    def bar(self) -> str:
        """``■■■□□``: filled squares for the level, hollow for the rest of the scale."""
        return FILLED * self.level + HOLLOW * (SCALE_TOP - self.level)

    @property
    def label(self) -> str:
        """``Moderate (3 of 5)``: the word and the number, for text and screen readers."""
        return f"{self.word} ({self.level} of {SCALE_TOP})"


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def unreliable_note(test: Mapping[str, Any], analysis: Mapping[str, Any]) -> str | None:
    """Why a pre-trend test cannot be read, or ``None`` when it can.

    A test marked ``"reliable": false`` by the analysis is not read (its ``note`` says why).
    Results written before that key existed are judged by a deliberately lenient rule: fewer
    than ``DEGENERATE_CLUSTERS_PER_RESTRICTION`` clusters per restriction (the demo's 28
    restrictions on 43 clusters) makes the clustered covariance of the restrictions
    near-singular and the p-value far too small.  (The estimator warns from 10 clusters per
    restriction; only the clearly degenerate case is overruled here without its flag.)
    """
    if test.get("reliable") is False:
        return str(test.get("note") or "too many restrictions for the number of clusters")
    if "reliable" in test:
        return None
    df, clusters = _number(test.get("df")), _number(analysis.get("n_clusters"))
    if df and clusters and clusters < DEGENERATE_CLUSTERS_PER_RESTRICTION * df:
        return (f"{int(df)} restrictions on {int(clusters)} clusters: too many restrictions "
                "for the clusters, so the p-value can be far too small")
    return None


def pretest_used(analysis: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str | None]:
    """The pre-trend test to read, and why none can be read.

    ``pretest_event_study`` (a two-way event study with binned leads: few restrictions) when
    present and reliable, else ``pretest`` unless it is unreliable.  Returns ``(test, None)``,
    ``(None, why)`` when every test present is unreliable, or ``(None, None)`` when there is
    no test at all.
    """
    notes = []
    for key in ("pretest_event_study", "pretest"):
        test = analysis.get(key)
        if not isinstance(test, Mapping) or not test or _number(test.get("p_value")) is None:
            continue
        note = unreliable_note(test, analysis)
        if note is None:
            return test, None
        notes.append(note)
    return None, (notes[0] if notes else None)


def lead_rows(analysis: Mapping[str, Any], test: Mapping[str, Any] | None
              ) -> list[Mapping[str, Any]]:
    """The pre-pilot estimates behind ``test``, to judge whether it could see a trend.

    For the binned-lead event-study test these are the leads it tested (``leads``) in
    ``event_study.event_time``; otherwise the pre-pilot rows of ``event_time``.
    """
    study = analysis.get("event_study")
    if (test is not None and test is analysis.get("pretest_event_study")
            and isinstance(study, Mapping) and study.get("event_time")):
        tested = {int(e) for e in test.get("leads") or ()}
        rows = [r for r in study["event_time"] if _number(r.get("e")) is not None
                and (int(r["e"]) in tested if tested else float(r["e"]) < 0)]
    else:
        rows = [r for r in analysis.get("event_time") or () if _number(r.get("e")) is not None
                and float(r["e"]) < 0]
    return [r for r in rows if _number(r.get("estimate")) is not None]


def pretest_reason(analysis: Mapping[str, Any]) -> str | None:
    """Why the pre-trend test lowers the rating, or ``None`` when it reassures.

    An unreliable test (see ``pretest_used``) is neither a pass nor a failure: it does not
    lower the rating here; ``rate_evidence`` lists it as not checked.
    """
    test, unreliable = pretest_used(analysis)
    p_value = _number(test.get("p_value")) if test else None
    if p_value is not None and p_value < PRETEST_ALPHA:
        return (f"Pilot and comparison {{units}} were already moving differently before the "
                f"pilot (pre-trend test p = {p_value:.2g}).")
    leads = lead_rows(analysis, test)
    estimate = _number(analysis.get("estimate"))
    if p_value is not None and leads and estimate:
        widths = [(_number(r.get("ci_high")) or 0) - (_number(r.get("ci_low")) or 0)
                  for r in leads]
        if max(widths) / 2 >= abs(estimate):
            return ("The pre-trend test could miss a trend as large as the effect itself: the "
                    "pre-pilot estimates are too imprecise to reassure.")
    if p_value is not None or unreliable:
        return None
    pre = pre_periods(analysis)
    if pre is not None and pre < MIN_PRE_PERIODS:
        return (f"Only {pre} period of data before the pilot, so parallel trends cannot be "
                "checked.")
    return None


def pre_periods(analysis: Mapping[str, Any]) -> int | None:
    """How many periods of data come before the first pilot start (``None`` if unknown)."""
    starts = [int(s["period"]) for s in analysis.get("pilot_starts") or ()]
    if not starts:
        return None
    return len({int(r["period"]) for r in analysis.get("group_means") or ()
                if int(r["period"]) < min(starts)})


def cluster_reason(analysis: Mapping[str, Any]) -> str | None:
    clusters = analysis.get("n_clusters")
    treated = analysis.get("n_treated_clusters")
    if treated is None and analysis.get("se_type") == "cluster":
        treated = analysis.get("n_treated_units")  # clustered by unit: one cluster per unit
    if clusters is not None and int(clusters) < FEW_CLUSTERS:
        return (f"Few clusters ({int(clusters)}): the range is approximate even with "
                "corrections for small numbers.")
    if treated is not None and int(treated) < FEW_TREATED_CLUSTERS:
        return f"Few pilot clusters ({int(treated)}): the range is approximate."
    return None


def _excludes_zero(low: float | None, high: float | None) -> bool:
    return low is not None and high is not None and (low > 0 or high < 0)


def hinge_unit(analysis: Mapping[str, Any]) -> str | None:
    """The team whose removal changes the conclusion in leave-one-out, if any.

    Accepts ``leave_one_out`` as a list of rows ``{unit, estimate, ci_low, ci_high}`` or a
    dictionary with such ``rows`` and an optional ``hinges_on`` unit from the estimator.
    """
    loo = analysis.get("leave_one_out")
    if not loo:
        return None
    if isinstance(loo, Mapping):
        if loo.get("unavailable"):
            return None
        if "hinge_units" in loo:  # the analysis decided (pilot_eval.robustness.LeaveOneOut)
            return str(loo["hinge_units"][0]) if loo["hinge_units"] else None
        if loo.get("hinges_on") not in (None, ""):
            return str(loo["hinges_on"])
        rows = loo.get("rows") or ()
    else:
        rows = loo
    estimate = _number(analysis.get("estimate"))
    full_clear = _excludes_zero(_number(analysis.get("ci_low")), _number(analysis.get("ci_high")))
    for row in rows:
        value = _number(row.get("estimate"))
        if value is None or estimate is None:
            continue
        flips = value * estimate < 0
        low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
        loses = full_clear and low is not None and high is not None and not _excludes_zero(low, high)
        if flips or loses:
            return str(row.get("unit", row.get("dropped", "one team")))
    return None


def smoothness_breakdown(analysis: Mapping[str, Any]) -> float | None:
    """The smoothness breakdown value M (HonestDiD FLCI), in the outcome's units per period.

    Reported in the annex but not used for the rating: unlike the relative-magnitude Mbar it
    has no unit-free threshold (Mbar = 1 is "as large as the largest pre-pilot violation").
    """
    sensitivity = analysis.get("sensitivity")
    smooth = sensitivity.get("smoothness") if isinstance(sensitivity, Mapping) else None
    return _number(smooth.get("breakdown")) if isinstance(smooth, Mapping) else None


def breakdown_value(analysis: Mapping[str, Any]) -> float | None:
    """The relative-magnitude breakdown value (Mbar) from ``sensitivity``, if reported."""
    sensitivity = analysis.get("sensitivity")
    if not isinstance(sensitivity, Mapping):
        return None
    for holder in (sensitivity, sensitivity.get("relative_magnitude") or {}):
        if isinstance(holder, Mapping):
            for key in ("breakdown", "breakdown_mbar", "breakdown_value"):
                value = _number(holder.get(key))
                if value is not None:
                    return value
    return None


def missing_share(analysis: Mapping[str, Any]) -> float | None:
    data = analysis.get("data") or {}
    rows, used = _number(data.get("n_rows")), _number(data.get("n_rows_used"))
    if not rows or used is None:
        return None
    return max(rows - used, 0.0) / rows


def rate_evidence(analysis: Mapping[str, Any], *, unit_noun: str = "teams") -> EvidenceRating:
    """The evidence-strength rating of one DiD result dictionary."""
    reasons: list[str] = []
    not_checked: list[str] = []
    pretest = pretest_reason(analysis)
    _, unreliable = pretest_used(analysis)
    if pretest:
        reasons.append(pretest.replace("{units}", unit_noun))
    elif unreliable:
        not_checked.append(UNRELIABLE_PRETEST)
    elif not analysis.get("pretest") and not analysis.get("pretest_event_study"):
        not_checked.append("no formal pre-trend test in these results")
    clusters = cluster_reason(analysis)
    if clusters:
        reasons.append(clusters)
    hinge = hinge_unit(analysis)
    if hinge:
        reasons.append(f"The result hinges on one {unit_noun.removesuffix('s')}: without "
                       f"{hinge} the conclusion changes.")
    elif not analysis.get("leave_one_out"):
        not_checked.append("leave-one-out not run")
    breakdown = breakdown_value(analysis)
    if breakdown is not None and breakdown < SMALL_BREAKDOWN:
        reasons.append("Sensitive to parallel-trend violations: the conclusion would not "
                       "survive a change in trend smaller than the largest seen before the "
                       f"pilot (breakdown value {number_in_words(breakdown)}).")
    elif breakdown is None:
        not_checked.append(SMOOTHNESS_ONLY if smoothness_breakdown(analysis) is not None or
                           isinstance((analysis.get("sensitivity") or {}).get("smoothness"),
                                      Mapping)
                           else "sensitivity to parallel-trend violations not run")
    share = missing_share(analysis)
    if share is not None and share > HIGH_MISSING_SHARE:
        why = (f" (missing values, and {unit_noun} not observed in every period, which this "
               "estimator drops)" if analysis.get("unbalanced") == "drop" else "")
        reasons.append(f"Much data left out: {share:.0%} of rows were not used in the "
                       f"estimate{why}.")
    level = max(1, DID_CEILING - len(reasons))
    return EvidenceRating(
        level=level, ceiling=DID_CEILING, reasons=tuple(reasons),
        design=("Difference-in-differences with a comparison group: level 3 of 5 on the "
                "Maryland Scientific Methods Scale, the most this design can reach."),
        not_checked=tuple(not_checked))


def overall(ratings: Sequence[EvidenceRating]) -> EvidenceRating | None:
    """The weakest rating (a brief is as strong as its weakest headline)."""
    return min(ratings, key=lambda r: r.level, default=None)


def evidence_reasons(ratings: Sequence[tuple[str, EvidenceRating | None]]) -> tuple[str, ...]:
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
