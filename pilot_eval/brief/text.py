"""The brief's words other than the headline sentences: titles, alt text, tables, method, caveats.

Pure functions of plain data, so that every sentence can be tested exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pilot_eval.brief.wording import lower_first

ESTIMATOR_NAMES = {
    "twfe": "two-way fixed effects difference-in-differences (unit and period effects)",
    "2x2": "a 2x2 difference-in-differences (change in pilot teams minus change in comparison "
           "teams)",
    "event-study": "an event study (effects for each period around each unit's pilot start, "
                   "with unit and period effects)",
    "callaway-santanna": "Callaway & Sant'Anna's estimator for staggered starts (each start "
                         "cohort compared with not-yet or never treated units)",
    "sun-abraham": "Sun & Abraham's interaction-weighted event study for staggered starts",
    "wild_cluster_bootstrap": "two-way fixed effects with a wild cluster bootstrap for few "
                              "clusters",
}
SE_WORDS = {  # used only when the result carries no se_description of its own
    "iid": "assuming independent, equal-variance errors",
    "hc1": "robust to unequal variances (HC1)",
    "cluster": "clustered (CR1)",
}
FEW_CLUSTERS = 30  # DESIGN.md: under about 30 clusters, clustered ranges are approximate
MAX_CAVEATS = 3
SHORT_FOLLOW_UP = 6  # periods after the start; fewer says nothing about lasting effects
UNIT_WORDS = {"%": "per cent", "GBP": "pounds", "points": "points"}


def format_value(value: float | None, unit: str) -> str:
    """A mean for a table cell: ``£1,234``, ``62.3%``, ``48.0``; ``no data`` when missing."""
    if value is None or not math.isfinite(float(value)):
        return "no data"
    value = float(value)
    if unit == "GBP":
        text = f"£{abs(value):,.0f}"
        return f"-{text}" if value < 0 else text
    text = f"{value:,.1f}"
    return f"{text}%" if unit == "%" else text


def active_title(directions: Sequence[tuple[str, str]], unit_noun: str = "teams") -> str:
    """A title stating the finding, from ``(label, direction)`` pairs, one per outcome."""
    if not directions:
        return "Pilot evaluation"
    if len(directions) == 1:
        label, verdict = directions[0]
        if verdict in ("better", "worse"):
            return f"Pilot {unit_noun} did {verdict} on {lower_first(label)}"
        if verdict in ("higher", "lower"):
            return f"{label} was {verdict} in pilot {unit_noun}"
        if verdict == "no clear change":
            return f"No clear change in {lower_first(label)} in pilot {unit_noun}"
        return f"{label}: pilot and comparison {unit_noun}"
    counts = {v: sum(1 for _, d in directions if d == v) for v in ("better", "worse",
                                                                    "no clear change")}
    total = len(directions)
    parts = [f"{verb} on {n}" for verb, n in (("better", counts["better"]),
                                             ("worse", counts["worse"]),
                                             ("no clear change", counts["no clear change"])) if n]
    if not parts:
        return f"Pilot and comparison {unit_noun} on {total} outcomes"
    if counts["better"] == total:
        return f"Pilot {unit_noun} did better on {'both' if total == 2 else f'all {total}'} outcomes"
    first, *rest = parts
    return f"Pilot {unit_noun} did {first} of {total} outcomes" + "".join(f", {p}" for p in rest)


def chart_title(label: str, verdict: str, estimate: float | None,
                unit_noun: str = "teams") -> str:
    """An active title of about ten words for the pilot-vs-comparison chart.

    It describes the lines (rose / fell), so a fall that is "better" still reads "fell".
    """
    if verdict == "no clear change":
        return f"{label} moved much the same in pilot and comparison {unit_noun}"
    if verdict == "not assessed" or estimate is None or estimate == 0:
        return f"{label} in pilot and comparison {unit_noun} over time"
    moved = "rose" if estimate > 0 else "fell"
    return f"{label} {moved} in pilot {unit_noun} relative to comparison {unit_noun}"


def chart_key(unit_noun: str = "teams", *, n_starts: int = 0) -> str:
    """How to read the chart without colour: line styles, markers and the start line(s)."""
    starts = ("" if not n_starts else " Dotted vertical line: pilot start." if n_starts == 1
              else " Dotted vertical lines: pilot starts.")
    return (f"Solid line with circles: pilot {unit_noun}. Dashed line with squares: "
            f"comparison {unit_noun}.{starts}")


def arm_average(group_means: Sequence[Mapping[str, Any]], arm: str, *,
                before: int | None = None, after: int | None = None) -> float | None:
    """Average of one arm's period means, optionally only before / from a period."""
    values = [float(r["mean"]) for r in group_means
              if r.get("arm") == arm and r.get("mean") is not None
              and math.isfinite(float(r["mean"]))
              and (before is None or int(r["period"]) < before)
              and (after is None or int(r["period"]) >= after)]
    return sum(values) / len(values) if values else None


def alt_text(label: str, unit: str, group_means: Sequence[Mapping[str, Any]],
             pilot_starts: Sequence[Mapping[str, Any]], unit_noun: str = "teams") -> str:
    """What the chart shows, for a reader who cannot see it (SVG ``<desc>``, PDF caption)."""
    ordered = sorted(group_means, key=lambda r: int(r["period"]))
    if not ordered:
        return f"Line chart of {lower_first(label)}: no data to show."
    span = f"from {ordered[0].get('label', ordered[0]['period'])} to " \
           f"{ordered[-1].get('label', ordered[-1]['period'])}"
    parts = [f"Line chart of {lower_first(label)} by period, {span}, for pilot {unit_noun} "
             f"(solid line with circles) and comparison {unit_noun} (dashed line with squares)."]
    starts = sorted(pilot_starts, key=lambda s: int(s["period"]))
    if starts:
        when = " and ".join(str(s.get("label", s["period"])) for s in starts)
        parts.append(f"Dotted vertical lines mark the pilot start{'s' if len(starts) > 1 else ''}"
                     f" ({when}).")
        first = int(starts[0]["period"])
        for arm in ("pilot", "comparison"):
            before = arm_average(group_means, arm, before=first)
            after = arm_average(group_means, arm, after=first)
            if before is not None and after is not None:
                parts.append(f"{arm.capitalize()} {unit_noun} averaged "
                             f"{format_value(before, unit)} before the first start and "
                             f"{format_value(after, unit)} after.")
    parts.append("The values are in the table that goes with the chart.")
    return " ".join(parts)


def means_table_rows(group_means: Sequence[Mapping[str, Any]], unit: str
                     ) -> tuple[tuple[str, ...], ...]:
    """One row per period: label, pilot mean, pilot n, comparison mean, comparison n."""
    by_period: dict[int, dict[str, Mapping[str, Any]]] = {}
    labels: dict[int, str] = {}
    for row in group_means:
        period = int(row["period"])
        by_period.setdefault(period, {})[str(row.get("arm"))] = row
        labels[period] = str(row.get("label", period))
    rows = []
    for period in sorted(by_period):
        cells = [labels[period]]
        for arm in ("pilot", "comparison"):
            found = by_period[period].get(arm)
            cells.append(format_value(found.get("mean") if found else None, unit))
            n = found.get("n") if found else None
            cells.append(f"{int(n):,}" if n is not None else "no data")
        rows.append(tuple(cells))
    return tuple(rows)


def method_details(analysis: Mapping[str, Any], unit_noun: str = "teams"
                   ) -> tuple[str, tuple[str, ...]]:
    """The method in words (estimator, standard errors) and the unit and cluster counts."""
    estimator = str(analysis.get("estimator", ""))
    name = ESTIMATOR_NAMES.get(estimator, estimator or "an unnamed estimator")
    se_type = str(analysis.get("se_type") or "")
    se = analysis.get("se_description") or SE_WORDS.get(se_type, se_type or "not stated")
    counts = tuple(f"{int(analysis[key]):,} {noun}"
                   for key, noun in (("n_units", unit_noun), ("n_clusters", "clusters"))
                   if analysis.get(key) is not None)
    return f"estimated with {name}; standard errors {se}.", counts


def observations(values: Sequence[int]) -> str:
    """``1,400 observations`` or, for outcomes with different counts, ``1,359 to 1,404``."""
    low, high = min(values), max(values)
    return f"{low:,} observations" if low == high else f"{low:,} to {high:,} observations"


def method_sentences(analyses: Sequence[Mapping[str, Any]], unit_noun: str = "teams"
                     ) -> tuple[str, ...]:
    """One sentence per distinct method; outcomes estimated the same way share a sentence
    (their observation counts, which differ with missing values, are given as a range)."""
    groups: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[int]]] = {}
    for analysis in analyses:
        label = str(analysis.get("outcome_label") or analysis.get("outcome") or "Outcome")
        labels, n_obs = groups.setdefault(method_details(analysis, unit_noun), ([], []))
        labels.append(label)
        if analysis.get("n_obs") is not None:
            n_obs.append(int(analysis["n_obs"]))
    out = []
    for (method, counts), (labels, n_obs) in groups.items():
        data = [*counts, observations(n_obs)] if n_obs else list(counts)
        sentence = method + (f" Data: {', '.join(data)}." if data else "")
        if len(labels) == 1:
            out.append(f"{labels[0]}: {sentence}")
        else:
            rest = [lower_first(label) for label in labels[1:]]
            named = ", ".join([labels[0], *rest[:-1]]) + f" and {rest[-1]}"
            out.append(f"{named}: each {sentence}")
    return tuple(out)


def periods_after_start(analysis: Mapping[str, Any]) -> int | None:
    """How many periods of pilot data follow the first pilot start (``None`` if unknown)."""
    starts = [int(s["period"]) for s in analysis.get("pilot_starts") or ()]
    if not starts:
        return None
    first = min(starts)
    return len({int(r["period"]) for r in analysis.get("group_means") or ()
                if r.get("arm") == "pilot" and int(r["period"]) >= first})


def rows_left_out(analysis: Mapping[str, Any]) -> int:
    """Rows of the data file not used by the estimate (missing values, zero weights)."""
    data = analysis.get("data") or {}
    n_rows, used = data.get("n_rows"), data.get("n_rows_used")
    return max(int(n_rows) - int(used), 0) if n_rows is not None and used is not None else 0


def caveats(analyses: Sequence[Mapping[str, Any]], unit_noun: str = "teams") -> tuple[str, ...]:
    """Two or three caveats in plain words, most important first.

    Analysis Function guidance: lead with a few named sources of uncertainty, not a long list.
    Order: the design's assumption (always), few clusters, short follow-up, missing data.
    The estimators' and validation's own warnings go to ``data_notes`` instead.
    """
    chosen = [
        f"These are estimates, not proof. They assume that pilot and comparison {unit_noun} "
        f"would have changed in parallel without the pilot, and pilot {unit_noun} were not "
        "chosen at random."
    ]
    clusters = [int(a["n_clusters"]) for a in analyses if a.get("n_clusters") is not None]
    if clusters and min(clusters) < FEW_CLUSTERS:
        wild = any("wild" in str(a.get("se_type", "")) or "wild" in str(a.get("estimator", ""))
                   for a in analyses)
        advice = ("the ranges come from a wild cluster bootstrap, which is more reliable with "
                  "few clusters" if wild else
                  "a wild cluster bootstrap gives more reliable ranges with few clusters")
        chosen.append(
            f"Small numbers: the ranges rest on only {min(clusters)} clusters, so they are "
            f"approximate; {advice}."
        )
    follow_up = [n for n in (periods_after_start(a) for a in analyses) if n is not None]
    if follow_up and min(follow_up) < SHORT_FOLLOW_UP:
        chosen.append(
            f"Short follow-up: only {min(follow_up)} periods of data after the pilot started, "
            "so longer-term effects are unknown."
        )
    worst = max(analyses, key=rows_left_out, default=None)
    if worst is not None and rows_left_out(worst):
        because = ("because values were missing or the estimator needs every "
                   f"{unit_noun.removesuffix('s')} in every period"
                   if worst.get("unbalanced") == "drop" else "because values were missing")
        chosen.append(
            f"Missing data: up to {rows_left_out(worst):,} of {int(worst['data']['n_rows']):,} "
            f"rows were left out of an estimate {because}."
        )
    return tuple(chosen[:MAX_CAVEATS])


def data_notes(analyses: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Every distinct warning from the estimators and validation, in the order first seen."""
    seen: dict[str, None] = {}
    for analysis in analyses:
        for warning in analysis.get("warnings") or ():
            note = re.sub(r"^warning:\s*", "", " ".join(str(warning).split()), flags=re.I)
            if note:
                seen.setdefault(note[0].upper() + note[1:], None)
    return tuple(seen)
