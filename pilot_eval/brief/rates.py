"""Workforce rates and the DiD on leaving for the annex, with disclosure control.

The report's ``Rates`` hold tables by arm and by team with their published definitions.  Count
columns are rounded or suppressed (``[c]``), rate columns are suppressed when the row's base
(staff in post) is under the threshold; tables longer than ``MAX_RATE_ROWS`` stay in
results.json.
"""

from __future__ import annotations

from pilot_eval.brief.annex import exact
from pilot_eval.brief.disclosure import SUPPRESSED, count_cell
from pilot_eval.brief.tables import DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.report.options import DisclosureThresholds
from pilot_eval.report.retention_report import Cell, LeavingDid, RetentionReport, Table

BASE_COLUMNS = ("staff_in_post", "headcount", "base", "denominator", "staff", "n",
                "starting_staff")
COUNT_WORDS = ("leavers", "stayers", "staff", "headcount", "starters", "in_post", "count",
               "base", "denominator", "joiners", "vacancies", "agency")
MAX_RATE_ROWS = 60  # longer tables (e.g. every team and quarter) stay in results.json
RATE_WORDS = ("rate", "index", "turnover", "stability", "share", "percent")


def _is_count(name: str, value: Cell) -> bool:
    """A count of people: a whole number (even if stored as ``219.0``) in a count column."""
    whole = (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) \
        and not isinstance(value, bool)
    return whole and (name == "n" or any(w in name.lower() for w in COUNT_WORDS))


def _is_rate(name: str) -> bool:
    return any(w in name.lower() for w in RATE_WORDS)


def _base(row: dict[str, Cell]) -> int | None:
    for name in BASE_COLUMNS:
        value = row.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def cell(name: str, value: Cell, row: dict[str, Cell], rule: DisclosureThresholds) -> str:
    """One published cell: counts protected, rates hidden on small bases, the rest exact."""
    if _is_count(name, value):
        return count_cell(int(value), rule)
    if _is_rate(name) and isinstance(value, int | float) and not isinstance(value, bool):
        base = _base(row)
        if base is not None and base < rule.min_base:
            return SUPPRESSED
        return exact(value)
    return exact(value) if value is not None else "n/a"


def rows_table(caption: str, table: Table, rule: DisclosureThresholds) -> DataTable | None:
    if not table.rows:
        return None
    body = []
    for values in table.rows:
        row = dict(zip(table.columns, values, strict=True))
        body.append(tuple(cell(c, row[c], row, rule) for c in table.columns))
    return DataTable(caption=caption, columns=tuple(c.replace("_", " ") for c in table.columns),
                     rows=tuple(body))


def leaving_table(leaving: LeavingDid, rule: DisclosureThresholds) -> DataTable:
    """The DiD on leaving, statistic by statistic (the count of leavers protected)."""
    leavers = ("n/a" if leaving.leavers is None else
               count_cell(int(round(leaving.leavers)), rule))
    rows = (("model", leaving.model), ("rate ratio", exact(leaving.rate_ratio)),
            ("range low", exact(leaving.ci_low)), ("range high", exact(leaving.ci_high)),
            ("p-value", exact(leaving.p_value)), ("log rate ratio", exact(leaving.estimate)),
            ("se", exact(leaving.se)), ("level", exact(leaving.level)),
            ("observations", exact(leaving.n_obs)), ("teams", exact(leaving.n_units)),
            ("clusters", exact(leaving.n_clusters)), ("leavers", leavers),
            ("person-time", exact(leaving.person_time)),
            ("standard errors", leaving.se_description))
    return DataTable(caption="Difference-in-differences on leaving",
                     columns=("Statistic", "Value"), rows=rows)


def rates_tables(retention: RetentionReport | None, rule: DisclosureThresholds
                 ) -> tuple[list[DataTable], list[str]]:
    """Tables of workforce rates and the definitions as sentences."""
    tables: list[DataTable] = []
    definitions: list[str] = []
    rates = retention.rates if retention is not None else None
    if rates is not None:
        definitions += [f"{name}: {text}" for name, text in rates.definitions]
        for key, table in (("by_arm", rates.by_arm), ("by_team", rates.by_team)):
            if len(table.rows) > MAX_RATE_ROWS:
                definitions.append(f"Workforce rates {key.replace('_', ' ')}: "
                                   f"{len(table.rows):,} rows, in results.json (too many to "
                                   "print here).")
                continue
            shown = rows_table(f"Workforce rates: {key.replace('_', ' ')}", table, rule)
            tables += [shown] if shown else []
    leaving = retention.leaving if retention is not None else None
    if leaving is not None and not isinstance(leaving, Unavailable):
        tables.append(leaving_table(leaving, rule))
    return tables, definitions
