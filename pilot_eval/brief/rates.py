"""Workforce rates and the DiD on leaving for the annex, with disclosure control.

The retention results' ``rates`` (issue 4: per team-period and arm-period, with their published
definitions) arrive as a list of rows or a dictionary of such lists plus ``definitions``.  Each
list becomes a table: count columns are rounded or suppressed (``[c]``), rate columns are
suppressed when the row's base (staff in post) is under the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pilot_eval.brief.annex import exact
from pilot_eval.brief.disclosure import SUPPRESSED, count_cell
from pilot_eval.brief.options import DisclosureThresholds
from pilot_eval.brief.tables import DataTable

BASE_COLUMNS = ("staff_in_post", "headcount", "base", "denominator", "staff", "n",
                "starting_staff")
COUNT_WORDS = ("leavers", "stayers", "staff", "headcount", "starters", "in_post", "count",
               "base", "denominator", "joiners", "vacancies", "agency")
HIDDEN_COLUMNS = ("period_start", "period_end")  # the period label says the same
MAX_RATE_ROWS = 60  # longer tables (e.g. every team and quarter) stay in results.json
RATE_WORDS = ("rate", "index", "turnover", "stability", "share", "percent")


def _is_count(name: str, value: Any) -> bool:
    """A count of people: a whole number (even if stored as ``219.0``) in a count column."""
    whole = (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) \
        and not isinstance(value, bool)
    return whole and (name == "n" or any(w in name.lower() for w in COUNT_WORDS))


def _is_rate(name: str) -> bool:
    return any(w in name.lower() for w in RATE_WORDS)


def _base(row: Mapping[str, Any]) -> int | None:
    for name in BASE_COLUMNS:
        value = row.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and math.isfinite(float(value)):
            return int(value)
    return None


def cell(name: str, value: Any, row: Mapping[str, Any], rule: DisclosureThresholds) -> str:
    """One published cell: counts protected, rates hidden on small bases, the rest exact."""
    if _is_count(name, value):
        return count_cell(int(value), rule)
    if _is_rate(name) and isinstance(value, int | float) and not isinstance(value, bool):
        base = _base(row)
        if base is not None and base < rule.min_base:
            return SUPPRESSED
        return exact(value)
    if isinstance(value, Mapping | list):
        return "see results.json"
    return exact(value) if value is not None else "n/a"


def rows_table(caption: str, rows: Sequence[Mapping[str, Any]], rule: DisclosureThresholds
               ) -> DataTable | None:
    rows = [r for r in rows if isinstance(r, Mapping)]
    if not rows:
        return None
    columns = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in HIDDEN_COLUMNS]
    return DataTable(caption=caption, columns=tuple(c.replace("_", " ") for c in columns),
                     rows=tuple(tuple(cell(c, r.get(c), r, rule) for c in columns)
                                for r in rows))


def rates_tables(retention: Mapping[str, Any], rule: DisclosureThresholds
                 ) -> tuple[list[DataTable], list[str]]:
    """Tables of workforce rates and the definitions as sentences."""
    rates = retention.get("rates")
    tables: list[DataTable] = []
    definitions: list[str] = []
    if isinstance(rates, list):
        table = rows_table("Workforce rates", rates, rule)
        tables += [table] if table else []
    elif isinstance(rates, Mapping):
        for key, value in rates.items():
            if key == "definitions" and isinstance(value, Mapping):
                definitions += [f"{name}: {text}" for name, text in value.items()]
            elif isinstance(value, list) and len(value) > MAX_RATE_ROWS:
                definitions.append(f"Workforce rates {key.replace('_', ' ')}: {len(value):,} "
                                   "rows, in results.json (too many to print here).")
            elif isinstance(value, list):
                table = rows_table(f"Workforce rates: {key.replace('_', ' ')}", value, rule)
                tables += [table] if table else []
    leaving = retention.get("did_leaving")
    if isinstance(leaving, Mapping) and leaving:
        flat = {k: v for k, v in leaving.items() if not isinstance(v, Mapping | list)}
        tables.append(DataTable(
            caption="Difference-in-differences on leaving", columns=("Statistic", "Value"),
            rows=tuple((k.replace("_", " "), cell(k, v, flat, rule)) for k, v in flat.items())))
    return tables, definitions
