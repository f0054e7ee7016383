"""The chart's text alternative: pilot and comparison means per period as table rows."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

HEADERS = ("Period", "Pilot teams: mean", "Comparison teams: mean", "Teams (pilot / comparison)")


def _mean_text(value: Any, unit: str) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    if unit == "GBP":
        return f"£{number:,.2f}"
    suffix = "%" if unit == "%" else ""
    return f"{number:,.2f}{suffix}"


def means_rows(group_means: Sequence[Mapping[str, Any]], unit: str = "") -> list[list[str]]:
    """One row per period, in period order: label, pilot mean, comparison mean, counts.

    ``group_means`` rows are ``{period, label, arm, mean, n}`` as in ``DidAnalysis.to_dict()``.
    """
    periods: dict[int, dict[str, Any]] = {}
    for row in group_means:
        entry = periods.setdefault(int(row["period"]), {"label": str(row.get("label", ""))})
        entry[row["arm"]] = row
    rows = []
    for period in sorted(periods):
        entry = periods[period]
        pilot, comparison = entry.get("pilot", {}), entry.get("comparison", {})
        counts = f"{pilot.get('n', 0)} / {comparison.get('n', 0)}"
        rows.append([entry["label"] or str(period), _mean_text(pilot.get("mean"), unit),
                     _mean_text(comparison.get("mean"), unit), counts])
    return rows


EVENT_HEADERS = ("Periods since the pilot started", "Effect", "95% range low", "95% range high")


def event_rows(event_time: Sequence[Mapping[str, Any]], unit: str = "") -> list[list[str]]:
    """The event-study chart's numbers: one row per period relative to the pilot start."""
    rows = []
    for row in sorted(event_time, key=lambda r: float(r.get("e", 0))):
        rows.append([str(row.get("e", "")), _mean_text(row.get("estimate"), unit),
                     _mean_text(row.get("ci_low"), unit), _mean_text(row.get("ci_high"), unit)])
    return rows
