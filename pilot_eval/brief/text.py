"""The brief's words other than the headline sentences: titles, alt text, tables, method, caveats.

Pure functions of the report's typed fields, so that every sentence can be tested exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from pilot_eval.estimators.thresholds import FEW_CLUSTERS, SHORT_FOLLOW_UP
from pilot_eval.report.outcome import MeanPoint, OutcomeReport, PilotStart
from pilot_eval.report.words import (
    SE_WORDS,
    estimator_in_words,
    format_value,
    lower_first,
    thousands,
)

MAX_CAVEATS = 3
UNIT_WORDS = {"%": "per cent", "GBP": "pounds", "points": "points"}


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


def arm_average(group_means: Sequence[MeanPoint], arm: str, *,
                before: int | None = None, after: int | None = None) -> float | None:
    """Average of one arm's period means, optionally only before / from a period."""
    values = [m.mean for m in group_means
              if m.arm == arm and m.mean is not None
              and (before is None or m.period < before)
              and (after is None or m.period >= after)]
    return sum(values) / len(values) if values else None


def alt_text(label: str, unit: str, group_means: Sequence[MeanPoint],
             pilot_starts: Sequence[PilotStart], unit_noun: str = "teams") -> str:
    """What the chart shows, for a reader who cannot see it (SVG ``<desc>``, PDF caption)."""
    ordered = sorted(group_means, key=lambda m: m.period)
    if not ordered:
        return f"Line chart of {lower_first(label)}: no data to show."
    span = f"from {ordered[0].label} to {ordered[-1].label}"
    parts = [f"Line chart of {lower_first(label)} by period, {span}, for pilot {unit_noun} "
             f"(solid line with circles) and comparison {unit_noun} (dashed line with squares)."]
    starts = sorted(pilot_starts, key=lambda s: s.period)
    if starts:
        when = " and ".join(s.label for s in starts)
        parts.append(f"Dotted vertical lines mark the pilot start{'s' if len(starts) > 1 else ''}"
                     f" ({when}).")
        first = starts[0].period
        for arm in ("pilot", "comparison"):
            before = arm_average(group_means, arm, before=first)
            after = arm_average(group_means, arm, after=first)
            if before is not None and after is not None:
                parts.append(f"{arm.capitalize()} {unit_noun} averaged "
                             f"{format_value(before, unit)} before the first start and "
                             f"{format_value(after, unit)} after.")
    parts.append("The values are in the table that goes with the chart.")
    return " ".join(parts)


def means_table_rows(group_means: Sequence[MeanPoint], unit: str
                     ) -> tuple[tuple[str, ...], ...]:
    """One row per period: label, pilot mean, pilot n, comparison mean, comparison n."""
    by_period: dict[int, dict[str, MeanPoint]] = {}
    labels: dict[int, str] = {}
    for point in group_means:
        by_period.setdefault(point.period, {})[point.arm] = point
        labels[point.period] = point.label
    rows = []
    for period in sorted(by_period):
        cells = [labels[period]]
        for arm in ("pilot", "comparison"):
            found = by_period[period].get(arm)
            cells.append(format_value(found.mean if found else None, unit))
            cells.append(thousands(found.n if found else None))
        rows.append(tuple(cells))
    return tuple(rows)


def method_details(report: OutcomeReport, unit_noun: str = "teams"
                   ) -> tuple[str, tuple[str, ...]]:
    """The method in words (estimator, standard errors) and the unit and cluster counts."""
    h = report.headline
    name = estimator_in_words(h.estimator)
    se = h.se_description or SE_WORDS.get(h.se_type, h.se_type or "not stated")
    counts = tuple(f"{n:,} {noun}" for n, noun in ((h.n_units, unit_noun),
                                                  (h.clusters.n, "clusters")) if n is not None)
    return f"estimated with {name}; standard errors {se}.", counts


def observations(values: Sequence[int]) -> str:
    """``1,400 observations`` or, for outcomes with different counts, ``1,359 to 1,404``."""
    low, high = min(values), max(values)
    return f"{low:,} observations" if low == high else f"{low:,} to {high:,} observations"


def method_sentences(outcomes: Sequence[OutcomeReport], unit_noun: str = "teams"
                     ) -> tuple[str, ...]:
    """One sentence per distinct method; outcomes estimated the same way share a sentence
    (their observation counts, which differ with missing values, are given as a range)."""
    groups: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[int]]] = {}
    for report in outcomes:
        labels, n_obs = groups.setdefault(method_details(report, unit_noun), ([], []))
        labels.append(report.label)
        if report.headline.n_obs is not None:
            n_obs.append(report.headline.n_obs)
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


def caveats(outcomes: Sequence[OutcomeReport], unit_noun: str = "teams") -> tuple[str, ...]:
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
    clusters = [o.headline.clusters.n for o in outcomes if o.headline.clusters.n is not None]
    if clusters and min(clusters) < FEW_CLUSTERS:
        wild = any(o.headline.inference == "wild" for o in outcomes)
        advice = ("the ranges come from a wild cluster bootstrap, which is more reliable with "
                  "few clusters" if wild else
                  "a wild cluster bootstrap gives more reliable ranges with few clusters")
        chosen.append(
            f"Small numbers: the ranges rest on only {min(clusters)} clusters, so they are "
            f"approximate; {advice}."
        )
    follow_up = [n for n in (o.post_periods for o in outcomes) if n is not None]
    if follow_up and min(follow_up) < SHORT_FOLLOW_UP:
        chosen.append(
            f"Short follow-up: only {min(follow_up)} periods of data after the pilot started, "
            "so longer-term effects are unknown."
        )
    worst = max(outcomes, key=lambda o: o.data.rows_left_out, default=None)
    if worst is not None and worst.data.rows_left_out:
        drops = worst.staggered is not None and worst.staggered.unbalanced == "drop"
        because = ("because values were missing or the estimator needs every "
                   f"{unit_noun.removesuffix('s')} in every period"
                   if drops else "because values were missing")
        chosen.append(
            f"Missing data: up to {worst.data.rows_left_out:,} of {worst.data.rows_read:,} "
            f"rows were left out of an estimate {because}."
        )
    return tuple(chosen[:MAX_CAVEATS])


def data_notes(outcomes: Sequence[OutcomeReport]) -> tuple[str, ...]:
    """Every distinct warning from the estimators and validation, in the order first seen."""
    seen: dict[str, None] = {}
    for report in outcomes:
        for warning in report.warnings:
            note = " ".join(warning.split())
            if note.lower().startswith("warning:"):
                note = note[len("warning:"):].lstrip()
            if note:
                seen.setdefault(note[0].upper() + note[1:], None)
    return tuple(seen)
